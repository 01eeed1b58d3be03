//! elvish: `eval (aws-mfa env --shell elvish | slurp)`.
//!
//! Quoting rule: inside single quotes every character is literal, newlines included, and
//! a `'` is written doubled: `'` → `''`. There are no escapes at all.

use crate::session::EnvChange;

pub fn render(changes: &[EnvChange]) -> String {
    let mut out = String::new();
    for change in changes {
        match change {
            EnvChange::Set(name, value) => {
                out.push_str(&format!("set-env {name} {}\n", quote(value)));
            }
            // `unset-env` of a missing variable succeeds.
            EnvChange::Unset(name) => out.push_str(&format!("unset-env {name}\n")),
        }
    }
    out
}

fn quote(value: &str) -> String {
    format!("'{}'", value.replace('\'', "''"))
}

#[cfg(test)]
mod tests {
    use super::quote;

    #[test]
    fn a_quote_is_doubled_and_nothing_else_changes() {
        assert_eq!(quote("it's"), "'it''s'");
        assert_eq!(quote("a\\\n$b"), "'a\\\n$b'");
    }
}
