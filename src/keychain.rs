//! Long-term keys in the OS keychain (the `keyring` crate: Secret Service on Linux, the
//! macOS Keychain, the Windows Credential Manager), filled by `aws-mfa add`.
//!
//! One entry per profile: service `aws-mfa`, account the profile's name, the password a
//! small JSON object holding the key id and the secret. Every call runs on a thread of its
//! own and is given up after a bound: a locked keychain may show an unlock dialog nobody
//! answers, and a stuck Secret Service daemon never answers at all.
//!
//! The cached path never comes here: the key id it needs for the cache key is kept, with
//! no secret, in a record in the cache directory (`Records::keychain_key_id`).

use std::sync::mpsc;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::environment::Environment;
use crate::error::Error;
use crate::session::{LongTermKeys, Secret};

/// The keychain service the entries are filed under.
const SERVICE: &str = "aws-mfa";
/// Said on stderr when the keychain has not answered by then (it may be asking to be
/// unlocked).
const NOTICE_AFTER: Duration = Duration::from_secs(2);
/// Given up after this long unless `AWS_MFA_KEYCHAIN_TIMEOUT` says otherwise: time enough
/// to type the keychain's password into its unlock dialog.
const DEFAULT_BOUND: Duration = Duration::from_secs(60);

/// What the entry's password holds.
#[derive(Serialize, Deserialize)]
struct Stored {
    #[serde(rename = "AccessKeyId")]
    access_key_id: String,
    #[serde(rename = "SecretAccessKey")]
    secret_access_key: Secret,
}

/// Where keys outside the profile files are kept: the OS keychain in a run, a map in tests.
pub trait KeyStore: Send + Sync {
    /// The keys of `profile`, or `None` when the store holds none.
    fn load(&self, profile: &str) -> Result<Option<LongTermKeys>, Error>;

    /// `load`, but a machine with no keychain service at all (a server with no desktop
    /// session) holds no keys either, rather than failing.
    fn load_if_reachable(&self, profile: &str) -> Result<Option<LongTermKeys>, Error>;
}

/// The OS keychain, with the run's `AWS_MFA_KEYCHAIN_TIMEOUT` (read when a call is made,
/// so a bad value is an error only for a run that uses the keychain).
#[derive(Debug, Clone)]
pub struct Keychain {
    timeout: Option<String>,
}

/// The name of the keychain this platform uses, for messages.
pub fn name() -> &'static str {
    crate::platform::KEYCHAIN_NAME
}

impl Keychain {
    pub fn new(env: &Environment) -> Self {
        Keychain {
            timeout: env.get("AWS_MFA_KEYCHAIN_TIMEOUT").map(str::to_owned),
        }
    }

    /// Stores (or replaces) the keys of `profile`.
    pub fn store(&self, profile: &str, keys: &LongTermKeys) -> Result<(), Error> {
        let password = serde_json::to_string(&Stored {
            access_key_id: keys.access_key_id.clone(),
            secret_access_key: keys.secret_access_key.clone(),
        })
        .map(Secret::new)
        .map_err(|e| failed("store the keys", e.to_string()))?;
        let profile = profile.to_owned();
        self.bounded("store the keys", move || {
            entry(&profile)?.set_password(password.expose())
        })?
        .map_err(|e| failed("store the keys", describe(&e)))
    }

    fn load_with(
        &self,
        profile: &str,
        absent_is_empty: bool,
    ) -> Result<Option<LongTermKeys>, Error> {
        let owned = profile.to_owned();
        let password = match self.bounded("read the keys", move || entry(&owned)?.get_password())? {
            Ok(password) => Secret::new(password),
            Err(keyring::Error::NoEntry) => return Ok(None),
            Err(keyring::Error::NoDefaultStore) if absent_is_empty => {
                tracing::info!("keychain: no keychain service to ask");
                return Ok(None);
            }
            Err(e) => return Err(failed("read the keys", describe(&e))),
        };
        let stored: Stored = serde_json::from_str(password.expose()).map_err(|_| {
            failed(
                "read the keys",
                format!("the entry for profile '{profile}' is not one aws-mfa wrote"),
            )
        })?;
        Ok(Some(LongTermKeys {
            access_key_id: stored.access_key_id,
            secret_access_key: stored.secret_access_key,
        }))
    }

