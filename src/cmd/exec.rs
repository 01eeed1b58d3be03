//! `aws-mfa exec`: run a command, or a subshell, with the session in its environment.

use std::ffi::{OsStr, OsString};
use std::process::{Command, ExitCode};

use crate::cli::ExecArgs;
use crate::error::Error;
use crate::obtain::{self, Prompt};
use crate::session::EnvChange;
use crate::shell;

pub fn run(args: &ExecArgs) -> Result<ExitCode, Error> {
    // What the server hands out must last as long as an SDK expects (it refreshes 15
    // minutes before expiry); asking now, before the child runs, is the one prompt.
    let min_left = if args.server {
        crate::server::available()?;
        obtain::REFRESH_MIN_LEFT
    } else {
        obtain::SESSION_MIN_LEFT
    };
    let session = obtain::session(&args.session, min_left, Prompt::Terminal)?;
    let (program, rest) = match args.command.split_first() {
        Some((program, rest)) => (program.clone(), rest.to_vec()),
        None => (subshell(), Vec::new()),
    };
    let mut command = Command::new(&program);
    command.args(&rest);
    if args.server {
        return crate::server::exec(&args.session, &session, command, &program);
    }
    for change in session.env_changes() {
        match change {
            EnvChange::Set(name, value) => command.env(name, value),
            EnvChange::Unset(name) => command.env_remove(name),
        };
    }
    replace_process(command, &program)
}

/// No command: the calling shell, else `$SHELL`, else the platform's basic shell.
fn subshell() -> OsString {
    if let Ok(detected) = shell::detect() {
        return detected.program.into();
    }
    #[cfg(windows)]
    if let Some(comspec) = std::env::var_os("COMSPEC") {
        return comspec;
    }
    if cfg!(windows) { "cmd.exe" } else { "/bin/sh" }.into()
}

/// Unix: the process becomes the command (`exec`), so signals reach it directly and its
/// exit status is ours; no `sh -c` in between.
#[cfg(unix)]
fn replace_process(mut command: Command, program: &OsString) -> Result<ExitCode, Error> {
    use std::os::unix::process::CommandExt;
    let err = command.exec();
    Err(exec_error(program, &err))
}

/// Windows cannot replace a process: spawn, wait, and pass the status on.
#[cfg(windows)]
fn replace_process(mut command: Command, program: &OsString) -> Result<ExitCode, Error> {
    let status = command.status().map_err(|e| exec_error(program, &e))?;
    let code = status.code().unwrap_or(1);
    Ok(ExitCode::from(u8::try_from(code).unwrap_or(1)))
}

pub(crate) fn exec_error(program: &OsStr, err: &std::io::Error) -> Error {
    let not_found = err.kind() == std::io::ErrorKind::NotFound;
    Error::Exec {
        program: program.to_string_lossy().into_owned(),
        why: if not_found {
            "command not found".into()
        } else {
            err.to_string()
        },
        not_found,
    }
}
