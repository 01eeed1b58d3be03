//! Which shell to write for, and the writers: each shell is one file (its `Writer`: names,
//! detection, quoting rule, init script, completion script), listed once in the registry
//! below. `env`, `exec`, `init`, `completions`, `man` and the errors read the registry.

pub mod completion;
mod elvish;
mod fish;
mod json;
mod nu;
mod posix;
mod pwsh;
mod tcsh;
mod writer;
mod xonsh;

use clap::ValueEnum;
use clap::builder::{PossibleValue, PossibleValuesParser, TypedValueParser};

use crate::environment::Environment;
use crate::error::Error;
use crate::session::EnvChange;

pub use writer::{Completions, Init, Writer};

/// Declares `Shell`, one variant per registry line, and its writer.
macro_rules! registry {
    ($($shell:ident => $writer:path,)+) => {
        /// A shell `env` can write statements for.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum Shell {
            $($shell,)+
        }

        impl Shell {
            /// Every shell, in the order `--help` lists them.
            pub const ALL: &[Shell] = &[$(Shell::$shell,)+];

            /// What its writer file declares.
            pub fn writer(self) -> &'static Writer {
                match self {
                    $(Shell::$shell => &$writer,)+
                }
            }
        }
    };
}

// The registry: a shell is its writer file and one line here.
registry! {
    Bash => posix::BASH,
    Zsh => posix::ZSH,
    Fish => fish::FISH,
    Pwsh => pwsh::PWSH,
    Sh => posix::SH,
    Tcsh => tcsh::TCSH,
    Elvish => elvish::ELVISH,
    Xonsh => xonsh::XONSH,
    Nu => nu::NU,
    Json => json::JSON,
}

impl Shell {
    /// The name `--shell` takes.
    pub fn name(self) -> &'static str {
        self.writer().name
    }

    /// Maps a program name (`-bash`, `pwsh.exe`, `/bin/dash`) to the shell it speaks.
    pub fn from_program(program: &str) -> Option<Shell> {
        let base = program.rsplit(['/', '\\']).next().unwrap_or(program);
        let base = base.strip_prefix('-').unwrap_or(base);
        let base = windows_program_name(base);
        Shell::ALL
            .iter()
            .copied()
            .find(|shell| shell.writer().detect.knows(&base))
    }

    /// Turns the ordered changes into the text to print, in one piece; a value the shell
    /// cannot carry exactly is refused, never printed wrong.
    pub fn render(self, changes: &[EnvChange], env: &Environment) -> Result<String, Error> {
        self.render_in_locale(changes, utf8_locale(env))
    }

    /// `render`, for a shell running in a UTF-8 locale or not (only tcsh cares).
    pub fn render_in_locale(
        self,
        changes: &[EnvChange],
        utf8_locale: bool,
    ) -> Result<String, Error> {
        (self.writer().render)(changes, utf8_locale)
    }

    /// `aws-mfa init`'s part, for a shell with functions of its own.
    pub fn init(self) -> Option<&'static Init> {
        self.writer().init.as_ref()
    }

    /// `aws-mfa completions`' part, for a shell with a completion script.
    pub fn completions(self) -> Option<&'static Completions> {
        self.writer().completions.as_ref()
    }

    /// Every name `--shell` takes, as a hint lists them (`bash|zsh|…`).
    pub fn names() -> String {
        let names: Vec<&str> = Shell::ALL.iter().map(|shell| shell.name()).collect();
        names.join("|")
    }

    /// The name, its aliases, and (for `env --shell`) its note.
    fn possible_value(self, with_help: bool) -> PossibleValue {
        let writer = self.writer();
        let value = PossibleValue::new(writer.name).aliases(writer.aliases.iter().copied());
        match writer.help {
            Some(help) if with_help => value.help(help),
            _ => value,
        }
    }
}

/// `env --shell`: every shell, by name or alias.
impl ValueEnum for Shell {
    fn value_variants<'a>() -> &'a [Self] {
        Shell::ALL
    }

    fn to_possible_value(&self) -> Option<PossibleValue> {
        Some(self.possible_value(true))
    }
}

/// `init SHELL`: the shells with an integration script, by name or alias.
pub fn with_init() -> impl TypedValueParser<Value = Shell> {
    parser_of(|shell| shell.init().is_some())
}

/// `completions SHELL`: the shells with a completion script, by name or alias.
pub fn with_completions() -> impl TypedValueParser<Value = Shell> {
    parser_of(|shell| shell.completions().is_some())
}

/// The shells that have a part, by name or alias, without `env --shell`'s notes; clap's
/// error for any other name lists them.
fn parser_of(has: fn(Shell) -> bool) -> impl TypedValueParser<Value = Shell> {
    let shells = Shell::ALL.iter().copied().filter(move |shell| has(*shell));
    PossibleValuesParser::new(shells.map(|shell| shell.possible_value(false))).map(|name| {
        Shell::from_str(&name, false).expect("the parser takes only names of the registry")
    })
}

/// Whether the locale in force (`LC_ALL`, else `LC_CTYPE`, else `LANG`) is UTF-8.
fn utf8_locale(env: &Environment) -> bool {
    env.first(&["LC_ALL", "LC_CTYPE", "LANG"])
        .is_some_and(|locale| {
            let locale = locale.to_ascii_lowercase();
            locale.contains("utf-8") || locale.contains("utf8")
        })
}

