//! Which shell to write for, and the writers: each shell is one file with its quoting rule.

mod fish;
mod json;
mod posix;
mod pwsh;

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
    /// An object mapping each variable to its value, `null` for each removed one.
    Json,
}

/// A shell with functions and completion: what `init` and `completions` write for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum InteractiveShell {
    Bash,
    Zsh,
    Fish,
    #[value(alias = "powershell")]
    Pwsh,
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
            _ => None,
        }
    }

    /// Turns the ordered changes into the text to print, in one piece.
    pub fn render(self, changes: &[EnvChange]) -> String {
        match self {
            Shell::Bash | Shell::Zsh | Shell::Sh => posix::render(changes),
            Shell::Fish => fish::render(changes),
            Shell::Pwsh => pwsh::render(changes),
            Shell::Json => json::render(changes),
        }
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
pub fn detect() -> Result<DetectedShell, Error> {
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
            program: program.trim_start_matches('-').to_owned(),
        });
    }
    let login = std::env::var("SHELL").ok().filter(|s| !s.is_empty());
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
#[cfg(target_os = "linux")]
fn parent_program() -> Option<String> {
    let ppid = std::os::unix::process::parent_id();
    let comm = std::fs::read_to_string(format!("/proc/{ppid}/comm")).ok()?;
    Some(comm.trim_end_matches('\n').to_owned()).filter(|s| !s.is_empty())
}

#[cfg(not(target_os = "linux"))]
fn parent_program() -> Option<String> {
    use sysinfo::{Pid, ProcessRefreshKind, ProcessesToUpdate, System};
    let me = sysinfo::get_current_pid().ok()?;
    let mut sys = System::new();
    let refresh = |sys: &mut System, pid: Pid| {
        sys.refresh_processes_specifics(
            ProcessesToUpdate::Some(&[pid]),
            true,
            ProcessRefreshKind::nothing(),
        );
    };
    refresh(&mut sys, me);
    let parent = sys.process(me)?.parent()?;
    refresh(&mut sys, parent);
    Some(sys.process(parent)?.name().to_string_lossy().into_owned())
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
        assert_eq!(Shell::from_program("python3"), None);
        assert_eq!(Shell::from_program("cargo"), None);
    }
}
