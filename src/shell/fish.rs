//! fish.
//!
//! Quoting rule: inside single quotes only `\\` and `\'` are escapes; every other character,
//! newlines included, is literal. So `\` → `\\` and `'` → `\'` (POSIX quoting breaks here:
//! a value ending in `\` would escape the closing quote).
//!
//! Unset uses `set -e -g`: plain `set -e` on a universal variable (`set -Ux AWS_PROFILE …`)
//! deletes it from the user's fish config for good. It is guarded by `set -q -g`, because
//! `set -e` of a missing variable returns 4, which would make `aws-mfa env | source; and
//! terraform apply` stop after a perfectly good session.

use super::completion::{PLACEHOLDER, swap};
use super::writer::{Completions, Detect, Eval, Init, Writer};
use crate::error::Error;
use crate::session::EnvChange;

pub const FISH: Writer = Writer {
    name: "fish",
    aliases: &[],
    help: None,
    detect: Detect::programs(&["fish"]),
    render: |changes, _| Ok(render(changes)),
    eval: Some(Eval {
        line: "aws-mfa env | source",
        who: "fish",
    }),
    init: Some(Init {
        script: include_str!("../../shell/aws-mfa.fish"),
        line: "aws-mfa init fish | source",
        place: "~/.config/fish/config.fish",
    }),
    completions: Some(Completions {
        generator: &clap_complete::Shell::Fish,
        called: "fish",
        profile_names,
    }),
};

pub fn render(changes: &[EnvChange]) -> String {
    let mut out = String::new();
    for change in changes {
        match change {
            EnvChange::Set(name, value) => {
                out.push_str(&format!("set -gx {name} {};\n", quote(value)));
            }
            EnvChange::Unset(name) => {
                out.push_str(&format!("if set -q -g {name}; set -e -g {name}; end;\n"));
                if *name == "AWS_PROFILE" {
                    // A universal AWS_PROFILE survives `set -e -g` and still reaches child
                    // processes; we never erase the user's universal, we say so instead.
                    out.push_str(concat!(
                        "if set -q -U AWS_PROFILE; echo 'aws-mfa: warning: a universal ",
                        "AWS_PROFILE is set and still reaches child processes, which may then ",
                        "prefer its long-term keys: remove it with: set -e -U AWS_PROFILE' >&2; end;\n"
                    ));
                }
            }
        }
    }
    out
}

fn quote(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('\'');
    for c in value.chars() {
        if c == '\\' || c == '\'' {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('\'');
    out
}

/// `-a "<values>"` becomes a command substitution.
fn profile_names(generated: &str) -> Result<String, Error> {
    swap(
        "fish",
        generated,
        &format!("-a \"{PLACEHOLDER}\\t''\""),
        "-a \"(command aws-mfa __profiles 2>/dev/null)\"",
    )
}

#[cfg(test)]
mod tests {
    use super::quote;

    #[test]
    fn backslash_and_quote_are_escaped() {
        assert_eq!(quote(r"trail\"), r"'trail\\'");
        assert_eq!(quote("it's"), r"'it\'s'");
        assert_eq!(quote("$x\n"), "'$x\n'");
    }
}