/// `PowerShell.EXE` → `powershell`: Windows names are case-insensitive and end in `.exe`.
/// Other names are left as they are.
fn windows_program_name(base: &str) -> std::borrow::Cow<'_, str> {
    match base
        .len()
        .checked_sub(4)
        .and_then(|cut| base.split_at_checked(cut))
    {
        Some((stem, ext)) if ext.eq_ignore_ascii_case(".exe") => stem.to_ascii_lowercase().into(),
        _ => base.into(),
    }
}

/// The calling shell: the program that runs us, as told by the operating system.
pub struct DetectedShell {
    pub shell: Shell,
    /// How to start it again (for `exec` with no command).
    pub program: String,
}

/// DESIGN §2: the parent process's program name first (it is the shell that runs the
/// command substitution or the pipe), then `$SHELL`. `$SHELL` alone is not trusted first:
/// fish started from bash still has `SHELL=/bin/bash`.
pub fn detect(env: &Environment) -> Result<DetectedShell, Error> {
    let parent = parent_program();
    // cmd.exe cannot evaluate our output: say what works from there instead.
    if parent.as_deref().is_some_and(is_cmd_exe) {
        return Err(Error::CmdHasNoEval);
    }
    if let Some(program) = &parent
        && let Some(shell) = Shell::from_program(program)
    {
        let detect = &shell.writer().detect;
        return Ok(DetectedShell {
            shell,
            // A process named after its whole command line is started by name.
            program: if detect.by_command_line {
                detect.programs[0].to_owned()
            } else {
                program.trim_start_matches('-').to_owned()
            },
        });
    }
    let login = env.get("SHELL").map(str::to_owned);
    if let Some(program) = &login
        && let Some(shell) = Shell::from_program(program)
    {
        return Ok(DetectedShell {
            shell,
            program: program.clone(),
        });
    }
    let seen = |what: Option<String>| what.unwrap_or_else(|| "nothing".into());
    Err(Error::UnknownShell {
        why: format!(
            "the parent process is {} and $SHELL is {}",
            seen(parent),
            seen(login)
        ),
        names: Shell::names(),
    })
}

/// The parent process's program name, when the platform tells it.
fn parent_program() -> Option<String> {
    let parent = crate::platform::parent_process()?;
    // A shell run as its interpreter's script (`python3 -m xonsh`) is known by the
    // interpreter's command line, where the platform tells it (Linux).
    for shell in Shell::ALL {
        let detect = &shell.writer().detect;
        if let Some(hosted) = &detect.hosted
            && parent.name.starts_with(hosted.interpreter)
            && let Some(args) = parent.args()
        {
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            if (hosted.runs)(&args) {
                return Some(detect.programs[0].to_owned());
            }
        }
    }
    Some(parent.name)
}

/// Whether the program is Windows' cmd.exe (`C:\Windows\system32\CMD.EXE`).
fn is_cmd_exe(program: &str) -> bool {
    let base = program.rsplit(['/', '\\']).next().unwrap_or(program);
    base.eq_ignore_ascii_case("cmd.exe")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn program_names_map_to_shells() {
        assert_eq!(Shell::from_program("-bash"), Some(Shell::Bash));
        assert_eq!(Shell::from_program("/usr/bin/zsh"), Some(Shell::Zsh));
        assert_eq!(Shell::from_program("pwsh.exe"), Some(Shell::Pwsh));
        assert_eq!(
            Shell::from_program(r"C:\Windows\powershell.exe"),
            Some(Shell::Pwsh)
        );
        assert_eq!(
            Shell::from_program(r"C:\Windows\System32\WindowsPowerShell\v1.0\PowerShell.EXE"),
            Some(Shell::Pwsh)
        );
        assert_eq!(Shell::from_program("PWSH.exe"), Some(Shell::Pwsh));
        assert_eq!(Shell::from_program("cmd.exe"), None);
        assert!(is_cmd_exe(r"C:\Windows\system32\CMD.EXE"));
        assert!(is_cmd_exe("cmd.exe"));
        assert!(!is_cmd_exe("/usr/bin/cmd"));
        assert_eq!(Shell::from_program("dash"), Some(Shell::Sh));
        assert_eq!(Shell::from_program("mksh"), Some(Shell::Sh));
        assert_eq!(Shell::from_program("-tcsh"), Some(Shell::Tcsh));
        assert_eq!(Shell::from_program("/bin/csh"), Some(Shell::Tcsh));
        assert_eq!(Shell::from_program("elvish"), Some(Shell::Elvish));
        assert_eq!(Shell::from_program("xonsh --no-rc -"), Some(Shell::Xonsh));
        assert_eq!(Shell::from_program("/usr/bin/xonsh"), Some(Shell::Xonsh));
        assert_eq!(Shell::from_program("nu"), Some(Shell::Nu));
        assert_eq!(Shell::from_program("python3"), None);
        assert_eq!(Shell::from_program("cargo"), None);
    }

    #[test]
    fn no_two_shells_claim_a_name_or_a_program() {
        let mut names = std::collections::HashSet::new();
        let mut programs = std::collections::HashSet::new();
        for shell in Shell::ALL {
            let writer = shell.writer();
            for name in std::iter::once(&writer.name).chain(writer.aliases) {
                assert!(names.insert(*name), "{name} named twice");
                assert_eq!(Shell::from_str(name, false), Ok(*shell), "{name}");
            }
            for program in writer.detect.programs {
                assert!(programs.insert(*program), "{program} claimed twice");
                assert_eq!(Shell::from_program(program), Some(*shell), "{program}");
            }
        }
        assert_eq!(
            Shell::names(),
            "bash|zsh|fish|pwsh|sh|tcsh|elvish|xonsh|nu|json"
        );
    }
}
