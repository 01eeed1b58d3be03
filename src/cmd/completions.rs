//! `aws-mfa completions SHELL`: clap_complete's script, taught to complete profile names.
//!
//! clap_complete's dynamic completion (`ArgValueCandidates`) is still behind its
//! `unstable-dynamic` feature, so the script is the static one, and profile names come from
//! a hidden `aws-mfa __profiles` the script runs at completion time (names read through
//! the SDK's parser, as every other command reads them). To get there, the profile
//! option is given one placeholder value before generating, and each shell's placeholder
//! text is then swapped for a call to `aws-mfa __profiles`. PowerShell's generator does not
//! complete option values at all, so its script gets a small hook at the top of the
//! completer instead.

use std::process::ExitCode;

use clap::builder::PossibleValue;
use clap::{Arg, Command, CommandFactory, ValueHint};

use crate::cli::Cli;
use crate::environment::Environment;
use crate::error::Error;
use crate::profile::ProfileFiles;
use crate::shell::CompletionShell;

/// Stands in for the profile names while clap_complete writes the script.
const PLACEHOLDER: &str = "__AWS_MFA_PROFILES__";

pub fn run(shell: CompletionShell) -> Result<ExitCode, Error> {
    super::print(&script(shell)?)?;
    Ok(ExitCode::SUCCESS)
}

/// `aws-mfa __profiles`: the profile names, one a line.
pub fn profiles(env: &Environment) -> Result<ExitCode, Error> {
    let names = ProfileFiles::load(env)?.names();
    super::print(&names.iter().map(|n| format!("{n}\n")).collect::<String>())?;
    Ok(ExitCode::SUCCESS)
}

/// The completion script for `shell`: an error, never a panic, when clap_complete's script
/// does not look as expected (another clap_complete version).
pub fn script(shell: CompletionShell) -> Result<String, Error> {
    let (generator, name) = match shell {
        CompletionShell::Bash => (clap_complete::Shell::Bash, "bash"),
        CompletionShell::Zsh => (clap_complete::Shell::Zsh, "zsh"),
        CompletionShell::Fish => (clap_complete::Shell::Fish, "fish"),
        CompletionShell::Pwsh => (clap_complete::Shell::PowerShell, "powershell"),
        CompletionShell::Elvish => (clap_complete::Shell::Elvish, "elvish"),
        CompletionShell::Nu => {
            let mut out = Vec::new();
            let nu = clap_complete_nushell::Nushell;
            clap_complete::generate(nu, &mut completion_command(), "aws-mfa", &mut out);
            return nu_script(&utf8("nu", out)?);
        }
    };
    let mut out = Vec::new();
    clap_complete::generate(generator, &mut completion_command(), "aws-mfa", &mut out);
    let generated = utf8(name, out)?;
    match shell {
        CompletionShell::Bash => bash(&generated),
        CompletionShell::Zsh => zsh(&generated),
        CompletionShell::Fish => fish(&generated),
        CompletionShell::Pwsh => pwsh(&generated),
        CompletionShell::Elvish => elvish(&generated),
        CompletionShell::Nu => unreachable!("written above"),
    }
}

/// The command line as completion should see it: hidden subcommands left out (clap_complete
/// lists them), the profile option holding the placeholder, and no file names offered for
/// values that are not files (codes, durations, regions).
fn completion_command() -> Command {
    let full = Cli::command();
    let mut visible = Command::new("aws-mfa").version(env!("CARGO_PKG_VERSION"));
    if let Some(about) = full.get_about() {
        visible = visible.about(about.clone());
    }
    for sub in full.get_subcommands().filter(|s| !s.is_hide_set()) {
        let mut sub = sub.clone();
        let ids: Vec<_> = sub.get_arguments().map(|a| a.get_id().clone()).collect();
        for id in ids {
            sub = sub.mut_arg(id, tune);
        }
        visible = visible.subcommand(sub);
    }
    visible
}

fn tune(arg: Arg) -> Arg {
    if !arg.get_action().takes_values() || !arg.get_possible_values().is_empty() {
        arg
    } else if arg.get_id() == "profile" {
        arg.value_parser([PossibleValue::new(PLACEHOLDER)])
    } else if arg.is_positional() && arg.get_id() == "command" {
        arg.value_hint(ValueHint::CommandWithArguments)
    } else {
        arg.value_hint(ValueHint::Other)
    }
}

