//! The user's profile files, read with the AWS SDK's own parser (`files`), and a profile
//! followed to its keys and roles (`resolve`), the keys found in the files, the OS keychain
//! or the environment (`keys`).

pub mod extra_env;
mod files;
mod keys;
mod resolve;
#[cfg(test)]
mod tests;

use std::sync::Arc;

use aws_config::profile::ProfileSet;

use crate::environment::Environment;
use crate::error::Error;
use crate::session::MFA_PROFILE;

pub use extra_env::ProfileEnv;
pub use files::{REAL_CREDENTIALS_FILE, credentials_file, plain_text_key_lines};
pub use keys::{KeySource, Keyring, ProfileKeys};

/// The profile to use: `-p`, else `$AWS_PROFILE`, else `$AWS_MFA_PROFILE` (the session this
/// shell already holds), else `default`. The bool says whether it was asked for by name.
/// A variable that is set but not UTF-8 is an error, never a silent `default`.
pub fn name_to_use(flag: Option<&str>, env: &Environment) -> Result<(String, bool), Error> {
    if let Some(name) = flag {
        return Ok((name.to_owned(), true));
    }
    for var in ["AWS_PROFILE", MFA_PROFILE] {
        if let Some(name) = env.get_utf8(var)? {
            return Ok((name.to_owned(), true));
        }
    }
    Ok(("default".to_owned(), false))
}

/// A role to assume, as one profile describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Role {
    pub profile: String,
    pub arn: String,
    pub external_id: Option<String>,
    pub session_name: Option<String>,
    pub duration_seconds: Option<String>,
}

/// Everything a session for one profile needs, found along its `source_profile` chain.
#[derive(Debug, Clone)]
pub struct ResolvedProfile {
    /// The profile the user asked for.
    pub name: String,
    pub keys: ProfileKeys,
    pub key_source: KeySource,
    /// The first `mfa_serial` from the asked-for profile down to the source.
    pub mfa_serial: Option<String>,
    pub mfa_process: Option<String>,
    /// The first `region` from the asked-for profile down to the source.
    pub region: Option<String>,
    /// `duration_seconds` of the profile holding the keys: the MFA session's length.
    pub session_duration: Option<String>,
    /// Roles to assume in order, the first one from the MFA session; empty for a plain profile.
    pub roles: Vec<Role>,
    /// The asked-for profile's own variables (`aws_mfa_env`), never its source's.
    pub extra_env: Vec<(String, String)>,
}

impl ResolvedProfile {
    /// The profile that holds the long-term keys (the asked-for one for environment keys).
    pub fn source_name(&self) -> &str {
        match &self.key_source {
            KeySource::Profile(name) | KeySource::Keychain(name) => name,
            KeySource::Environment => &self.name,
        }
    }
}

/// The parsed `~/.aws/config` and `~/.aws/credentials`, with what resolution looks at
/// beyond them: the run's environment and the keychain.
pub struct ProfileFiles<'e> {
    set: ProfileSet,
    env: &'e Environment,
    keyring: Arc<Keyring>,
}

impl<'e> ProfileFiles<'e> {
    /// Reads the files the SDK would read (`AWS_CONFIG_FILE`, `AWS_SHARED_CREDENTIALS_FILE`
    /// honoured); inside an `exec --server` child, the user's real credentials file.
    pub fn load(env: &'e Environment) -> Result<Self, Error> {
        Ok(ProfileFiles {
            set: files::read(env)?,
            env,
            keyring: Keyring::new(env),
        })
    }

    /// The names of every profile in the files.
    pub fn names(&self) -> Vec<String> {
        let mut names: Vec<String> = self.set.profiles().map(str::to_owned).collect();
        names.sort();
        names
    }

    /// The profile's own `mfa_serial`, with no resolution (and so no keychain call).
    pub fn mfa_serial_of(&self, name: &str) -> Option<String> {
        self.get(name, "mfa_serial")
    }

    fn get(&self, name: &str, key: &str) -> Option<String> {
        self.set
            .get_profile(name)?
            .get(key)
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(str::to_owned)
    }

    pub fn unknown(&self, name: &str) -> Error {
        Error::UnknownProfile {
            name: name.to_owned(),
            files: files::names(self.env),
            known: self.names(),
        }
    }
}
