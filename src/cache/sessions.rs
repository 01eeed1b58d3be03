//! The sessions store: one JSON file per entry, named by its `CacheKey`, each 0600 whatever
//! the umask, replaced atomically. Readers never trust an entry they did not write: a
//! corrupt, foreign, group- or world-readable entry, or a symbolic link, is a miss with a
//! warning. A lock file beside each entry serialises its makers (see `get_or_make`).

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use serde::{Deserialize, Serialize};

use super::dir::{PrivateDir, read_private_json, warn, write_private_json};
use super::key::CacheKey;
use super::lock::EntryLock;
use crate::session::{Credentials, Secret, rfc3339};

/// 2: an entry names the key it is filed under.
const FORMAT_VERSION: u32 = 2;
const ENTRY_SUFFIX: &str = ".json";
const LOCK_SUFFIX: &str = ".lock";

/// One cached set of credentials.
#[derive(Debug, Clone)]
pub struct Entry {
    /// The profile that asked for it last (for `status` and `clear`).
    pub profile: String,
    /// Who the credentials act as: the MFA device's ARN, or the assumed role's ARN.
    pub identity: String,
    pub credentials: Credentials,
    /// How long STS made them last (which may be less than asked); `None` for an entry
    /// written before this was kept.
    pub granted: Option<Duration>,
}

impl Entry {
    /// An entry for credentials STS just handed out: their lifetime is what is left now.
    pub fn fresh(profile: String, identity: String, credentials: Credentials) -> Self {
        let granted = credentials
            .expiration
            .duration_since(SystemTime::now())
            .unwrap_or_default();
        Entry {
            profile,
            identity,
            credentials,
            granted: Some(granted),
        }
    }

    /// Time left, zero when expired.
    pub fn time_left(&self) -> Duration {
        self.credentials
            .expiration
            .duration_since(SystemTime::now())
            .unwrap_or_default()
    }
}

/// An entry as it is written: plain strings, times in RFC 3339 UTC.
#[derive(Serialize, Deserialize)]
struct StoredEntry {
    version: u32,
    /// The key the entry is filed under: a file renamed or swapped is not what it says.
    #[serde(default)]
    key: String,
    profile: String,
    identity: String,
    access_key_id: String,
    secret_access_key: Secret,
    session_token: Secret,
    expiration: String,
    /// Seconds STS made the credentials last (absent in entries written before).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    granted_seconds: Option<u64>,
}

impl StoredEntry {
    fn new(key: &CacheKey, entry: &Entry) -> Self {
        let c = &entry.credentials;
        StoredEntry {
            version: FORMAT_VERSION,
            key: key.name().to_owned(),
            profile: entry.profile.clone(),
            identity: entry.identity.clone(),
            access_key_id: c.access_key_id.clone(),
            secret_access_key: c.secret_access_key.clone(),
            session_token: c.session_token.clone(),
            expiration: rfc3339(c.expiration),
            granted_seconds: entry.granted.map(|d| d.as_secs()),
        }
    }

    /// The entry, when it is sound and filed under `key` (its file name).
    fn into_entry(self, key: &str) -> Result<Entry, String> {
        if self.version != FORMAT_VERSION {
            return Err(format!(
                "it has format {}, not {FORMAT_VERSION}",
                self.version
            ));
        }
        if self.key != key {
            return Err("it was made for another session (its key is not its name); it was moved or swapped".into());
        }
        let secrets = [
            self.access_key_id.as_str(),
            self.secret_access_key.expose(),
            self.session_token.expose(),
        ];
        if secrets.iter().any(|s| s.chars().any(char::is_control)) {
            return Err("a credential in it holds a control character".into());
        }
        let expiration = humantime::parse_rfc3339(&self.expiration)
            .map_err(|_| "its expiration time is unreadable".to_owned())?;
        Ok(Entry {
            profile: self.profile,
            identity: self.identity,
            credentials: Credentials {
                access_key_id: self.access_key_id,
                secret_access_key: self.secret_access_key,
                session_token: self.session_token,
                expiration,
            },
            granted: self.granted_seconds.map(Duration::from_secs),
        })
    }
}

/// The sessions in the cache directory, or nothing when it cannot be used or is not to be
/// (`--no-cache`): then every read misses and every write is dropped.
#[derive(Clone)]
pub struct Sessions {
    dir: Option<PrivateDir>,
}

impl Sessions {
    /// No cache at all (`--no-cache`).
    pub fn disabled() -> Self {
        Sessions { dir: None }
    }

    /// The sessions as they are, for reading only (`status`): the directory is neither
    /// made nor tightened.
    pub fn inspect(location: Option<PathBuf>) -> Self {
        Sessions::in_dir(PrivateDir::inspect_for_reading(location))
    }

