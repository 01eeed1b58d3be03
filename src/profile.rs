//! The user's profile files, read with the AWS SDK's own parser, turned into plain structs.
//!
//! The SDK's loader is an `async fn` that only reads files; it is polled once here, so the
//! cached path needs no tokio runtime.

use std::borrow::Cow;
use std::future::Future;
use std::task::{Context, Poll, Waker};

use aws_config::profile::ProfileSet;
use aws_runtime::env_config::file::EnvConfigFiles;
use aws_types::os_shim_internal::{Env, Fs};

use crate::cache::Records;
use crate::error::Error;
use crate::keychain;
use crate::session::{MFA_PROFILE, Secret};

/// Long-term keys of an IAM user: the only thing that can ask for an MFA session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LongTermKeys {
    pub access_key_id: String,
    pub secret_access_key: Secret,
}

/// Where the long-term keys were found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeySource {
    Profile(String),
    Environment,
    /// The OS keychain entry of this profile (`aws-mfa add`).
    Keychain(String),
}

/// A profile's long-term keys as resolution found them. The key id is always known (for
/// the cache key); the secret of keychain keys is read from the keychain only when a call
/// to AWS needs it, so a cached session is found without touching the keychain.
#[derive(Debug, Clone)]
pub struct ProfileKeys {
    pub access_key_id: String,
    loaded: std::sync::OnceLock<LongTermKeys>,
    /// The profile whose keychain entry holds the secret, when it is not loaded yet.
    keychain: Option<String>,
}

impl ProfileKeys {
    pub(crate) fn loaded(keys: LongTermKeys) -> Self {
        ProfileKeys {
            access_key_id: keys.access_key_id.clone(),
            loaded: std::sync::OnceLock::from(keys),
            keychain: None,
        }
    }

    fn in_keychain(profile: &str, access_key_id: String) -> Self {
        ProfileKeys {
            access_key_id,
            loaded: std::sync::OnceLock::new(),
            keychain: Some(profile.to_owned()),
        }
    }

    /// The keys with their secret, read from the keychain on first use. When the entry
    /// there no longer matches the key id on record (another program changed or deleted
    /// it), the record is put right and `Error::KeychainChanged` says to start again.
    pub fn long_term(&self) -> Result<&LongTermKeys, Error> {
        if let Some(keys) = self.loaded.get() {
            return Ok(keys);
        }
        let profile = self
            .keychain
            .as_deref()
            .expect("keys not loaded at resolution are in the keychain");
        let found = keychain::load(profile)?;
        let records = key_records();
        match found {
            Some(keys) if keys.access_key_id == self.access_key_id => {
                if is_temporary(&keys.access_key_id) {
                    return Err(Error::TemporaryKeys {
                        origin: format!("the keychain entry of profile '{profile}'"),
                    });
                }
                Ok(self.loaded.get_or_init(|| keys))
            }
            Some(keys) => {
                key_records_to_write().remember_keychain_key(profile, &keys.access_key_id);
                Err(Error::KeychainChanged {
                    profile: profile.to_owned(),
                })
            }
            None => {
                records.forget_keychain_key(profile);
                Err(Error::KeychainChanged {
                    profile: profile.to_owned(),
                })
            }
        }
    }
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

/// The parsed `~/.aws/config` and `~/.aws/credentials`.
pub struct ProfileFiles {
    set: ProfileSet,
}

impl ProfileFiles {
    /// Reads the files the SDK would read (`AWS_CONFIG_FILE`, `AWS_SHARED_CREDENTIALS_FILE`
    /// honoured); inside an `exec --server` child, the user's real credentials file.
    pub fn load() -> Result<Self, Error> {
        let env = real_credentials_env().unwrap_or_else(Env::real);
        let files = EnvConfigFiles::default();
        let fs = checked_files(&env)?;
        let load = aws_config::profile::load(&fs, &env, &files, None::<Cow<'static, str>>);
        match poll_once(load) {
            Some(Ok(set)) => Ok(ProfileFiles { set }),
            // The SDK's own text is "could not parse profile file"; the file, the line and
            // what is wrong there are in its source.
            Some(Err(e)) => Err(Error::ProfileFiles(
                std::iter::successors(Some(&e as &dyn std::error::Error), |e| e.source())
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join(": ")
                    .split_whitespace()
                    .collect::<Vec<_>>()
                    .join(" "),
            )),
            None => Err(Error::ProfileFiles(
                "the SDK's profile loader did not finish in one step".into(),
            )),
        }
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
            files: profile_file_names(),
            known: self.names(),
        }
    }

