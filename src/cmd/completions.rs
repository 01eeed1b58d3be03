//! `aws-mfa completions SHELL`: clap_complete's script, taught to complete profile names.
//!
//! The script is clap_complete's static one, and profile names come from a hidden `aws-mfa
//! __profiles` the script runs at completion time (names read through the SDK's parser, as
//! every other command reads them). To get there, the profile option is given one
//! placeholder value before generating, and each shell's writer swaps its placeholder text
//! for a call to `aws-mfa __profiles` (`shell::completion`). PowerShell's and elvish's
//! generators do not complete option values at all, so their writers hook the completer
//! instead.

use std::process::ExitCode;

use clap::builder::PossibleValue;
use clap::{Arg, Command, CommandFactory, ValueHint};

use crate::cli::{Cli, CompletionsArgs};
use crate::environment::Environment;
use crate::error::Error;
use crate::shell::Shell;
use crate::shell::completion::PLACEHOLDER;

pub fn run(args: &CompletionsArgs, _env: &Environment) -> Result<ExitCode, Error> {
    super::print(&script(args.shell)?)?;
    Ok(ExitCode::SUCCESS)
}

/// The completion script for `shell` (one `shell::with_completions` takes): an error, never
/// a panic, when clap_complete's script does not look as expected (another clap_complete
/// version).
pub fn script(shell: Shell) -> Result<String, Error> {
    let completions = shell
        .completions()
        .expect("completions takes only shells with a completion script");
    let mut command = completion_command();
    command.set_bin_name("aws-mfa");
    command.build();
    let mut out = Vec::new();
    completions.generator.generate(&command, &mut out);
    (completions.profile_names)(&utf8(completions.called, out)?)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_script_asks_aws_mfa_for_profile_names_and_hides_hidden_commands() {
        for shell in [
            Shell::Bash,
            Shell::Zsh,
            Shell::Fish,
            Shell::Pwsh,
            Shell::Elvish,
            Shell::Nu,
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
        let profile_names = |shell: Shell| shell.completions().unwrap().profile_names;
        let err = profile_names(Shell::Bash)("complete -F _aws-mfa aws-mfa\n").unwrap_err();
        assert_eq!(
            err.to_string(),
            format!(
                "cannot write the bash completion script: clap_complete's script changed shape: \"compgen -W \\\"{PLACEHOLDER}\\\"\" not found"
            )
        );
        assert!(err.hint().unwrap().contains("Cargo.lock"));
        for (result, shell) in [
            (profile_names(Shell::Zsh)(""), "zsh"),
            (profile_names(Shell::Fish)(""), "fish"),
            (profile_names(Shell::Pwsh)(""), "powershell"),
            (profile_names(Shell::Elvish)(""), "elvish"),
            (profile_names(Shell::Nu)(""), "nu"),
        ] {
            let err = result.unwrap_err().to_string();
            assert!(
                err.starts_with(&format!("cannot write the {shell} completion script: clap_complete's script changed shape")),
                "{err}"
            );
        }
        assert!(utf8("bash", vec![0xff]).is_err());
    }

    #[test]
    fn the_command_line_takes_each_shell_where_it_has_the_part() {
        use crate::cli::{Cli, Command};
        use clap::Parser;
        for shell in Shell::ALL {
            let writer = shell.writer();
            for name in std::iter::once(&writer.name).chain(writer.aliases) {
                let parsed = |command: &str| Cli::try_parse_from(["aws-mfa", command, name]);
                match parsed("init") {
                    Ok(Cli {
                        command: Command::Init(args),
                    }) => assert_eq!((args.shell, shell.init().is_some()), (*shell, true)),
                    Ok(_) => unreachable!(),
                    Err(_) => assert!(shell.init().is_none(), "init {name}"),
                }
                match parsed("completions") {
                    Ok(Cli {
                        command: Command::Completions(args),
                    }) => assert_eq!((args.shell, shell.completions().is_some()), (*shell, true)),
                    Ok(_) => unreachable!(),
                    Err(_) => assert!(shell.completions().is_none(), "completions {name}"),
                }
                let env = Cli::try_parse_from(["aws-mfa", "env", "--shell", name]).unwrap();
                assert!(matches!(env.command, Command::Env(args) if args.shell == Some(*shell)));
            }
        }
    }
}
