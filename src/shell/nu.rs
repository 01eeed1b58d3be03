//! nushell: statements for `source`, which takes a file (nushell cannot evaluate a string
//! in the running shell): `aws-mfa env --shell nu | save -f session.nu`, then
//! `source session.nu`. `aws-mfa init nu` reads `--shell json` instead, in one step.
//!
//! Quoting rule: a plain double-quoted string (not `$"…"`, so nothing is interpolated)
//! knows the escapes `\\`, `\"` and `\u{X…}`; `\` and `"` are escaped and every character
//! outside printable ASCII is written as `\u{X…}`, so the output is pure ASCII. Runs of
//! settings become one `load-env {…}`, runs of removals one `hide-env -i …` (`-i`: a
//! missing variable is no error), in the session's order.

use super::completion::{PLACEHOLDER, swap};
use super::writer::{Completions, Detect, Init, Writer};
use crate::error::Error;
use crate::session::EnvChange;

pub const NU: Writer = Writer {
    name: "nu",
    aliases: &["nushell"],
    help: Some("nushell: statements to `source` from a file"),
    detect: Detect::programs(&["nu"]),
    render: |changes, _| Ok(render(changes)),
    eval: None,
    init: Some(Init {
        script: include_str!("../../shell/aws-mfa.nu"),
        line: "aws-mfa init nu | save -f ($nu.default-config-dir | path join aws-mfa.nu)",
        place: "then in config.nu: source aws-mfa.nu",
    }),
    completions: Some(Completions {
        generator: &clap_complete_nushell::Nushell,
        called: "nu",
        profile_names,
    }),
};

pub fn render(changes: &[EnvChange]) -> String {
    let mut out = String::new();
    let mut rest = changes;
    while let Some(first) = rest.first() {
        let is_set = matches!(first, EnvChange::Set(..));
        let run = rest
            .iter()
            .take_while(|c| matches!(c, EnvChange::Set(..)) == is_set)
            .count();
        let (group, tail) = rest.split_at(run);
        if is_set {
            let members: Vec<String> = group
                .iter()
                .filter_map(|change| match change {
                    EnvChange::Set(name, value) => {
                        Some(format!("{}: {}", quote(name), quote(value)))
                    }
                    EnvChange::Unset(_) => None,
                })
                .collect();
            out.push_str(&format!("load-env {{{}}}\n", members.join(", ")));
        } else {
            let names: Vec<&str> = group.iter().map(EnvChange::name).collect();
            out.push_str(&format!("hide-env -i {}\n", names.join(" ")));
        }
        rest = tail;
    }
    out
}

fn quote(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('"');
    for c in value.chars() {
        match c {
            '\\' => out.push_str(r"\\"),
            '"' => out.push_str("\\\""),
            ' '..='~' => out.push(c),
            _ => out.push_str(&format!("\\u{{{:x}}}", u32::from(c))),
        }
    }
    out.push('"');
    out
}

/// The list of values becomes the output of `aws-mfa __profiles`.
fn profile_names(generated: &str) -> Result<String, Error> {
    swap(
        "nu",
        generated,
        &format!("[ \"{PLACEHOLDER}\" ]"),
        "^aws-mfa __profiles | lines",
    )
}

#[cfg(test)]
mod tests {
    use super::quote;

    #[test]
    fn values_become_pure_ascii_double_quoted_strings() {
        assert_eq!(quote(r#"a"b\c$(d)"#), r#""a\"b\\c$(d)""#);
        assert_eq!(quote("\n\u{e9}\u{1f600}"), r#""\u{a}\u{e9}\u{1f600}""#);
    }
}
