//! `aws-mfa exec`: run a command, or a subshell, with the session in its environment.

use std::ffi::{OsStr, OsString};
use std::process::{Command, ExitCode};

use crate::cli::ExecArgs;
use crate::environment::Environment;
use crate::error::Error;
use crate::obtain::{self, Prompt};
use crate::plan::{Recipient, SessionOptions};
use crate::platform::Unrunnable;
use crate::profile::REAL_CREDENTIALS_FILE;
use crate::session::Credentials;
use crate::shell;

pub fn run(args: &ExecArgs, env: &Environment) -> Result<ExitCode, Error> {
    // A typo in the command must not cost an MFA code: check it can be started first.
    if let Some(program) = args.command.first() {
        check_runnable(program, env.os("PATH"))?;
    }
    // With --server, the child's SDKs get what it serves; asking now, before the child
    // runs, is the one prompt.
    let recipient = if args.server {
        Recipient::Sdk
    } else {
        Recipient::Shell
    };
    let options = SessionOptions::from(&args.session);
    let session = obtain::session(env, options.clone(), recipient, Prompt::Terminal)?;
    let (program, rest) = match args.command.split_first() {
        Some((program, rest)) => (program.clone(), rest.to_vec()),
        None => (subshell(env), Vec::new()),
    };
    let mut command = Command::new(&program);
    command.args(&rest);
    let changes = session.env_changes();
    if args.server {
        // aws-mfa run inside the child still finds the user's keys (the child's own
        // credentials file is an empty one).
        match crate::profile::credentials_file(env) {
            Some(real) => command.env(REAL_CREDENTIALS_FILE, real),
            None => command.env_remove(REAL_CREDENTIALS_FILE),
        };
        return crate::server::exec(
            later_lookups(env, &options),
            &server_options(&options),
            changes,
            command,
            &program,
        );
    }
    tracing::info!(
        "running {}: {}",
        program.to_string_lossy(),
        crate::session::names(&changes)
    );
    crate::session::apply(changes, &mut command);
    replace_process(command, &program)
}

/// What the credential server answers the child with: credentials re-minted from the
/// cached MFA session; the terminal is never asked again.
fn later_lookups(
    env: &Environment,
    options: &SessionOptions,
) -> impl FnMut() -> Result<Credentials, Error> + Send + 'static {
    let env = env.clone();
    // A code from the command line is spent by the time it would be needed again, and
    // --refresh was for the first session only.
    let later = SessionOptions {
        token_code: None,
        refresh: false,
        ..options.clone()
    };
    move || {
        obtain::session(&env, later.clone(), Recipient::Sdk, Prompt::Never)
            .map(|session| session.credentials)
    }
}

fn server_options(options: &SessionOptions) -> crate::server::Limits {
    crate::server::Limits {
        // A request waits for a lookup (STS, an mfa_process) as long as aws-mfa waits for AWS.
        wait: options.timeout,
    }
}

/// No command: the calling shell, else `$SHELL`, else the platform's basic shell.
fn subshell(env: &Environment) -> OsString {
    if let Ok(detected) = shell::detect(env) {
        return detected.program.into();
    }
    crate::platform::basic_shell(env.os("COMSPEC"))
}

/// The process becomes the command where the platform can (Unix `exec`: signals reach it
/// directly and its exit status is ours; no `sh -c` in between); Windows spawns, waits
/// (console events ignored, the child in a job that ends with us), and exits with the
/// child's code, all 32 bits of it.
fn replace_process(command: Command, program: &OsString) -> Result<ExitCode, Error> {
    let err = crate::platform::replace_process(command);
    Err(Error::cannot_run(program, &err))
}

/// Finds `program` the way the spawn will (Unix `execvp`: a name with a `/` as it is, else
/// along PATH) and says why it cannot be started, if it cannot: 127 for nothing there, 126
/// for a directory or a file without execute permission.
fn check_runnable(program: &OsStr, path: Option<&OsStr>) -> Result<(), Error> {
    let (why, not_found) = match crate::platform::check_runnable(program, path) {
        Ok(()) => return Ok(()),
        Err(Unrunnable::NotFound) => ("command not found", true),
        Err(Unrunnable::Directory) => ("it is a directory", false),
        Err(Unrunnable::NotExecutable) => (crate::error::NOT_EXECUTABLE, false),
    };
    Err(Error::Exec {
        program: program.to_string_lossy().into_owned(),
        why: why.into(),
        not_found,
    })
}
