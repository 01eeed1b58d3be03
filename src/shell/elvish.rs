//! elvish: `eval (aws-mfa env --shell elvish | slurp)`.
//!
//! Quoting rule: inside single quotes every character is literal, newlines included, and
//! a `'` is written doubled: `'` → `''`. There are no escapes at all.

use super::completion::changed_shape;
use super::writer::{Completions, Detect, Eval, Init, Writer};
use crate::error::Error;
use crate::session::EnvChange;

pub const ELVISH: Writer = Writer {
    name: "elvish",
    aliases: &[],
    help: None,
    detect: Detect::programs(&["elvish"]),
    render: |changes, _| Ok(render(changes)),
    eval: Some(Eval {
        line: "eval (aws-mfa env | slurp)",
        who: "elvish",
    }),
    init: Some(Init {
        script: include_str!("../../shell/aws-mfa.elv"),
        line: "eval (aws-mfa init elvish | slurp)",
        place: "~/.config/elvish/rc.elv",
    }),
    completions: Some(Completions {
        generator: &clap_complete::Shell::Elvish,
        called: "elvish",
        profile_names,
    }),
};

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

/// clap's completer offers subcommands and option names only; it is wrapped, and the word
/// after `-p`/`--profile` is answered with the profile names.
fn profile_names(generated: &str) -> Result<String, Error> {
    const SET: &str = "set edit:completion:arg-completer[aws-mfa] = ";
    if !generated.contains(SET) {
        return Err(changed_shape("elvish", SET));
    }
    Ok(format!(
        r#"{generated}
# aws-mfa: the word after -p/--profile is a profile name.
var aws-mfa-clap-completer = $edit:completion:arg-completer[aws-mfa]
set edit:completion:arg-completer[aws-mfa] = {{|@words|
    if (and (> (count $words) 2) (has-value [-p --profile] $words[-2])) {{
        try {{ e:aws-mfa __profiles 2>/dev/null | from-lines }} catch {{ }}
    }} else {{
        $aws-mfa-clap-completer $@words
    }}
}}
"#
    ))
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