    pub(super) fn in_dir(dir: Option<PrivateDir>) -> Self {
        Sessions { dir }
    }

    fn path(&self, key: &CacheKey, suffix: &str) -> Option<PathBuf> {
        Some(self.dir.as_ref()?.file(&format!("{}{suffix}", key.name())))
    }

    /// The entry for `key` if there is a trustworthy one; a warning for an untrustworthy one.
    pub fn read(&self, key: &CacheKey) -> Option<Entry> {
        let path = self.path(key, ENTRY_SUFFIX)?;
        read_entry(&path)
            .map_err(|why| {
                if let Some(why) = why {
                    warn(&format!("ignoring cache entry {}: {why}", path.display()));
                }
            })
            .ok()
    }

    /// `read` without the warning: for a second look at an entry already warned about.
    pub fn read_silently(&self, key: &CacheKey) -> Option<Entry> {
        read_entry(&self.path(key, ENTRY_SUFFIX)?).ok()
    }

    /// Stores `entry` atomically as a private file; a failure is a warning, never an error.
    pub fn write(&self, key: &CacheKey, entry: &Entry) {
        if let Some(path) = self.path(key, ENTRY_SUFFIX) {
            write_private_json(&path, &StoredEntry::new(key, entry));
        }
    }

    /// Waits for the entry's lock (see `EntryLock::take`).
    pub fn lock(&self, key: &CacheKey) -> EntryLock {
        match self.path(key, LOCK_SUFFIX) {
            Some(path) => EntryLock::take(&path),
            None => EntryLock::none(),
        }
    }

    /// Every readable entry, with its file name, for `status` and `clear`.
    pub fn entries(&self) -> Vec<(PathBuf, Entry)> {
        let Some(dir) = &self.dir else {
            return Vec::new();
        };
        let mut entries: Vec<(PathBuf, Entry)> = dir
            .list(ENTRY_SUFFIX)
            .into_iter()
            .filter_map(|p| read_entry(&p).ok().map(|e| (p, e)))
            .collect();
        entries.sort_by(|a, b| (&a.1.profile, &a.1.identity).cmp(&(&b.1.profile, &b.1.identity)));
        entries
    }

    /// Every entry file, trusted or not (a swapped, corrupt or older entry may still hold
    /// a live secret), for `clear --all`.
    pub fn all_entry_files(&self) -> Vec<PathBuf> {
        self.dir
            .as_ref()
            .map(|dir| dir.list(ENTRY_SUFFIX))
            .unwrap_or_default()
    }

    /// Every entry file that says it is `profile`'s, trusted or not: a sound one by its
    /// contents, an untrusted one (swapped, older format, loose mode) by the profile it
    /// names, read without following links. A corrupt one names nobody.
    pub fn entry_files_of(&self, profile: &str) -> Vec<PathBuf> {
        self.all_entry_files()
            .into_iter()
            .filter(|path| match read_entry(path) {
                Ok(entry) => entry.profile == profile,
                Err(_) => named_profile(path).as_deref() == Some(profile),
            })
            .collect()
    }

    /// Removes an entry and its lock file.
    pub fn remove(&self, entry_path: &Path) -> std::io::Result<()> {
        std::fs::remove_file(entry_path)?;
        let _ = std::fs::remove_file(entry_path.with_extension("lock"));
        Ok(())
    }

    /// Removes the entry for `key`, if any. True when one was there.
    pub fn remove_key(&self, key: &CacheKey) -> bool {
        self.path(key, ENTRY_SUFFIX)
            .is_some_and(|path| self.remove(&path).is_ok())
    }

    /// Removes the temp files writers leave when killed between write and rename (each may
    /// hold a session); returns how many. For `clear --all`: young ones too.
    pub fn remove_temp_files(&self) -> usize {
        self.dir.as_ref().map_or(0, PrivateDir::remove_temp_files)
    }
}

/// The profile an entry names, read loosely (any format, any mode; never through a link).
fn named_profile(path: &Path) -> Option<String> {
    #[derive(Deserialize)]
    struct Named {
        profile: String,
    }
    let file = crate::regular_file::open(path, false).ok()?;
    let text = crate::regular_file::read_from(file, super::dir::FILE_LIMIT).ok()?;
    serde_json::from_slice::<Named>(&text)
        .ok()
        .map(|named| named.profile)
}

/// `Err(None)`: no entry. `Err(Some(why))`: an entry that must not be trusted.
fn read_entry(path: &Path) -> Result<Entry, Option<String>> {
    let name = path.file_name().unwrap_or_default().to_string_lossy();
    let key = name.strip_suffix(ENTRY_SUFFIX).unwrap_or(&name);
    read_private_json::<StoredEntry>(path)?
        .into_entry(key)
        .map_err(Some)
}
