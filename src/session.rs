//! Keys and sessions as plain data, and the ordered list of environment changes a session
//! makes.

use std::borrow::Cow;
use std::fmt;
use std::time::SystemTime;

/// A string that must never be printed by accident: `Debug` shows `***`; its bytes are
/// overwritten when it is dropped, so a freed buffer does not keep it.
/// Serialized as the plain string: for the cache entry and the keychain's password only.
#[derive(Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(transparent)]
pub struct Secret(String);

impl Drop for Secret {
    fn drop(&mut self) {
        zeroize::Zeroize::zeroize(&mut self.0);
    }
}

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

/// Long-term keys of an IAM user: the only thing that can ask for an MFA session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LongTermKeys {
    pub access_key_id: String,
    pub secret_access_key: Secret,
}

/// Temporary credentials as STS hands them out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Credentials {
    pub access_key_id: String,
    pub secret_access_key: Secret,
    pub session_token: Secret,
    pub expiration: SystemTime,
}

/// What `env` and `exec` hand over: credentials plus the names that go with them.
#[derive(Debug, Clone)]
pub struct Session {
    /// The profile the user asked for (exported as `AWS_MFA_PROFILE`).
    pub profile: String,
    /// A region given by the profile or `-r`; `None` leaves the region variables alone.
    pub region: Option<String>,
    pub credentials: Credentials,
    /// After the session's own: the profile's own variables (`aws_mfa_env`) set, and those
    /// the last profile set removed (see `profile::ProfileEnv`).
    pub profile_env: Vec<EnvChange>,
}

/// One change to the environment, in the order it must happen.
#[derive(Debug, Clone, PartialEq, Eq)]
/// Names are aws-mfa's own (`&'static str`) or a profile's (`aws_mfa_env`).
pub enum EnvChange {
    Set(Cow<'static, str>, String),
    Unset(Cow<'static, str>),
}

impl EnvChange {
    pub fn name(&self) -> &str {
        match self {
            EnvChange::Set(name, _) | EnvChange::Unset(name) => name,
        }
    }

    pub fn set(name: impl Into<Cow<'static, str>>, value: impl Into<String>) -> Self {
        EnvChange::Set(name.into(), value.into())
    }

    pub fn unset(name: impl Into<Cow<'static, str>>) -> Self {
        EnvChange::Unset(name.into())
    }
}

/// Makes `changes` on the environment `command` will start with.
pub fn apply(changes: Vec<EnvChange>, command: &mut std::process::Command) {
    for change in changes {
        match change {
            EnvChange::Set(name, value) => command.env(&*name, value),
            EnvChange::Unset(name) => command.env_remove(&*name),
        };
    }
}

pub const ACCESS_KEY_ID: &str = "AWS_ACCESS_KEY_ID";
pub const SECRET_ACCESS_KEY: &str = "AWS_SECRET_ACCESS_KEY";
pub const SESSION_TOKEN: &str = "AWS_SESSION_TOKEN";
pub const CREDENTIAL_EXPIRATION: &str = "AWS_CREDENTIAL_EXPIRATION";
pub const REGION: &str = "AWS_REGION";
pub const DEFAULT_REGION: &str = "AWS_DEFAULT_REGION";
pub const MFA_PROFILE: &str = "AWS_MFA_PROFILE";

/// Variables a session removes.
/// `AWS_PROFILE`/`AWS_DEFAULT_PROFILE`: with them set, SDKs such as aws-sdk-go-v2 (Terraform)
/// prefer the profile's long-term keys over the session and every call is denied by MFA policy.
/// `AWS_SECURITY_TOKEN`: botocore prefers it over `AWS_SESSION_TOKEN`.
/// `AWS_ACCOUNT_ID`: botocore reads it; a stale one would name the wrong account.
pub const REMOVED: [&str; 4] = [
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
    "AWS_SECURITY_TOKEN",
    "AWS_ACCOUNT_ID",
];

/// RFC 3339 in UTC with a `Z`, to the second: what botocore, the JS SDK and prompts read.
pub fn rfc3339(time: SystemTime) -> String {
    humantime::format_rfc3339_seconds(time).to_string()
}

impl Session {
    /// The environment changes that hand this session over, in their fixed order.
    pub fn env_changes(&self) -> Vec<EnvChange> {
        let c = &self.credentials;
        let mut changes = vec![
            EnvChange::set(ACCESS_KEY_ID, c.access_key_id.clone()),
            EnvChange::set(SECRET_ACCESS_KEY, c.secret_access_key.expose()),
            EnvChange::set(SESSION_TOKEN, c.session_token.expose()),
            EnvChange::set(CREDENTIAL_EXPIRATION, rfc3339(c.expiration)),
        ];
        if let Some(region) = &self.region {
            changes.push(EnvChange::set(REGION, region.clone()));
            changes.push(EnvChange::set(DEFAULT_REGION, region.clone()));
        }
        changes.push(EnvChange::set(MFA_PROFILE, self.profile.clone()));
        changes.extend(REMOVED.map(EnvChange::unset));
        changes.extend(self.profile_env.iter().cloned());
        changes
    }
}

/// The variables that `changes` sets and removes, by name only (for `-v`).
pub fn names(changes: &[EnvChange]) -> String {
    let mut parts = Vec::new();
    for (verb, set) in [("set", true), ("unset", false)] {
        let names: Vec<&str> = changes
            .iter()
            .filter(|c| matches!(c, EnvChange::Set(..)) == set)
            .map(EnvChange::name)
            .collect();
        if !names.is_empty() {
            parts.push(format!("{verb} {}", names.join(" ")));
        }
    }
    parts.join("; ")
}

/// Every variable a session may have set, for `env --unset`.
pub fn unset_all() -> Vec<EnvChange> {
    [
        ACCESS_KEY_ID,
        SECRET_ACCESS_KEY,
        SESSION_TOKEN,
        CREDENTIAL_EXPIRATION,
        REGION,
        DEFAULT_REGION,
        MFA_PROFILE,
    ]
    .into_iter()
    .chain(REMOVED)
    .map(EnvChange::unset)
    .collect()
}

/// Whether `id` has the shape AWS gives access key ids: `AKIA` (an IAM user's) or `ASIA`
/// (temporary), then 16 upper-case letters and digits.
pub fn looks_like_key_id(id: &str) -> bool {
    id.len() == 20
        && (id.starts_with("AKIA") || id.starts_with("ASIA"))
        && id
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
}

/// Whether `secret` has the shape AWS gives secret access keys: 40 characters of the
/// base64 alphabet (`A-Z a-z 0-9 + /`).
pub fn looks_like_secret_key(secret: &str) -> bool {
    secret.len() == 40
        && secret
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'+' || b == b'/')
}