    /// Deletes the keys of `profile`; false when there were none.
    pub fn delete(&self, profile: &str) -> Result<bool, Error> {
        let profile = profile.to_owned();
        match self.bounded("delete the keys", move || {
            entry(&profile)?.delete_credential()
        })? {
            Ok(()) => Ok(true),
            Err(keyring::Error::NoEntry) => Ok(false),
            Err(e) => Err(failed("delete the keys", describe(&e))),
        }
    }

    /// Runs `call` on a thread of its own and waits at most the bound for it; after a moment
    /// without an answer, says on stderr what it is waiting for. A call given up on is left to
    /// finish (or not) on its thread: the process exits soon after.
    fn bounded<T: Send + 'static>(
        &self,
        action: &str,
        call: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, Error> {
        wait_for(action, self.bound()?, call)
    }

    /// `AWS_MFA_KEYCHAIN_TIMEOUT` (seconds), else the default.
    fn bound(&self) -> Result<Duration, Error> {
        match &self.timeout {
            Some(value) if !value.trim().is_empty() => {
                let seconds = value.trim().parse::<f64>().ok();
                match seconds.and_then(|s| Duration::try_from_secs_f64(s).ok()) {
                    Some(bound) if !bound.is_zero() => Ok(bound),
                    _ => Err(Error::InvalidKeychainTimeout(value.clone())),
                }
            }
            _ => Ok(DEFAULT_BOUND),
        }
    }
}

impl KeyStore for Keychain {
    fn load(&self, profile: &str) -> Result<Option<LongTermKeys>, Error> {
        self.load_with(profile, false)
    }

    fn load_if_reachable(&self, profile: &str) -> Result<Option<LongTermKeys>, Error> {
        self.load_with(profile, true)
    }
}

fn entry(profile: &str) -> keyring::Result<keyring::Entry> {
    keyring::Entry::new(SERVICE, profile)
}

fn failed(action: &str, why: String) -> Error {
    Error::Keychain {
        action: action.to_owned(),
        keychain: name(),
        why,
    }
}

/// The keyring crate's error, in words: its `Display` can run to a D-Bus error dump.
fn describe(err: &keyring::Error) -> String {
    match err {
        keyring::Error::NoStorageAccess(inner) => {
            format!(
                "it is locked or refused access ({})",
                one_line(&inner.to_string())
            )
        }
        keyring::Error::NoDefaultStore => "no keychain service could be reached".to_owned(),
        keyring::Error::PlatformFailure(inner) => {
            format!("it is not available ({})", one_line(&inner.to_string()))
        }
        other => one_line(&other.to_string()),
    }
}

/// The first line, at most 200 characters, control characters escaped.
fn one_line(text: &str) -> String {
    let line = text.lines().next().unwrap_or_default();
    let short: String = line.chars().take(200).collect();
    short.escape_debug().to_string()
}

fn wait_for<T: Send + 'static>(
    action: &str,
    bound: Duration,
    call: impl FnOnce() -> T + Send + 'static,
) -> Result<T, Error> {
    let (tx, rx) = mpsc::channel();
    std::thread::Builder::new()
        .name("keychain".into())
        .spawn(move || {
            let _ = tx.send(call());
        })
        .map_err(|e| failed(action, e.to_string()))?;
    tracing::info!("keychain: asking {} to {action}", name());
    let first = NOTICE_AFTER.min(bound);
    match rx.recv_timeout(first) {
        Ok(answer) => return Ok(answer),
        Err(mpsc::RecvTimeoutError::Disconnected) => {
            return Err(failed(
                action,
                "the keychain call ended without an answer".into(),
            ));
        }
        Err(mpsc::RecvTimeoutError::Timeout) => {}
    }
    crate::error::say(&format!(
        "waiting for {} (it may be asking to be unlocked); giving up in {} s",
        name(),
        bound.saturating_sub(first).as_secs()
    ));
    rx.recv_timeout(bound.saturating_sub(first)).map_err(|_| {
        failed(
            action,
            format!("no answer within {} s", bound.as_secs_f64().round()),
        )
    })
}