/// The script as text; clap_complete writes UTF-8.
fn utf8(shell: &'static str, out: Vec<u8>) -> Result<String, Error> {
    String::from_utf8(out).map_err(|_| Error::CompletionScript {
        shell,
        why: "clap_complete wrote a script that is not UTF-8".into(),
    })
}

/// Swaps every occurrence of `from` for `to`; the script must have contained it.
fn swap(shell: &'static str, generated: &str, from: &str, to: &str) -> Result<String, Error> {
    if !generated.contains(from) {
        return Err(changed_shape(shell, from));
    }
    Ok(generated.replace(from, to))
}

/// clap_complete's script lacks a piece aws-mfa changes (another clap_complete version).
fn changed_shape(shell: &'static str, missing: &str) -> Error {
    Error::CompletionScript {
        shell,
        why: format!("clap_complete's script changed shape: {missing:?} not found"),
    }
}

/// bash: `compgen -W "<values>"` gets the names from `aws-mfa __profiles`.
fn bash(generated: &str) -> Result<String, Error> {
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
fn zsh(generated: &str) -> Result<String, Error> {
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

/// fish: `-a "<values>"` becomes a command substitution.
fn fish(generated: &str) -> Result<String, Error> {
    swap(
        "fish",
        generated,
        &format!("-a \"{PLACEHOLDER}\\t''\""),
        "-a \"(command aws-mfa __profiles 2>/dev/null)\"",
    )
}

/// PowerShell: clap's completer offers option names only; before it runs, the word after
/// `-p`/`--profile` is answered with the profile names.
fn pwsh(generated: &str) -> Result<String, Error> {
    const PARAM: &str = "    param($wordToComplete, $commandAst, $cursorPosition)\n";
    swap(
        "powershell",
        generated,
        PARAM,
        &format!(
            r#"{PARAM}
    # aws-mfa: the word after -p/--profile is a profile name.
    $wordStart = $cursorPosition - $wordToComplete.Length
    $before = @($commandAst.CommandElements | Where-Object {{ $_.Extent.EndOffset -lt $wordStart }})
    if ($before.Count -ge 2 -and $before[-1].Extent.Text -in '-p', '--profile' -and
        -not ($before.Extent.Text -contains '--')) {{
        return @(& aws-mfa __profiles 2>$null) |
            Where-Object {{ $_ -like "$wordToComplete*" }} |
            ForEach-Object {{ [CompletionResult]::new($_, $_, [CompletionResultType]::ParameterValue, $_) }}
    }}
"#
        ),
    )
}

/// elvish: clap's completer offers subcommands and option names only; it is wrapped, and
/// the word after `-p`/`--profile` is answered with the profile names.
fn elvish(generated: &str) -> Result<String, Error> {
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

/// nushell: the list of values becomes the output of `aws-mfa __profiles`.
fn nu_script(generated: &str) -> Result<String, Error> {
    swap(
        "nu",
        generated,
        &format!("[ \"{PLACEHOLDER}\" ]"),
        "^aws-mfa __profiles | lines",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_script_asks_aws_mfa_for_profile_names_and_hides_hidden_commands() {
        for shell in [
            CompletionShell::Bash,
            CompletionShell::Zsh,
            CompletionShell::Fish,
            CompletionShell::Pwsh,
            CompletionShell::Elvish,
            CompletionShell::Nu,
        ] {
            let script = script(shell).unwrap();
            assert!(script.contains("aws-mfa __profiles"), "{shell:?}");
            assert!(!script.contains(PLACEHOLDER), "{shell:?}");
            assert!(!script.contains("'__profiles'"), "{shell:?}");
            assert!(!script.contains("\"__profiles\""), "{shell:?}");
        }
    }

    #[test]
    fn a_script_of_another_shape_is_an_error_not_a_panic() {
        let err = bash("complete -F _aws-mfa aws-mfa\n").unwrap_err();
        assert_eq!(
            err.to_string(),
            format!(
                "cannot write the bash completion script: clap_complete's script changed shape: \"compgen -W \\\"{PLACEHOLDER}\\\"\" not found"
            )
        );
        assert!(err.hint().unwrap().contains("Cargo.lock"));
        for (result, shell) in [
            (zsh(""), "zsh"),
            (fish(""), "fish"),
            (pwsh(""), "powershell"),
            (elvish(""), "elvish"),
            (nu_script(""), "nu"),
        ] {
            let err = result.unwrap_err().to_string();
            assert!(
                err.starts_with(&format!("cannot write the {shell} completion script: clap_complete's script changed shape")),
                "{err}"
            );
        }
        assert!(utf8("bash", vec![0xff]).is_err());
    }
}