    /// Follows `source_profile` from `name` to the profile that holds long-term keys.
    /// `explicit` says the name was asked for (a flag or variable) rather than the
    /// fallback `default`, which may be absent when the keys are in the environment.
    pub fn resolve(&self, name: &str, explicit: bool) -> Result<ResolvedProfile, Error> {
        if self.set.get_profile(name).is_none() && !keychain_only_profile(name, explicit) {
            if explicit {
                return Err(self.unknown(name));
            }
            let keys = environment_keys()?.ok_or_else(|| self.unknown(name))?;
            return Ok(ResolvedProfile {
                name: name.to_owned(),
                keys: ProfileKeys::loaded(keys),
                key_source: KeySource::Environment,
                mfa_serial: None,
                mfa_process: None,
                region: None,
                session_duration: None,
                roles: Vec::new(),
            });
        }

        let mut chain: Vec<String> = Vec::new();
        let mut roles = Vec::new();
        let mut current = name.to_owned();
        let (keys, key_source) = loop {
            if chain.contains(&current) {
                chain.push(current);
                let link = if self.get(&chain[chain.len() - 2], "role_arn").is_some() {
                    "source_profile"
                } else {
                    "credential_process"
                };
                return Err(Error::BrokenProfile {
                    profile: name.to_owned(),
                    why: format!("{link} loops: {}", chain.join(" -> ")),
                    hint: "end the chain at a profile that holds your long-term keys (aws_access_key_id)".into(),
                });
            }
            chain.push(current.clone());
            let Some(role_arn) = self.get(&current, "role_arn") else {
                // A profile that gets its credentials from aws-mfa means the profile it names.
                if self.get(&current, "aws_access_key_id").is_none()
                    && let Some(process) = self.get(&current, "credential_process")
                {
                    current = self.follow_credential_process(&current, &process)?;
                    continue;
                }
                break self.keys_of(&current)?;
            };
            let source = self.get(&current, "source_profile");
            // A role profile that names itself as source uses its own keys (as the AWS CLI does).
            let self_sourced = source.as_deref() == Some(current.as_str());
            roles.push(Role {
                profile: current.clone(),
                arn: role_arn,
                external_id: self.get(&current, "external_id"),
                session_name: self.get(&current, "role_session_name"),
                duration_seconds: self.get(&current, "duration_seconds"),
            });
            match source {
                Some(_) if self_sourced => break self.keys_of(&current)?,
                Some(source)
                    if self.set.get_profile(&source).is_some()
                        || keychain_only_profile(&source, true) =>
                {
                    current = source
                }
                Some(source) => {
                    return Err(Error::BrokenProfile {
                        profile: current,
                        why: format!(
                            "its source_profile '{source}' is not in {}",
                            profile_file_names()
                        ),
                        hint: format!("known profiles: {}", self.names().join(", ")),
                    });
                }
                None => {
                    let why = match self.get(&current, "credential_source") {
                        Some(_) => {
                            "it has role_arn with credential_source, which aws-mfa does not support; it needs a source_profile to take keys from"
                        }
                        None => "it has role_arn but no source_profile to take keys from",
                    };
                    return Err(Error::BrokenProfile {
                        hint: format!(
                            "add 'source_profile = NAME' (the profile with your long-term keys) under the profile '{current}' in ~/.aws/config"
                        ),
                        profile: current,
                        why: why.into(),
                    });
                }
            }
        };
        roles.reverse();

        let first = |key: &str| chain.iter().find_map(|p| self.get(p, key));
        let holder = chain
            .last()
            .expect("the chain holds at least the asked-for profile");
        Ok(ResolvedProfile {
            name: name.to_owned(),
            mfa_serial: first("mfa_serial"),
            mfa_process: first("mfa_process"),
            // Like the AWS CLI: a role profile's region is its own, never its source's.
            region: self.get(name, "region"),
            session_duration: self.get(holder, "duration_seconds"),
            keys,
            key_source,
            roles,
        })
    }

