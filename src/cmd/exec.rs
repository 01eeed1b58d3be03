//! `aws-mfa exec`: run a command, or a subshell, with the session in its environment.

use std::ffi::{OsStr, OsString};
use std::process::{Command, ExitCode};
use std::time::Duration;

use crate::cli::ExecArgs;
use crate::environment::Environment;
use crate::error::Error;
use crate::obtain::{self, Prompt};
use crate::plan::SessionOptions;
use crate::profile::REAL_CREDENTIALS_FILE;
use crate::session::Credentials;
use crate::shell;

pub fn run(args: &ExecArgs, env: &Environment) -> Result<ExitCode, Error> {
    // A typo in the command must not cost an MFA code: check it can be started first.
    if let Some(program) = args.command.first() {
        check_runnable(program, env.os("PATH"))?;
    }
    // What the server hands out should last past the SDKs' refresh windows (see
    // `obtain::REFRESH_MIN_LEFT`); asking now, before the child runs, is the one prompt.
    let min_left = if args.server {
        obtain::REFRESH_MIN_LEFT
    } else {
        obtain::SESSION_MIN_LEFT
    };
    let options = SessionOptions::from(&args.session);
    let session = obtain::session(env, options.clone(), min_left, Prompt::Terminal)?;
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
        obtain::session(&env, later.clone(), obtain::REFRESH_MIN_LEFT, Prompt::Never)
            .map(|session| session.credentials)
    }
}

fn server_options(options: &SessionOptions) -> crate::server::Options {
    crate::server::Options {
        // A request waits for a lookup (STS, an mfa_process) as long as aws-mfa waits for AWS.
        wait: Duration::try_from_secs_f64(options.timeout).unwrap_or(Duration::from_secs(15)),
    }
}

/// No command: the calling shell, else `$SHELL`, else the platform's basic shell.
fn subshell(env: &Environment) -> OsString {
    if let Ok(detected) = shell::detect(env) {
        return detected.program.into();
    }
    #[cfg(windows)]
    if let Some(comspec) = env.os("COMSPEC") {
        return comspec.to_owned();
    }
    if cfg!(windows) { "cmd.exe" } else { "/bin/sh" }.into()
}

/// Unix: the process becomes the command (`exec`), so signals reach it directly and its
/// exit status is ours; no `sh -c` in between.
#[cfg(unix)]
fn replace_process(mut command: Command, program: &OsString) -> Result<ExitCode, Error> {
    use std::os::unix::process::CommandExt;
    let err = command.exec();
    Err(Error::cannot_run(program, &err))
}

/// Windows cannot replace a process: spawn, wait (console events ignored, the child in a
/// job that ends with us), and exit with the child's code, all 32 bits of it.
#[cfg(windows)]
fn replace_process(mut command: Command, program: &OsString) -> Result<ExitCode, Error> {
    let code = crate::platform::windows::run_child(&mut command)
        .map_err(|e| Error::cannot_run(program, &e))?;
    std::process::exit(code)
}

/// Finds `program` the way `execvp` will (a name with a `/` as it is, else along PATH) and
/// says why it cannot be started, if it cannot: 127 for nothing there, 126 for a directory
/// or a file without execute permission.
#[cfg(unix)]
fn check_runnable(program: &OsStr, path: Option<&OsStr>) -> Result<(), Error> {
    use std::os::unix::ffi::OsStrExt;
    use std::path::PathBuf;

    let candidates: Vec<PathBuf> = if program.as_bytes().contains(&b'/') {
        vec![PathBuf::from(program)]
    } else {
        // No PATH: execvp searches its own default, so leave the answer to it.
        let Some(path) = path else {
            return Ok(());
        };
        std::env::split_paths(path)
            .map(|dir| {
                // An empty PATH entry is the current directory.
                let dir = if dir.as_os_str().is_empty() {
                    ".".into()
                } else {
                    dir
                };
                dir.join(program)
            })
            .collect()
    };
    let mut refused = None;
    for candidate in &candidates {
        let Ok(meta) = std::fs::metadata(candidate) else {
            continue;
        };
        if meta.is_dir() {
            refused.get_or_insert("it is a directory");
        } else if may_execute(candidate) {
            return Ok(());
        } else {
            refused.get_or_insert(crate::error::NOT_EXECUTABLE);
        }
    }
    Err(Error::Exec {
        program: program.to_string_lossy().into_owned(),
        why: refused.unwrap_or("command not found").into(),
        not_found: refused.is_none(),
    })
}

#[cfg(unix)]
fn may_execute(path: &std::path::Path) -> bool {
    use std::os::unix::ffi::OsStrExt;
    let Ok(path) = std::ffi::CString::new(path.as_os_str().as_bytes()) else {
        return false;
    };
    // SAFETY: access only reads the NUL-terminated path.
    unsafe { libc::access(path.as_ptr(), libc::X_OK) == 0 }
}

/// Windows: found the way the spawn will look for it, else 127 before any code is asked for.
#[cfg(windows)]
fn check_runnable(program: &OsStr, path: Option<&OsStr>) -> Result<(), Error> {
    if crate::platform::windows::program_exists(program, path) {
        return Ok(());
    }
    Err(Error::Exec {
        program: program.to_string_lossy().into_owned(),
        why: "command not found".into(),
        not_found: true,
    })
}
