//! PowerShell (pwsh and Windows PowerShell).
//!
//! Quoting rule: a single-quoted string ends at `'` and also at U+2018, U+2019, U+201A and
//! U+201B; inside one, a quote is written doubled. The output is pure ASCII: Windows decodes
//! a native command's output with the console code page, where a UTF-8 byte can turn into a
//! quote character. So every character outside printable ASCII (non-ASCII, and control
//! characters, which would also split the statement over lines) is written as a
//! `[char]0xNNNN` piece (a surrogate pair past U+FFFF), joined with `+` to quoted runs. The
//! expression always starts with a quoted string, since `[char] + [char]` adds numbers.
//! Only ASCII `'` can appear inside a quoted run, the other four being non-ASCII pieces.

use crate::session::EnvChange;

pub fn render(changes: &[EnvChange]) -> String {
    let mut out = String::new();
    for change in changes {
        match change {
            EnvChange::Set(name, value) => {
                out.push_str(&format!("$Env:{name} = {}\n", quote(value)));
            }
            EnvChange::Unset(name) => out.push_str(&format!(
                "Remove-Item -LiteralPath Env:{name} -ErrorAction SilentlyContinue\n"
            )),
        }
    }
    out
}

fn quote(value: &str) -> String {
    let mut out = String::from("'");
    let mut in_quotes = true;
    for c in value.chars() {
        if (' '..='~').contains(&c) {
            if !in_quotes {
                out.push_str(" + '");
                in_quotes = true;
            }
            if c == '\'' {
                out.push('\'');
            }
            out.push(c);
        } else {
            if in_quotes {
                out.push('\'');
                in_quotes = false;
            }
            let mut units = [0u16; 2];
            for unit in c.encode_utf16(&mut units) {
                out.push_str(&format!(" + [char]0x{unit:04X}"));
            }
        }
    }
    if in_quotes {
        out.push('\'');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::quote;

    #[test]
    fn ascii_quotes_double_and_the_rest_become_char_pieces() {
        assert_eq!(quote("it's"), "'it''s'");
        assert_eq!(quote(""), "''");
        assert_eq!(quote("\u{2019}"), "'' + [char]0x2019");
        assert_eq!(quote("a\u{e9}b"), "'a' + [char]0x00E9 + 'b'");
        assert_eq!(quote("\u{1F600}"), "'' + [char]0xD83D + [char]0xDE00");
        assert_eq!(quote("a\nb"), "'a' + [char]0x000A + 'b'");
    }
}