    /// The profile named by `credential_process = aws-mfa credential-process --profile X`
    /// (`-p X`, `--profile=X`); any other `credential_process` is an error naming its
    /// program (its arguments may hold a secret).
    fn follow_credential_process(&self, profile: &str, process: &str) -> Result<String, Error> {
        let words = shell_words::split(process).unwrap_or_default();
        let program = words.first().map(String::as_str).unwrap_or_default();
        let broken = |why: String, hint: &str| Error::BrokenProfile {
            profile: profile.to_owned(),
            why,
            hint: hint.to_owned(),
        };
        let is_aws_mfa = std::path::Path::new(program)
            .file_stem()
            .is_some_and(|stem| stem == "aws-mfa");
        if !is_aws_mfa || !words.iter().any(|w| w == "credential-process") {
            return Err(broken(
                format!(
                    "it gets its credentials from credential_process '{program}', and aws-mfa needs long-term keys to ask for an MFA session"
                ),
                "name the profile that holds your aws_access_key_id with -p (or AWS_PROFILE)",
            ));
        }
        let mut args = words.iter().skip(1);
        let mut target = None;
        while let Some(arg) = args.next() {
            if arg == "-p" || arg == "--profile" {
                target = args.next().cloned();
            } else if let Some(value) = arg.strip_prefix("--profile=") {
                target = Some(value.to_owned());
            } else if let Some(value) = arg.strip_prefix("-p").filter(|v| !v.is_empty()) {
                target = Some(value.to_owned());
            }
        }
        let Some(target) = target else {
            return Err(broken(
                "its credential_process runs aws-mfa credential-process without --profile".into(),
                "add '--profile NAME' (the profile with your keys or role) to its credential_process",
            ));
        };
        if self.set.get_profile(&target).is_none() && !keychain_only_profile(&target, true) {
            return Err(self.unknown(&target));
        }
        tracing::info!(
            "profile '{profile}': its credential_process runs aws-mfa credential-process --profile {target}; using profile '{target}'"
        );
        Ok(target)
    }

