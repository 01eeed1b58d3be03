//! xonsh: `execx($(aws-mfa env --shell xonsh))`.
//!
//! Quoting rule: xonsh reads `$NAME = "…"` as Python, so a value is a Python string
//! literal: in double quotes `\` → `\\` and `"` → `\"`; every character outside printable
//! ASCII (controls, newlines, non-ASCII) is written as an escape (`\xNN`, `\uNNNN`,
//! `\UNNNNNNNN`), so the output is pure ASCII and reads the same in any locale. `$`, `{`
//! and backticks mean nothing inside a plain (not `f`/`p`) string.
//!
//! Removal is guarded (`if "NAME" in ${...}: del $NAME`): `del` of a missing variable
//! raises, and `${...}.pop(…)` would evaluate to the removed value.

use super::writer::{Detect, Eval, Hosted, Init, Writer};
use crate::session::EnvChange;

/// No completion script of its own: xonsh completes `aws-mfa` through the bash script.
pub const XONSH: Writer = Writer {
    name: "xonsh",
    aliases: &[],
    help: None,
    detect: Detect {
        programs: &["xonsh"],
        // xonsh names its process after its command line ("xonsh --no-rc -c …").
        by_command_line: true,
        hosted: Some(Hosted {
            interpreter: "python",
            runs: runs_xonsh,
        }),
    },
    render: |changes, _| Ok(render(changes)),
    eval: Some(Eval {
        line: "execx($(aws-mfa env))",
        who: "xonsh",
    }),
    init: Some(Init {
        script: include_str!("../../shell/aws-mfa.xsh"),
        line: "execx($(aws-mfa init xonsh))",
        place: "~/.xonshrc",
    }),
    completions: None,
};

pub fn render(changes: &[EnvChange]) -> String {
    let mut out = String::new();
    for change in changes {
        match change {
            EnvChange::Set(name, value) => {
                out.push_str(&format!("${name} = {}\n", quote(value)));
            }
            EnvChange::Unset(name) => {
                out.push_str(&format!("if \"{name}\" in ${{...}}: del ${name}\n"));
            }
        }
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
            '\0'..='\u{ff}' => out.push_str(&format!("\\x{:02x}", u32::from(c))),
            '\u{100}'..='\u{ffff}' => out.push_str(&format!("\\u{:04x}", u32::from(c))),
            _ => out.push_str(&format!("\\U{:08x}", u32::from(c))),
        }
    }
    out.push('"');
    out
}

/// Whether a Python command line runs xonsh (`python3 -m xonsh`, `python3 /usr/bin/xonsh`):
/// without the `setproctitle` module xonsh shows up as its interpreter. (Only Linux tells
/// a parent's command line: `platform::ParentProcess::args`.)
pub fn runs_xonsh(args: &[&str]) -> bool {
    let Some((interpreter, rest)) = args.split_first() else {
        return false;
    };
    let base = |s: &str| s.rsplit('/').next().unwrap_or(s).to_owned();
    if !base(interpreter).starts_with("python") {
        return false;
    }
    // The first argument that is not an interpreter option names what runs.
    let mut rest = rest.iter();
    while let Some(arg) = rest.next() {
        match *arg {
            "-m" => {
                return rest
                    .next()
                    .is_some_and(|m| *m == "xonsh" || *m == "xonsh.main");
            }
            "-c" => return false,
            "-W" | "-X" => {
                rest.next();
            }
            a if a.starts_with('-') => {}
            script => return base(script) == "xonsh",
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_become_pure_ascii_python_strings() {
        assert_eq!(quote(r#"a"b\c$(d)"#), r#""a\"b\\c$(d)""#);
        assert_eq!(
            quote("\n\u{e9}\u{2019}\u{1f600}"),
            r#""\x0a\xe9\u2019\U0001f600""#
        );
    }

    #[test]
    fn python_running_xonsh_is_recognised() {
        assert!(runs_xonsh(&["/usr/bin/python3", "-m", "xonsh"]));
        assert!(runs_xonsh(&[
            "python3.11",
            "-u",
            "/usr/bin/xonsh",
            "--no-rc"
        ]));
        assert!(!runs_xonsh(&["python3", "-c", "import xonsh"]));
        assert!(!runs_xonsh(&["python3", "script.py"]));
        assert!(!runs_xonsh(&["node", "xonsh"]));
    }
}
