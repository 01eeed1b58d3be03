//! `aws-mfa exec --server`: the child gets a loopback endpoint that hands out credentials
//! re-minted from the cached MFA session, instead of keys that run out mid-run.
//!
//! The one prompt (if any) happened before: from here on the terminal is never read. When
//! the MFA session itself runs out, `mfa_process` gives a code if configured; otherwise the
//! answer says to run `aws-mfa env --refresh` in another terminal, and the shared cache
//! serves the child again once that is done.

use std::ffi::OsStr;
use std::process::{Command, ExitCode};
use std::time::Duration;

use crate::error::Error;
use crate::session::{Credentials, EnvChange};

mod connections;
mod endpoint;
mod lookups;
mod token;

pub use endpoint::CredentialServer;

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

/// The endpoint's limit on a request.
pub struct Limits {
    /// How long a request waits for a lookup.
    pub wait: Duration,
}

/// The child's environment changes: the session's (`session_env`), with every key variable
/// removed, plus the endpoint. (`AWS_SHARED_CREDENTIALS_FILE` is set apart: a path need
/// not be UTF-8.)
pub fn child_env(session_env: Vec<EnvChange>, uri: &str, token: &str) -> Vec<EnvChange> {
    let mut changes: Vec<EnvChange> = session_env
        .into_iter()
        .map(|change| match change {
            EnvChange::Set(name, _) if KEY_VARIABLES.contains(&&*name) => EnvChange::Unset(name),
            other => other,
        })
        .collect();
    changes.extend(CONTAINER_OVERRIDES.map(EnvChange::unset));
    changes.push(EnvChange::set(FULL_URI, uri));
    changes.push(EnvChange::set(AUTHORIZATION_TOKEN, token));
    changes
}

/// The endpoint, answering with what `lookup` returns; a failure is also said on the
/// terminal (the child may swallow the answer's text), once until a lookup succeeds again.
fn start<F>(mut lookup: F, wait: Duration) -> Result<CredentialServer, Error>
where
    F: FnMut() -> Result<Credentials, Error> + Send + 'static,
{
    let mut failing = false;
    CredentialServer::start(
        move || {
            let looked_up = lookup();
            match &looked_up {
                Err(err) if !failing => {
                    err.print_report();
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

/// The child's environment: the endpoint instead of keys, and the system's empty device as
/// its credentials file. The SDKs read that file before the endpoint, so long-term keys in
/// [default] would win; and a path in a shared directory such as /tmp could be made again,
/// with someone else's keys, by another user once aws-mfa is gone, for anything the command
/// left running.
fn prepare_child(command: &mut Command, session_env: Vec<EnvChange>, server: &CredentialServer) {
    crate::session::apply(
        child_env(session_env, &server.uri(), server.token().expose()),
        command,
    );
    command.env(SHARED_CREDENTIALS_FILE, crate::platform::empty_device());
}

/// Runs `command` (which starts `program`) with the session's environment changes
/// (`session_env`) and the endpoint instead of keys, until it exits; its status is ours.
/// The endpoint answers with what `lookup` returns: it is called again whenever the child
/// asks, and must never read the terminal.
///
/// How the child is waited for, and how its status becomes ours, is the platform's
/// (`platform::ChildWaiter`): Unix passes signals on; Windows ignores Ctrl-C / Ctrl-Break
/// here, keeps the child in a job that ends with aws-mfa, and exits with all 32 bits of
/// its code.
pub fn exec<F>(
    lookup: F,
    limits: &Limits,
    session_env: Vec<EnvChange>,
    mut command: Command,
    program: &OsStr,
) -> Result<ExitCode, Error>
where
    F: FnMut() -> Result<Credentials, Error> + Send + 'static,
{
    // Before any thread starts, so that only this thread ever handles signals.
    let waiter = crate::platform::ChildWaiter::prepare();

    let server = start(lookup, limits.wait)?;
    prepare_child(&mut command, session_env, &server);

    let exit = waiter
        .run(&mut command)
        .map_err(|e| Error::cannot_run(program, &e))?;
    drop(server);
    Ok(crate::platform::exit_with(exit))
}

#[cfg(test)]
mod tests {
    use std::time::SystemTime;

    use super::*;
    use crate::session::{Secret, Session};

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
            profile_env: Vec::new(),
        };
        let changes = child_env(session.env_changes(), "http://127.0.0.1:1/x", "t0k");
        let set: Vec<(&str, &str)> = changes
            .iter()
            .filter_map(|c| match c {
                EnvChange::Set(name, value) => Some((&**name, value.as_str())),
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
                changes.contains(&EnvChange::unset(name)),
                "{name} is removed"
            );
        }
    }
}