    /// The profile's own keys: from the files, else from the OS keychain (`aws-mfa add`);
    /// when it has none, long-term keys from the environment.
    fn keys_of(&self, profile: &str) -> Result<(ProfileKeys, KeySource), Error> {
        let origin = format!("profile '{profile}'");
        match (
            self.get(profile, "aws_access_key_id"),
            self.get(profile, "aws_secret_access_key"),
        ) {
            (Some(access_key_id), Some(secret)) => {
                if self.get(profile, "aws_session_token").is_some() || is_temporary(&access_key_id)
                {
                    return Err(Error::TemporaryKeys { origin });
                }
                let keys = LongTermKeys {
                    access_key_id,
                    secret_access_key: Secret::new(secret),
                };
                Ok((
                    ProfileKeys::loaded(keys),
                    KeySource::Profile(profile.to_owned()),
                ))
            }
            (Some(_), None) => Err(Error::NoKeys {
                profile: profile.to_owned(),
                why: "aws_access_key_id is set but aws_secret_access_key is missing".into(),
            }),
            (None, _) => keys_outside_files(profile),
        }
    }
}

/// Set by `exec --server` for its child, whose `AWS_SHARED_CREDENTIALS_FILE` is an empty
/// file (so that SDKs take the endpoint's credentials): the credentials file aws-mfa read,
/// so aws-mfa run inside the child (`env --refresh`, `doctor`, another profile) reads it too.
pub const REAL_CREDENTIALS_FILE: &str = "AWS_MFA_SHARED_CREDENTIALS_FILE";

/// The credentials file an `exec --server` child was handed over from its aws-mfa, when
/// there is one.
fn real_credentials_file() -> Option<std::path::PathBuf> {
    std::env::var_os(REAL_CREDENTIALS_FILE)
        .filter(|path| !path.is_empty())
        .map(std::path::PathBuf::from)
        .filter(|path| path.is_file())
}

/// The environment as the SDK's loader sees it, with `AWS_SHARED_CREDENTIALS_FILE` at the
/// real credentials file inside an `exec --server` child.
fn real_credentials_env() -> Option<Env> {
    let path = real_credentials_file()?
        .into_os_string()
        .into_string()
        .ok()?;
    let mut vars: std::collections::HashMap<String, String> = std::env::vars_os()
        .filter_map(|(name, value)| Some((name.into_string().ok()?, value.into_string().ok()?)))
        .collect();
    vars.insert("AWS_SHARED_CREDENTIALS_FILE".into(), path);
    Some(Env::from(vars))
}

/// The credentials file this process reads, as an absolute path when it exists: what a
/// child whose `AWS_SHARED_CREDENTIALS_FILE` points elsewhere is handed in
/// `REAL_CREDENTIALS_FILE`.
pub fn credentials_file() -> Option<std::path::PathBuf> {
    real_credentials_file()
        .or_else(|| {
            std::env::var_os("AWS_SHARED_CREDENTIALS_FILE")
                .filter(|path| !path.is_empty())
                .map(std::path::PathBuf::from)
        })
        .or_else(|| dirs::home_dir().map(|home| home.join(".aws").join("credentials")))
        .and_then(|path| std::path::absolute(path).ok())
        .filter(|path| path.is_file())
}

/// Keys for a profile the files hold none for. The keychain's come first (they are the
/// profile's own), found by the key id on record so that no keychain call is made here;
/// then long-term keys in the environment. With no record (a new cache directory) and
/// nothing in the environment, the keychain itself is asked, and the record made again.
fn keys_outside_files(profile: &str) -> Result<(ProfileKeys, KeySource), Error> {
    let records = key_records();
    let in_keychain = KeySource::Keychain(profile.to_owned());
    if let Some(access_key_id) = records.keychain_key_id(profile) {
        return Ok((
            ProfileKeys::in_keychain(profile, access_key_id),
            in_keychain,
        ));
    }
    if let Some(keys) = environment_keys()? {
        return Ok((ProfileKeys::loaded(keys), KeySource::Environment));
    }
    match keychain::load_if_reachable(profile)? {
        Some(keys) if is_temporary(&keys.access_key_id) => Err(Error::TemporaryKeys {
            origin: format!("the keychain entry of profile '{profile}'"),
        }),
        Some(keys) => {
            key_records_to_write().remember_keychain_key(profile, &keys.access_key_id);
            Ok((ProfileKeys::loaded(keys), in_keychain))
        }
        None => Err(Error::NoKeys {
            profile: profile.to_owned(),
            why: format!(
                "the profile has no aws_access_key_id, {} holds none for it, and the environment holds none",
                keychain::name()
            ),
        }),
    }
}

/// The cache directory, where the key ids of keychain entries are on record; checked once
/// however many profiles a resolution looks at. Read as it is, neither made nor tightened:
/// `doctor` resolves profiles too, and changes nothing by looking.
fn key_records() -> &'static Records {
    static RECORDS: std::sync::OnceLock<Records> = std::sync::OnceLock::new();
    RECORDS.get_or_init(Records::inspect)
}

/// The same records, to write one: the directory is made (private) if need be.
fn key_records_to_write() -> &'static Records {
    static RECORDS: std::sync::OnceLock<Records> = std::sync::OnceLock::new();
    RECORDS.get_or_init(Records::open)
}

/// Whether `name`, in neither profile file, is a profile `aws-mfa add` made: its key id is
/// on record, or (the record lost) the keychain holds keys for a name asked for explicitly.
fn keychain_only_profile(name: &str, explicit: bool) -> bool {
    let records = key_records();
    if records.keychain_key_id(name).is_some() {
        return true;
    }
    if !explicit {
        return false;
    }
    match keychain::load_if_reachable(name) {
        Ok(Some(keys)) => {
            key_records_to_write().remember_keychain_key(name, &keys.access_key_id);
            true
        }
        _ => false,
    }
}

