//! tcsh and csh: `eval "`aws-mfa env --shell tcsh`"`.
//!
//! Quoting rule: inside single quotes every character is literal, but two things happen
//! before quotes are looked at. History substitution runs over the text `eval` gets (also
//! in scripts and under `-c`, measured with tcsh 6.24), so each `!` is written outside the
//! quotes as `\!`. And a newline cannot be carried at all: the backquotes turn each output
//! line into a word and `eval` joins the words with spaces, so every statement ends in `;`
//! and a value holding a newline (or a carriage return, which a terminal shows as one) is
//! refused. A `'` is written by closing the quotes, an escaped quote, and reopening:
//! `'` → `'\''`.

use crate::error::Error;
use crate::session::EnvChange;

pub fn render(changes: &[EnvChange]) -> Result<String, Error> {
    let mut out = String::new();
    for change in changes {
        match change {
            EnvChange::Set(name, value) => {
                out.push_str(&format!("setenv {name} {};\n", quote(name, value)?));
            }
            // `unsetenv` of a missing variable is silent and succeeds.
            EnvChange::Unset(name) => out.push_str(&format!("unsetenv {name};\n")),
        }
    }
    Ok(out)
}

fn quote(name: &'static str, value: &str) -> Result<String, Error> {
    if let Some(c) = value.chars().find(|c| matches!(c, '\n' | '\r')) {
        return Err(Error::Unrepresentable {
            shell: "tcsh",
            name,
            what: if c == '\n' { "a newline" } else { "a carriage return" },
        });
    }
    let body = value.replace('\'', r"'\''").replace('!', r"'\!'");
    Ok(format!("'{body}'"))
}

#[cfg(test)]
mod tests {
    use super::quote;

    #[test]
    fn quotes_and_bangs_go_outside_the_quotes_and_newlines_are_refused() {
        assert_eq!(quote("A", "it's").unwrap(), r"'it'\''s'");
        assert_eq!(quote("A", "a!b").unwrap(), r"'a'\!'b'");
        assert_eq!(quote("A", r"a\!").unwrap(), r"'a\'\!''");
        assert_eq!(quote("A", "").unwrap(), "''");
        assert!(quote("A", "a\nb").is_err());
        assert!(quote("A", "a\rb").is_err());
    }
}
