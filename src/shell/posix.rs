//! bash, zsh and POSIX sh (dash, ksh, ash): one quoting rule, three shells.
//!
//! Quoting rule: everything inside single quotes is literal, with no escapes at all, so a
//! `'` is written by closing the quotes, an escaped quote, and reopening: `'` → `'\''`.
//! Newlines, `$`, backticks and backslashes need nothing.

use super::completion::{PLACEHOLDER, changed_shape, swap};
use super::writer::{Completions, Detect, Eval, Init, Writer};
use crate::error::Error;
use crate::session::EnvChange;

pub const BASH: Writer = Writer {
    name: "bash",
    aliases: &[],
    help: None,
    detect: Detect::programs(&["bash"]),
    render: |changes, _| Ok(render(changes)),
    eval: Some(eval("bash")),
    init: Some(Init {
        script: include_str!("../../shell/aws-mfa.bash"),
        line: r#"eval "$(aws-mfa init bash)""#,
        place: "~/.bashrc",
    }),
    completions: Some(Completions {
        generator: &clap_complete::Shell::Bash,
        called: "bash",
        profile_names: bash_profile_names,
    }),
};

pub const ZSH: Writer = Writer {
    name: "zsh",
    aliases: &[],
    help: None,
    detect: Detect::programs(&["zsh"]),
    render: |changes, _| Ok(render(changes)),
    eval: Some(eval("zsh")),
    init: Some(Init {
        script: include_str!("../../shell/aws-mfa.zsh"),
        line: r#"eval "$(aws-mfa init zsh)""#,
        place: "~/.zshrc",
    }),
    completions: Some(Completions {
        generator: &clap_complete::Shell::Zsh,
        called: "zsh",
        profile_names: zsh_profile_names,
    }),
};

/// POSIX sh and the shells that speak it: no functions to `init`, no completion.
pub const SH: Writer = Writer {
    name: "sh",
    aliases: &[],
    help: Some("POSIX sh; also what dash, ksh, mksh and ash get"),
    detect: Detect::programs(&["sh", "dash", "ksh", "mksh", "ash"]),
    render: |changes, _| Ok(render(changes)),
    eval: Some(eval("sh")),
    init: None,
    completions: None,
};

/// The one line all three evaluate `aws-mfa env` with.
const fn eval(who: &'static str) -> Eval {
    Eval {
        line: r#"eval "$(aws-mfa env)""#,
        who,
    }
}

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

/// bash: `compgen -W "<values>"` gets the names from `aws-mfa __profiles`.
fn bash_profile_names(generated: &str) -> Result<String, Error> {
    // clap_complete spells a subcommand's state `aws__mfa__subcmd__env` where it walks the
    // words and `aws__subcmd__mfa__subcmd__env` in the `case` that answers it, so no option
    // of a subcommand ever completed for a hyphenated binary (clap-rs/clap#6421).
    let generated = generated.replace("aws__subcmd__mfa__subcmd__", "aws__mfa__subcmd__");
    swap(
        "bash",
        &generated,
        &format!("compgen -W \"{PLACEHOLDER}\""),
        "compgen -W \"$(command aws-mfa __profiles 2>/dev/null)\"",
    )
}

/// zsh: the `(<values>)` action becomes a function. It is defined right after the
/// `#compdef` line, so it exists both when the file is sourced and when it is autoloaded
/// from `$fpath` (then the file's body runs at each completion).
fn zsh_profile_names(generated: &str) -> Result<String, Error> {
    let script = swap(
        "zsh",
        generated,
        &format!("({PLACEHOLDER})"),
        "_aws_mfa_profiles",
    )?;
    let (first, rest) = script
        .split_once('\n')
        .ok_or_else(|| changed_shape("zsh", "a #compdef line"))?;
    Ok(format!(
        r#"{first}

(( $+functions[_aws_mfa_profiles] )) ||
_aws_mfa_profiles() {{
    local -a profiles
    profiles=(${{(f)"$(_call_program profiles command aws-mfa __profiles 2>/dev/null)"}})
    _wanted profiles expl 'AWS profile' compadd -a profiles
}}
{rest}"#
    ))
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