/// Long-term keys in the environment, unless aws-mfa put them there: variables from an
/// earlier `eval` (marked by `AWS_MFA_PROFILE`) are never the source of a new session.
fn environment_keys() -> Result<Option<LongTermKeys>, Error> {
    if std::env::var_os(MFA_PROFILE).is_some() {
        return Ok(None);
    }
    let var = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
    let (Some(access_key_id), Some(secret)) =
        (var("AWS_ACCESS_KEY_ID"), var("AWS_SECRET_ACCESS_KEY"))
    else {
        return Ok(None);
    };
    if var("AWS_SESSION_TOKEN").is_some() || is_temporary(&access_key_id) {
        return Err(Error::TemporaryKeys {
            origin: "AWS_ACCESS_KEY_ID in the environment".into(),
        });
    }
    Ok(Some(LongTermKeys {
        access_key_id,
        secret_access_key: Secret::new(secret),
    }))
}

/// `ASIA…` keys are temporary (STS); GetSessionToken refuses them.
fn is_temporary(access_key_id: &str) -> bool {
    access_key_id.starts_with("ASIA")
}

fn profile_file_names() -> String {
    let name = |var: &str, default: &str| {
        std::env::var(var)
            .ok()
            .filter(|v| !v.is_empty())
            .unwrap_or_else(|| default.to_owned())
    };
    let credentials = match real_credentials_file() {
        Some(path) => path.display().to_string(),
        None => name("AWS_SHARED_CREDENTIALS_FILE", "~/.aws/credentials"),
    };
    format!(
        "{} or {credentials}",
        name("AWS_CONFIG_FILE", "~/.aws/config"),
    )
}

/// The profile files, read here so the SDK's parser gets only what was checked: each must
/// be a regular file (a FIFO or `/dev/zero` would hang the read), of a sane size, and
/// valid UTF-8 (the SDK would silently read a file with one bad byte as empty, losing
/// `mfa_serial`, `region` and roles). The paths are found as the SDK finds them.
fn checked_files(env: &Env) -> Result<Fs, Error> {
    /// Far more than any profile file (a thousand profiles fit in a few hundred KiB).
    const LIMIT: u64 = 16 * 1024 * 1024;
    let home = aws_runtime::fs_util::home_dir(env, aws_runtime::fs_util::Os::real());
    let mut contents = std::collections::HashMap::new();
    for (variable, default) in [
        ("AWS_CONFIG_FILE", "~/.aws/config"),
        ("AWS_SHARED_CREDENTIALS_FILE", "~/.aws/credentials"),
    ] {
        let named = env.get(variable).ok();
        let path = expand_home(named.as_deref().unwrap_or(default), home.as_deref());
        let refused = |why: String, hint: String| Error::ProfileFile {
            path: path.display().to_string(),
            why,
            hint,
        };
        let data = match crate::regular_file::read(&path, LIMIT) {
            Ok(data) => data,
            // A missing file is an empty one, as for the SDK.
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(e) => {
                return Err(refused(
                    e.to_string(),
                    format!(
                        "point {variable} at your {default} file (a regular file), or unset it"
                    ),
                ));
            }
        };
        if let Err(e) = std::str::from_utf8(&data) {
            let line = data[..e.valid_up_to()]
                .iter()
                .filter(|b| **b == b'\n')
                .count()
                + 1;
            return Err(refused(
                format!("line {line} is not valid UTF-8"),
                format!(
                    "save the file as UTF-8: retype the characters on line {line} (an editor in another encoding, or a stray byte, put them there)"
                ),
            ));
        }
        contents.insert(path.into_os_string(), data);
    }
    Ok(Fs::from_raw_map(contents))
}

/// `~/…` under the home directory, as the SDK expands it.
fn expand_home(path: &str, home: Option<&str>) -> std::path::PathBuf {
    let path = std::path::Path::new(path);
    let mut components = path.components();
    match (components.next(), home) {
        (Some(std::path::Component::Normal(first)), Some(home)) if first == "~" => {
            let mut expanded = std::path::PathBuf::from(home);
            expanded.extend(components);
            expanded
        }
        _ => path.to_owned(),
    }
}

/// Polls a future once. The SDK's profile loader reads files synchronously inside its
/// `async fn`, so one poll finishes it without an executor.
fn poll_once<F: Future>(future: F) -> Option<F::Output> {
    let mut future = std::pin::pin!(future);
    match future
        .as_mut()
        .poll(&mut Context::from_waker(Waker::noop()))
    {
        Poll::Ready(output) => Some(output),
        Poll::Pending => None,
    }
}
