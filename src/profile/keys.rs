//! Long-term keys: what a profile resolution hands out, and where keys that are not in the
//! profile files are found (the OS keychain, the environment).

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, OnceLock};

use crate::cache::{self, Records};
use crate::environment::Environment;
use crate::error::Error;
use crate::keychain::{self, KeyStore, Keychain};
use crate::session::{LongTermKeys, MFA_PROFILE, Secret};

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
    loaded: OnceLock<LongTermKeys>,
    /// The profile whose keychain entry holds the secret, when it is not loaded yet.
    keychain: Option<(String, Arc<Keyring>)>,
}

impl ProfileKeys {
    pub(crate) fn loaded(keys: LongTermKeys) -> Self {
        ProfileKeys {
            access_key_id: keys.access_key_id.clone(),
            loaded: OnceLock::from(keys),
            keychain: None,
        }
    }

    fn in_keychain(profile: &str, access_key_id: String, keyring: &Arc<Keyring>) -> Self {
        ProfileKeys {
            access_key_id,
            loaded: OnceLock::new(),
            keychain: Some((profile.to_owned(), Arc::clone(keyring))),
        }
    }

    /// The keys with their secret, read from the keychain on first use. When the entry
    /// there no longer matches the key id on record (another program changed or deleted
    /// it), the record is put right and `Error::KeychainChanged` says to start again.
    pub fn long_term(&self) -> Result<&LongTermKeys, Error> {
        if let Some(keys) = self.loaded.get() {
            return Ok(keys);
        }
        let (profile, keyring) = self
            .keychain
            .as_ref()
            .expect("keys not loaded at resolution are in the keychain");
        let changed = || Error::KeychainChanged {
            profile: profile.clone(),
        };
        match keyring.store.load(profile)? {
            Some(keys) if keys.access_key_id == self.access_key_id => {
                if is_temporary(&keys.access_key_id) {
                    return Err(in_keychain_temporary(profile));
                }
                Ok(self.loaded.get_or_init(|| keys))
            }
            Some(keys) => {
                keyring
                    .records_to_write()
                    .remember_keychain_key(profile, &keys.access_key_id);
                Err(changed())
            }
            None => {
                keyring.records().forget_keychain_key(profile);
                Err(changed())
            }
        }
    }
}

/// The keychain, with the key ids of its entries on record in the cache directory (so a
/// cached session is found without a keychain call). Made once per profile-file reading
/// and shared with the keys it hands out; the records are looked at on first need.
pub struct Keyring {
    store: Box<dyn KeyStore>,
    cache_dir: Option<PathBuf>,
    records: OnceLock<Records>,
    writable: OnceLock<Records>,
    /// Keys read from the store while finding out whether it holds a profile, kept so that
    /// the profile's resolution does not ask again (each call may be an unlock prompt).
    read: Mutex<HashMap<String, LongTermKeys>>,
}

impl std::fmt::Debug for Keyring {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Keyring")
            .field("cache_dir", &self.cache_dir)
            .finish_non_exhaustive()
    }
}

impl Keyring {
    /// The OS keychain, and the records in the run's cache directory.
    pub fn new(env: &Environment) -> Arc<Self> {
        Keyring::with_store(Box::new(Keychain::new(env)), cache::location(env))
    }

    /// `store` in place of the OS keychain (tests), the records in `cache_dir`.
    pub fn with_store(store: Box<dyn KeyStore>, cache_dir: Option<PathBuf>) -> Arc<Self> {
        Arc::new(Keyring {
            store,
            cache_dir,
            records: OnceLock::new(),
            writable: OnceLock::new(),
            read: Mutex::default(),
        })
    }

    /// The records as they are, neither made nor tightened: `doctor` resolves profiles
    /// too, and changes nothing by looking.
    fn records(&self) -> &Records {
        match self.writable.get() {
            Some(records) => records,
            None => self
                .records
                .get_or_init(|| Records::inspect(self.cache_dir.clone())),
        }
    }

    /// The same records, to write one: the directory is made (private) if need be.
    fn records_to_write(&self) -> &Records {
        self.writable
            .get_or_init(|| Records::open(self.cache_dir.clone()))
    }

    /// Whether `name`, in neither profile file, is a profile `aws-mfa add` made: its key
    /// id is on record, or (the record lost) the keychain holds keys for a name asked for
    /// explicitly.
    pub(super) fn holds_profile(&self, name: &str, explicit: bool) -> bool {
        if self.records().keychain_key_id(name).is_some() {
            return true;
        }
        if !explicit {
            return false;
        }
        match self.store.load_if_reachable(name) {
            Ok(Some(keys)) => {
                self.records_to_write()
                    .remember_keychain_key(name, &keys.access_key_id);
                self.read
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner)
                    .insert(name.to_owned(), keys);
                true
            }
            _ => false,
        }
    }
}

/// Keys for a profile the files hold none for. The keychain's come first (they are the
/// profile's own), found by the key id on record so that no keychain call is made here;
/// then long-term keys in the environment. With no record (a new cache directory) and
/// nothing in the environment, the keychain itself is asked, and the record made again.
pub(super) fn keys_outside_files(
    profile: &str,
    keyring: &Arc<Keyring>,
    env: &Environment,
) -> Result<(ProfileKeys, KeySource), Error> {
    let in_keychain = KeySource::Keychain(profile.to_owned());
    let already_read = keyring
        .read
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .remove(profile);
    if let Some(keys) = already_read {
        if is_temporary(&keys.access_key_id) {
            return Err(in_keychain_temporary(profile));
        }
        return Ok((ProfileKeys::loaded(keys), in_keychain));
    }
    if let Some(access_key_id) = keyring.records().keychain_key_id(profile) {
        return Ok((
            ProfileKeys::in_keychain(profile, access_key_id, keyring),
            in_keychain,
        ));
    }
    if let Some(keys) = environment_keys(env)? {
        return Ok((ProfileKeys::loaded(keys), KeySource::Environment));
    }
    match keyring.store.load_if_reachable(profile)? {
        Some(keys) if is_temporary(&keys.access_key_id) => Err(in_keychain_temporary(profile)),
        Some(keys) => {
            keyring
                .records_to_write()
                .remember_keychain_key(profile, &keys.access_key_id);
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

fn in_keychain_temporary(profile: &str) -> Error {
    Error::TemporaryKeys {
        origin: format!("the keychain entry of profile '{profile}'"),
    }
}

/// Long-term keys in the environment, unless aws-mfa put them there: variables from an
/// earlier `eval` (marked by `AWS_MFA_PROFILE`) are never the source of a new session.
pub(super) fn environment_keys(env: &Environment) -> Result<Option<LongTermKeys>, Error> {
    if env.os(MFA_PROFILE).is_some() {
        return Ok(None);
    }
    let (Some(access_key_id), Some(secret)) = (
        env.get("AWS_ACCESS_KEY_ID"),
        env.get("AWS_SECRET_ACCESS_KEY"),
    ) else {
        return Ok(None);
    };
    if env.get("AWS_SESSION_TOKEN").is_some() || is_temporary(access_key_id) {
        return Err(Error::TemporaryKeys {
            origin: "AWS_ACCESS_KEY_ID in the environment".into(),
        });
    }
    Ok(Some(LongTermKeys {
        access_key_id: access_key_id.to_owned(),
        secret_access_key: Secret::new(secret.to_owned()),
    }))
}

/// `ASIA…` keys are temporary (STS); GetSessionToken refuses them.
pub(super) fn is_temporary(access_key_id: &str) -> bool {
    access_key_id.starts_with("ASIA")
}
