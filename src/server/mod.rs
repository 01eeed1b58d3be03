//! `aws-mfa exec --server`: the child gets a loopback endpoint that hands out credentials
//! re-minted from the cached MFA session, instead of keys that run out mid-run.
//!
//! The one prompt (if any) happened before: from here on the terminal is never read. When
//! the MFA session itself runs out, `mfa_process` gives a code if configured; otherwise the
//! answer says to run `aws-mfa env --refresh` in another terminal, and the shared cache
//! serves the child again once that is done.

use std::ffi::OsStr;
use std::process::{Command, ExitCode};

use crate::cli::SessionArgs;
use crate::error::Error;
use crate::session::{EnvChange, Session};

#[cfg(unix)]
mod child;
mod connections;
mod endpoint;

pub use endpoint::{CredentialServer, PATH};

pub const FULL_URI: &str = "AWS_CONTAINER_CREDENTIALS_FULL_URI";
pub const AUTHORIZATION_TOKEN: &str = "AWS_CONTAINER_AUTHORIZATION_TOKEN";
pub const SHARED_CREDENTIALS_FILE: &str = "AWS_SHARED_CREDENTIALS_FILE";

/// Session variables the child must not get: the endpoint is its only source.
const KEY_VARIABLES: [&str; 4] = [
    crate::session::ACCESS_KEY_ID,
    crate::session::SECRET_ACCESS_KEY,
    crate::session::SESSION_TOKEN,
    crate::session::CREDENTIAL_EXPIRATION,
];

/// Inherited variables that would point the SDKs elsewhere: the relative URI wins over the
/// full one, a token file over the token.
const CONTAINER_OVERRIDES: [&str; 2] = [
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
    "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE",
];

/// The child's environment changes: the session's, with every key variable removed, plus
/// the endpoint. (`AWS_SHARED_CREDENTIALS_FILE` is set apart: a path need not be UTF-8.)
pub fn child_env(session: &Session, uri: &str, token: &str) -> Vec<EnvChange> {
    let mut changes: Vec<EnvChange> = session
        .env_changes()
        .into_iter()
        .map(|change| match change {
            EnvChange::Set(name, _) if KEY_VARIABLES.contains(&name) => EnvChange::Unset(name),
            other => other,
        })
        .collect();
    changes.extend(CONTAINER_OVERRIDES.map(EnvChange::Unset));
    changes.push(EnvChange::Set(FULL_URI, uri.to_owned()));
    changes.push(EnvChange::Set(AUTHORIZATION_TOKEN, token.to_owned()));
    changes
}

/// The endpoint, answering with credentials re-minted from the cached MFA session; the
/// terminal is never asked again.
fn start(args: &SessionArgs) -> Result<CredentialServer, Error> {
    use crate::obtain::{self, Prompt};

    let mut later = args.clone();
    // A code from the command line is spent by the time it would be needed again, and
    // --refresh was for the first session only.
    later.token_code = None;
    later.refresh = false;
    // A request waits for a lookup (STS, an mfa_process) as long as aws-mfa waits for AWS.
    let wait = std::time::Duration::try_from_secs_f64(args.timeout)
        .unwrap_or(std::time::Duration::from_secs(15));
    let mut failing = false;
    CredentialServer::start(
        move || {
            let looked_up = obtain::session(&later, obtain::REFRESH_MIN_LEFT, Prompt::Never)
                .map(|session| session.credentials);
            // The child may swallow the answer's text: say it on the terminal too, once.
            match &looked_up {
                Err(err) if !failing => {
                    eprint!("{}", err.report());
                    failing = true;
                }
                Err(_) => {}
                Ok(_) => failing = false,
            }
            looked_up
        },
        wait,
    )
}

/// The child's environment: the endpoint instead of keys, the empty credentials file.
fn prepare_child(
    command: &mut Command,
    session: &Session,
    server: &CredentialServer,
    credentials_file: &std::path::Path,
) {
    for change in child_env(session, &server.uri(), server.token().expose()) {
        match change {
            EnvChange::Set(name, value) => command.env(name, value),
            EnvChange::Unset(name) => command.env_remove(name),
        };
    }
    command.env(SHARED_CREDENTIALS_FILE, credentials_file);
    // aws-mfa run inside the child still finds the user's keys.
    match crate::profile::credentials_file() {
        Some(real) => command.env(crate::profile::REAL_CREDENTIALS_FILE, real),
        None => command.env_remove(crate::profile::REAL_CREDENTIALS_FILE),
    };
}

