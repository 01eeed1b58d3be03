//! Small records beside the sessions, which are not sessions and so are kept even with
//! `--no-cache`: the codes sent lately (a hash and a time), the MFA device found for a key,
//! and the key id of the keys `aws-mfa add` put in the keychain. Never a secret.

use std::path::PathBuf;
use std::time::{Duration, SystemTime};

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::dir::{PrivateDir, read_private_json, write_private_json};
use super::key::CacheKey;
use crate::session::rfc3339;

/// A one-time code stays valid, and so cannot be used again, for a few 30-second steps.
const CODE_WINDOW: Duration = Duration::from_secs(150);

/// The records in the cache directory, or nothing when it cannot be used.
#[derive(Clone)]
pub struct Records {
    dir: Option<PrivateDir>,
}

#[derive(Serialize, Deserialize)]
struct UsedCode {
    code_sha256: String,
    used_at: String,
}

#[derive(Serialize, Deserialize)]
struct KnownDevice {
    serial: String,
}

#[derive(Serialize, Deserialize)]
struct KeychainKey {
    access_key_id: String,
}

impl Records {
    /// The cache directory, made if need be (see `PrivateDir::open`).
    pub fn open(location: Option<PathBuf>) -> Self {
        Records::in_dir(PrivateDir::open(location))
    }

    /// The records as they are, for reading only: the directory is neither made nor
    /// tightened.
    pub fn inspect(location: Option<PathBuf>) -> Self {
        Records::in_dir(PrivateDir::inspect_for_reading(location))
    }

    /// No records (no usable cache directory).
    pub fn disabled() -> Self {
        Records { dir: None }
    }

    pub(super) fn in_dir(dir: Option<PrivateDir>) -> Self {
        Records { dir }
    }

    fn path(&self, kind: &str, about: &str) -> Option<PathBuf> {
        let key = CacheKey::hashed(kind, &[about]);
        Some(self.dir.as_ref()?.file(&format!("{}.record", key.name())))
    }

    /// The record of `kind` about `about`, when there is a trustworthy one.
    fn get<T: DeserializeOwned>(&self, kind: &str, about: &str) -> Option<T> {
        read_private_json(&self.path(kind, about)?).ok()
    }

    /// Writes the record of `kind` about `about` (a failure is a warning).
    fn put<T: Serialize>(&self, kind: &str, about: &str, record: &T) {
        if let Some(path) = self.path(kind, about) {
            write_private_json(&path, record);
        }
    }

    /// Whether `code` was sent for `serial` lately. STS answers a reused code exactly as a
    /// wrong one, so only this record can tell the user to wait for the next code.
    pub fn code_was_used(&self, serial: &str, code: &str) -> bool {
        let Some(record) = self.get::<UsedCode>("code", serial) else {
            return false;
        };
        let recent = humantime::parse_rfc3339(&record.used_at)
            .ok()
            .and_then(|at| SystemTime::now().duration_since(at).ok())
            .is_some_and(|age| age < CODE_WINDOW);
        recent && record.code_sha256 == code_hash(serial, code)
    }

    /// Remembers that `code` is being sent for `serial` (a hash and the time, nothing else).
    pub fn remember_code(&self, serial: &str, code: &str) {
        let record = UsedCode {
            code_sha256: code_hash(serial, code),
            used_at: rfc3339(SystemTime::now()),
        };
        self.put("code", serial, &record);
    }

    /// The MFA device found earlier for this access key (see `remember_device`).
    pub fn known_device(&self, access_key_id: &str) -> Option<String> {
        self.get::<KnownDevice>("device", access_key_id)
            .map(|d| d.serial)
    }

    /// Remembers the device ListMFADevices found, so the next run needs no lookup.
    pub fn remember_device(&self, access_key_id: &str, serial: &str) {
        let serial = serial.to_owned();
        self.put("device", access_key_id, &KnownDevice { serial });
    }

    /// The key id of the keys `aws-mfa add` put in the keychain for `profile`: what the
    /// cache key needs, so a cached session is found without asking the keychain. Never
    /// the secret.
    pub fn keychain_key_id(&self, profile: &str) -> Option<String> {
        self.get::<KeychainKey>("keychain", profile)
            .map(|k| k.access_key_id)
    }

    /// Records the key id of `profile`'s keychain entry (see `keychain_key_id`).
    pub fn remember_keychain_key(&self, profile: &str, access_key_id: &str) {
        let access_key_id = access_key_id.to_owned();
        self.put("keychain", profile, &KeychainKey { access_key_id });
    }

    /// Drops the record of `profile`'s keychain entry.
    pub fn forget_keychain_key(&self, profile: &str) {
        if let Some(path) = self.path("keychain", profile) {
            let _ = std::fs::remove_file(path);
        }
    }
}

fn code_hash(serial: &str, code: &str) -> String {
    let digest = Sha256::new()
        .chain_update(serial.as_bytes())
        .chain_update([0])
        .chain_update(code.as_bytes())
        .finalize();
    hex::encode(digest)
}
