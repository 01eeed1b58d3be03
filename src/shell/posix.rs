//! bash, zsh and POSIX sh (dash, ksh, ash).
//!
//! Quoting rule: everything inside single quotes is literal, with no escapes at all, so a
//! `'` is written by closing the quotes, an escaped quote, and reopening: `'` → `'\''`.
//! Newlines, `$`, backticks and backslashes need nothing.

use crate::session::EnvChange;

pub fn render(changes: &[EnvChange]) -> String {
    let mut out = String::new();
    for change in changes {
        match change {
            EnvChange::Set(name, value) => {
                out.push_str(&format!("export {name}={};\n", quote(value)));
            }
            EnvChange::Unset(name) => out.push_str(&format!("unset {name};\n")),
        }
    }
    out
}

fn quote(value: &str) -> String {
    format!("'{}'", value.replace('\'', r"'\''"))
}

#[cfg(test)]
mod tests {
    use super::quote;

    #[test]
    fn single_quote_closes_escapes_and_reopens() {
        assert_eq!(quote("it's"), r"'it'\''s'");
        assert_eq!(quote(""), "''");
        assert_eq!(quote(r"a\"), r"'a\'");
    }
}