/// Runs `command` with the endpoint until it exits; its status is ours.
#[cfg(unix)]
pub fn exec(
    args: &SessionArgs,
    session: &Session,
    mut command: Command,
    program: &OsStr,
) -> Result<ExitCode, Error> {
    // Before any thread starts, so that only this thread ever handles them.
    let signals = child::HeldSignals::hold();

    let server = start(args)?;

    // The SDKs read the shared credentials file before the endpoint: long-term keys in
    // [default] would win. The child's file is empty, in a private directory.
    let private = tempfile::Builder::new()
        .prefix("aws-mfa-exec-")
        .permissions(std::os::unix::fs::PermissionsExt::from_mode(0o700))
        .tempdir()
        .map_err(|e| Error::Server {
            why: format!("cannot make a private directory: {e}"),
        })?;
    let credentials_file = private.path().join("credentials");
    std::fs::write(&credentials_file, "").map_err(|e| Error::Write {
        path: credentials_file.clone(),
        why: e.to_string(),
    })?;

    prepare_child(&mut command, session, &server, &credentials_file);

    let status = signals
        .run(&mut command)
        .map_err(|e| crate::cmd::exec::exec_error(program, &e))?;
    drop(server);
    drop(private);
    Ok(exit_code(status))
}

/// Windows: the same endpoint and child environment. The child is spawned and waited for
/// with Ctrl-C / Ctrl-Break ignored here and in a job that ends with aws-mfa (see
/// `platform::windows::run_child`); its exit code, all 32 bits of it, is ours.
#[cfg(windows)]
pub fn exec(
    args: &SessionArgs,
    session: &Session,
    mut command: Command,
    program: &OsStr,
) -> Result<ExitCode, Error> {
    use crate::platform::windows;

    let server = start(args)?;

    // The SDKs read the shared credentials file before the endpoint: long-term keys in
    // [default] would win. The child's file is empty, in a directory only the user may open.
    let private_dir_failed = |e: std::io::Error| Error::Server {
        why: format!("cannot make a private directory: {e}"),
    };
    let private = tempfile::Builder::new()
        .prefix("aws-mfa-exec-")
        .tempdir()
        .map_err(private_dir_failed)?;
    let inner = private.path().join("private");
    windows::create_private_dir(&inner).map_err(private_dir_failed)?;
    let credentials_file = inner.join("credentials");
    std::fs::write(&credentials_file, "").map_err(|e| Error::Write {
        path: credentials_file.clone(),
        why: e.to_string(),
    })?;

    prepare_child(&mut command, session, &server, &credentials_file);

    let code =
        windows::run_child(&mut command).map_err(|e| crate::cmd::exec::exec_error(program, &e))?;
    drop(server);
    drop(private);
    std::process::exit(code)
}

/// The child's code, or 128+N when signal N ended it (what a shell shows).
#[cfg(unix)]
fn exit_code(status: std::process::ExitStatus) -> ExitCode {
    use std::os::unix::process::ExitStatusExt;
    let code = status
        .code()
        .or_else(|| status.signal().map(|signal| 128 + signal))
        .unwrap_or(1);
    ExitCode::from(u8::try_from(code).unwrap_or(1))
}

#[cfg(test)]
mod tests {
    use std::time::SystemTime;

    use super::*;
    use crate::session::{Credentials, Secret};

    #[test]
    fn the_child_gets_the_endpoint_and_no_keys() {
        let session = Session {
            profile: "admin".into(),
            region: Some("eu-west-1".into()),
            credentials: Credentials {
                access_key_id: "ASIAKEY".into(),
                secret_access_key: Secret::new("SECRET"),
                session_token: Secret::new("TOKEN"),
                expiration: SystemTime::now(),
            },
        };
        let changes = child_env(&session, "http://127.0.0.1:1/x", "t0k");
        let set: Vec<(&str, &str)> = changes
            .iter()
            .filter_map(|c| match c {
                EnvChange::Set(name, value) => Some((*name, value.as_str())),
                EnvChange::Unset(_) => None,
            })
            .collect();
        assert_eq!(
            set,
            [
                ("AWS_REGION", "eu-west-1"),
                ("AWS_DEFAULT_REGION", "eu-west-1"),
                ("AWS_MFA_PROFILE", "admin"),
                (FULL_URI, "http://127.0.0.1:1/x"),
                (AUTHORIZATION_TOKEN, "t0k"),
            ]
        );
        for name in [
            "AWS_ACCESS_KEY_ID",
            "AWS_SECRET_ACCESS_KEY",
            "AWS_SESSION_TOKEN",
            "AWS_CREDENTIAL_EXPIRATION",
            "AWS_SECURITY_TOKEN",
            "AWS_PROFILE",
            "AWS_DEFAULT_PROFILE",
            "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
            "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE",
        ] {
            assert!(
                changes.contains(&EnvChange::Unset(name)),
                "{name} is removed"
            );
        }
    }
}
