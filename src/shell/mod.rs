//! Which shell to write for, and the writers: each shell is one file with its quoting rule.

mod elvish;
mod fish;
mod json;
mod nu;
mod posix;
mod pwsh;
mod tcsh;
mod xonsh;

use crate::environment::Environment;
use crate::error::Error;
use crate::session::EnvChange;

/// A shell `env` can write statements for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Shell {
    Bash,
    Zsh,
    Fish,
    #[value(alias = "powershell")]
    Pwsh,
    /// POSIX sh; also what dash, ksh, mksh and ash get.
    Sh,
    #[value(alias = "csh")]
    Tcsh,
    Elvish,
    Xonsh,
    /// nushell: statements to `source` from a file.
    #[value(alias = "nushell")]
    Nu,
    /// An object mapping each variable to its value, `null` for each removed one.
    Json,
}

/// A shell with functions (or aliases): what `init` writes for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum InteractiveShell {
    Bash,
    Zsh,
    Fish,
    #[value(alias = "powershell")]
    Pwsh,
    #[value(alias = "csh")]
    Tcsh,
    Elvish,
    Xonsh,
    #[value(alias = "nushell")]
    Nu,
}

/// A shell `completions` writes a script for. xonsh is not one: it completes `aws-mfa`
/// through the bash script.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum CompletionShell {
    Bash,
    Zsh,
    Fish,
    #[value(alias = "powershell")]
    Pwsh,
    Elvish,
    #[value(alias = "nushell")]
    Nu,
}

impl Shell {
    /// Maps a program name (`-bash`, `pwsh.exe`, `/bin/dash`) to the shell it speaks.
    pub fn from_program(program: &str) -> Option<Shell> {
        let base = program.rsplit(['/', '\\']).next().unwrap_or(program);
        let base = base.strip_prefix('-').unwrap_or(base);
        let base = windows_program_name(base);
        match base.as_ref() {
            "bash" => Some(Shell::Bash),
            "zsh" => Some(Shell::Zsh),
            "fish" => Some(Shell::Fish),
            "pwsh" | "powershell" => Some(Shell::Pwsh),
            "sh" | "dash" | "ksh" | "mksh" | "ash" => Some(Shell::Sh),
            "tcsh" | "csh" => Some(Shell::Tcsh),
            "elvish" => Some(Shell::Elvish),
            // xonsh names its process after its command line ("xonsh --no-rc -c …").
            "xonsh" => Some(Shell::Xonsh),
            _ if base.starts_with("xonsh ") => Some(Shell::Xonsh),
            "nu" => Some(Shell::Nu),
            _ => None,
        }
    }

    /// Turns the ordered changes into the text to print, in one piece; a value the shell
    /// cannot carry exactly is refused, never printed wrong.
    pub fn render(self, changes: &[EnvChange], env: &Environment) -> Result<String, Error> {
        let utf8_locale = self != Shell::Tcsh || tcsh::utf8_locale(env);
        self.render_in_locale(changes, utf8_locale)
    }

    /// `render`, for a shell running in a UTF-8 locale or not (only tcsh cares).
    pub fn render_in_locale(
        self,
        changes: &[EnvChange],
        utf8_locale: bool,
    ) -> Result<String, Error> {
        Ok(match self {
            Shell::Bash | Shell::Zsh | Shell::Sh => posix::render(changes),
            Shell::Fish => fish::render(changes),
            Shell::Pwsh => pwsh::render(changes),
            Shell::Tcsh => tcsh::render(changes, utf8_locale)?,
            Shell::Elvish => elvish::render(changes),
            Shell::Xonsh => xonsh::render(changes),
            Shell::Nu => nu::render(changes),
            Shell::Json => json::render(changes),
        })
    }
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
        return Ok(DetectedShell {
            shell,
            // xonsh's process name is its whole command line: it is started by name.
            program: if shell == Shell::Xonsh {
                "xonsh".to_owned()
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
    })
}

/// The parent process's program name, when the platform tells it.
fn parent_program() -> Option<String> {
    let parent = crate::platform::parent_process()?;
    // xonsh is a Python program: run as `python3 -m xonsh` it is known by its command line
    // (where the platform tells it: Linux).
    if parent.name.starts_with("python")
        && let Some(args) = parent.args()
    {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        if xonsh::runs_xonsh(&args) {
            return Some("xonsh".to_owned());
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
}
