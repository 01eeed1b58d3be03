//! The one-time code: exactly six ASCII digits, and a bad one described without being shown.

use crate::error::Error;

/// A code that looks right: exactly six ASCII digits.
#[derive(Clone, PartialEq, Eq)]
pub struct MfaCode(String);

impl Drop for MfaCode {
    fn drop(&mut self) {
        zeroize::Zeroize::zeroize(&mut self.0);
    }
}

impl MfaCode {
    pub fn parse(input: &str) -> Result<Self, Error> {
        let code = input.trim();
        if code.len() == 6 && code.bytes().all(|b| b.is_ascii_digit()) {
            Ok(MfaCode(code.to_owned()))
        } else {
            // Describe the input without echoing it: it may be a code after all.
            let count = code.chars().count();
            let digits = code.chars().filter(char::is_ascii_digit).count();
            let plural = |n: usize, one: &str, many: &str| {
                format!("{n} {}", if n == 1 { one } else { many })
            };
            Err(Error::InvalidCode(match (count, digits) {
                (0, _) => "an empty line".to_owned(),
                (n, d) if n == d => plural(n, "digit", "digits"),
                (n, 0) => format!("{} and no digit", plural(n, "character", "characters")),
                (n, d) => format!(
                    "{} of which {}",
                    plural(n, "character", "characters"),
                    if d == 1 {
                        "1 is a digit".to_owned()
                    } else {
                        format!("{d} are digits")
                    }
                ),
            }))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for MfaCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("MfaCode(******)")
    }
}

#[cfg(test)]
mod tests {
    use super::MfaCode;

    #[test]
    fn six_digits_and_nothing_else() {
        assert_eq!(MfaCode::parse(" 123456\n").unwrap().as_str(), "123456");
        for bad in ["12345", "1234567", "12345a", "", "١٢٣٤٥٦", "123 456"] {
            assert!(MfaCode::parse(bad).is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn a_bad_code_is_described_in_good_english() {
        let said = |input: &str| MfaCode::parse(input).unwrap_err().to_string();
        assert!(said("1").ends_with("not 1 digit"), "{}", said("1"));
        assert!(said("12").ends_with("not 2 digits"));
        assert!(said("a").ends_with("not 1 character and no digit"));
        assert!(said("a1").ends_with("not 2 characters of which 1 is a digit"));
        assert!(said("abc").ends_with("not 3 characters and no digit"));
    }
}
