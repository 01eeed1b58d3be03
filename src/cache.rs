//! `SessionCache`: sessions kept between runs, so one MFA prompt serves a session's life.
//!
//! One JSON file per entry, named by a hash of what makes the session (the source key id,
//! the MFA device, the role and its options), in a 0700 directory, each file 0600 whatever
//! the umask, replaced atomically (temp file + rename). Readers never trust an entry they
//! did not write: a corrupt, foreign, group- or world-readable entry, or a symbolic link,
//! is a miss with a warning. A lock file beside each entry serialises the processes that
//! would otherwise each ask STS (and the user) at once.
//!
//! Nothing here touches the SDK: a cache hit is a file read.

use std::fs::{self, File};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::session::{Credentials, Secret, rfc3339};

/// 2: an entry names the key it is filed under.
const FORMAT_VERSION: u32 = 2;
/// An entry is a few hundred bytes; anything much larger is not ours.
const ENTRY_LIMIT: u64 = 64 * 1024;
/// How long to wait for another aws-mfa making the same entry before saying so, and
/// before going on without its lock. The other one may be at a prompt, or running
/// `mfa_process` (a minute at most) and then STS (`--timeout`).
const LOCK_QUIET: Duration = Duration::from_secs(1);
const LOCK_LIMIT: Duration = Duration::from_secs(90);
const ENTRY_SUFFIX: &str = ".json";
const LOCK_SUFFIX: &str = ".lock";

/// What identifies a cache entry: a hash of everything that makes the session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CacheKey(String);

impl CacheKey {
    /// An MFA session: the long-term key that asked for it and the device.
    pub fn mfa_session(access_key_id: &str, serial: &str) -> Self {
        CacheKey::hashed("session", &[access_key_id, serial])
    }

    /// The base of roles assumed directly with the MFA code (`--no-session`).
    pub fn direct_mfa(access_key_id: &str, serial: &str) -> Self {
        CacheKey::hashed("direct", &[access_key_id, serial])
    }

    /// Role credentials assumed from `parent` (an MFA session or the previous role).
    pub fn role(parent: &CacheKey, parts: &[String]) -> Self {
        let mut all = vec![parent.0.as_str()];
        all.extend(parts.iter().map(String::as_str));
        CacheKey::hashed("role", &all)
    }

    fn hashed(kind: &str, parts: &[&str]) -> Self {
        let mut hash = Sha256::new();
        hash.update(kind.as_bytes());
        for part in parts {
            // Lengths keep ("ab","c") and ("a","bc") apart.
            hash.update((part.len() as u64).to_le_bytes());
            hash.update(part.as_bytes());
        }
        let digest = hash.finalize();
        let hex = hex::encode(&digest[..16]);
        CacheKey(format!("{kind}-{hex}"))
    }
}

/// One cached set of credentials.
#[derive(Debug, Clone)]
pub struct Entry {
    /// The profile that asked for it last (for `status` and `clear`).
    pub profile: String,
    /// Who the credentials act as: the MFA device's ARN, or the assumed role's ARN.
    pub identity: String,
    pub credentials: Credentials,
}

impl Entry {
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
    secret_access_key: String,
    session_token: String,
    expiration: String,
}

impl StoredEntry {
    fn new(key: &CacheKey, entry: &Entry) -> Self {
        let c = &entry.credentials;
        StoredEntry {
            version: FORMAT_VERSION,
            key: key.0.clone(),
            profile: entry.profile.clone(),
            identity: entry.identity.clone(),
            access_key_id: c.access_key_id.clone(),
            secret_access_key: c.secret_access_key.expose().to_owned(),
            session_token: c.session_token.expose().to_owned(),
            expiration: rfc3339(c.expiration),
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
            &self.access_key_id,
            &self.secret_access_key,
            &self.session_token,
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
                secret_access_key: Secret::new(self.secret_access_key),
                session_token: Secret::new(self.session_token),
                expiration,
            },
        })
    }
}

/// The cache directory, or nothing when it cannot be used (the command still works).
#[derive(Clone)]
pub struct SessionCache {
    dir: Option<PathBuf>,
}

/// Holds an entry's lock until dropped.
pub struct EntryLock {
    _file: Option<File>,
}

impl SessionCache {
    /// No cache at all (`--no-cache`).
    pub fn disabled() -> Self {
        SessionCache { dir: None }
    }

    /// `$AWS_MFA_CACHE_DIR`, else the platform cache dir (`~/.cache/aws-mfa` on Linux),
    /// created private. When it cannot be made, or cannot be trusted (see `check_dir`),
    /// one warning, and sessions are not cached.
    pub fn open() -> Self {
        let Some(dir) = cache_dir() else {
            warn_once(
                "no cache directory could be found (set AWS_MFA_CACHE_DIR); sessions will not be cached",
            );
            return SessionCache::disabled();
        };
        let usable = refuse_relative(&dir)
            .and_then(|()| check_parents(&dir))
            .and_then(|()| make_private_dir(&dir).map_err(|e| e.to_string()))
            .and_then(|()| check_dir(&dir));
        match usable {
            Ok(()) => SessionCache { dir: Some(dir) },
            Err(why) => {
                warn_once(&format!(
                    "cannot use the cache directory {}: {why}; sessions will not be cached",
                    dir.display()
                ));
                SessionCache::disabled()
            }
        }
    }

    /// The directory as it would be used (for `status` and `doctor`), without creating it.
    pub fn location() -> Option<PathBuf> {
        cache_dir()
    }

    fn path(&self, key: &CacheKey, suffix: &str) -> Option<PathBuf> {
        Some(self.dir.as_ref()?.join(format!("{}{suffix}", key.0)))
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

    /// Whether `code` was sent for `serial` lately. STS answers a reused code exactly as a
    /// wrong one, so only this record can tell the user to wait for the next code.
    pub fn code_was_used(&self, serial: &str, code: &str) -> bool {
        let Some(path) = self.record_path("code", serial) else {
            return false;
        };
        let Ok(record) = read_private_json::<UsedCode>(&path) else {
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
        if let Some(path) = self.record_path("code", serial) {
            let record = UsedCode {
                code_sha256: code_hash(serial, code),
                used_at: rfc3339(SystemTime::now()),
            };
            write_private_json(&path, &record);
        }
    }

    /// The MFA device found earlier for this access key (see `remember_device`).
    pub fn known_device(&self, access_key_id: &str) -> Option<String> {
        let path = self.record_path("device", access_key_id)?;
        read_private_json::<KnownDevice>(&path)
            .ok()
            .map(|d| d.serial)
    }

    /// Remembers the device ListMFADevices found, so the next run needs no lookup.
    pub fn remember_device(&self, access_key_id: &str, serial: &str) {
        if let Some(path) = self.record_path("device", access_key_id) {
            let device = KnownDevice {
                serial: serial.to_owned(),
            };
            write_private_json(&path, &device);
        }
    }

    /// The key id of the keys `aws-mfa add` put in the keychain for `profile`: what the
    /// cache key needs, so a cached session is found without asking the keychain. Never
    /// the secret.
    pub fn keychain_key_id(&self, profile: &str) -> Option<String> {
        let path = self.record_path("keychain", profile)?;
        read_private_json::<KeychainKey>(&path)
            .ok()
            .map(|k| k.access_key_id)
    }

    /// Records the key id of `profile`'s keychain entry (see `keychain_key_id`).
    pub fn remember_keychain_key(&self, profile: &str, access_key_id: &str) {
        if let Some(path) = self.record_path("keychain", profile) {
            let record = KeychainKey {
                access_key_id: access_key_id.to_owned(),
            };
            write_private_json(&path, &record);
        }
    }

    /// Drops the record of `profile`'s keychain entry.
    pub fn forget_keychain_key(&self, profile: &str) {
        if let Some(path) = self.record_path("keychain", profile) {
            let _ = fs::remove_file(path);
        }
    }

    fn record_path(&self, kind: &str, about: &str) -> Option<PathBuf> {
        let key = CacheKey::hashed(kind, &[about]);
        Some(self.dir.as_ref()?.join(format!("{}.record", key.0)))
    }

    /// Waits for the entry's lock (a separate file; the entry itself is replaced by rename):
    /// after a moment it says so, and after `LOCK_LIMIT` it goes on without the lock (the
    /// entry is still written atomically; at worst STS is asked twice).
    pub fn lock(&self, key: &CacheKey) -> EntryLock {
        let Some(path) = self.path(key, LOCK_SUFFIX) else {
            return EntryLock { _file: None };
        };
        let file = open_no_follow(&path, true).and_then(|file| {
            if file.metadata()?.is_file() {
                Ok(file)
            } else {
                Err(std::io::Error::other("it is not a regular file"))
            }
        });
        let file = match file {
            Ok(file) => file,
            Err(e) => {
                warn(&format!(
                    "cannot lock {}: {e}; going on without the lock",
                    path.display()
                ));
                return EntryLock { _file: None };
            }
        };
        let started = std::time::Instant::now();
        let (mut waited_at_all, mut said) = (false, false);
        loop {
            match file.try_lock() {
                Ok(()) => {
                    if waited_at_all {
                        tracing::info!(
                            "cache: lock taken after {}",
                            crate::duration::measured(started.elapsed())
                        );
                    }
                    return EntryLock { _file: Some(file) };
                }
                Err(std::fs::TryLockError::WouldBlock) if !waited_at_all => {
                    tracing::info!(
                        "cache: waiting for the lock: another aws-mfa is making this entry"
                    );
                    waited_at_all = true;
                }
                Err(std::fs::TryLockError::WouldBlock) => {}
                Err(std::fs::TryLockError::Error(e)) => {
                    warn(&format!(
                        "cannot lock {}: {e}; going on without the lock",
                        path.display()
                    ));
                    return EntryLock { _file: None };
                }
            }
            let waited = started.elapsed();
            if !said && waited >= LOCK_QUIET {
                crate::error::note(&format!(
                    "waiting for another aws-mfa that is making the same session (it may be asking for a code); at most {} s",
                    LOCK_LIMIT.as_secs()
                ));
                said = true;
            }
            if waited >= LOCK_LIMIT {
                warn(&format!(
                    "the other aws-mfa has not finished after {} s; going on without waiting for it",
                    LOCK_LIMIT.as_secs()
                ));
                return EntryLock { _file: None };
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Every readable entry, with its file name, for `status` and `clear`.
    pub fn entries(&self) -> Vec<(PathBuf, Entry)> {
        let Some(dir) = &self.dir else {
            return Vec::new();
        };
        let Ok(listing) = fs::read_dir(dir) else {
            return Vec::new();
        };
        let mut entries: Vec<(PathBuf, Entry)> = listing
            .flatten()
            .map(|e| e.path())
            .filter(|p| {
                p.file_name()
                    .and_then(|n| n.to_str())
                    .is_some_and(|n| n.ends_with(ENTRY_SUFFIX) && !n.starts_with('.'))
            })
            .filter_map(|p| read_entry(&p).ok().map(|e| (p, e)))
            .collect();
        entries.sort_by(|a, b| (&a.1.profile, &a.1.identity).cmp(&(&b.1.profile, &b.1.identity)));
        entries
    }

    /// Removes an entry and its lock file.
    pub fn remove(&self, entry_path: &Path) -> std::io::Result<()> {
        fs::remove_file(entry_path)?;
        let _ = fs::remove_file(entry_path.with_extension("lock"));
        Ok(())
    }

    /// Removes the temp files writers leave when killed between write and rename (each may
    /// hold a session); returns how many. For `clear --all`: young ones too.
    pub fn remove_temp_files(&self) -> usize {
        let Some(Ok(listing)) = self.dir.as_ref().map(fs::read_dir) else {
            return 0;
        };
        listing
            .flatten()
            .filter(|e| e.file_name().to_string_lossy().starts_with(".tmp-"))
            .filter(|e| fs::remove_file(e.path()).is_ok())
            .count()
    }

    /// Removes the entry for `key`, if any. True when one was there.
    pub fn remove_key(&self, key: &CacheKey) -> bool {
        self.path(key, ENTRY_SUFFIX)
            .is_some_and(|path| self.remove(&path).is_ok())
    }
}

/// A one-time code stays valid, and so cannot be used again, for a few 30-second steps.
const CODE_WINDOW: Duration = Duration::from_secs(150);

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

fn code_hash(serial: &str, code: &str) -> String {
    let digest = Sha256::new()
        .chain_update(serial.as_bytes())
        .chain_update([0])
        .chain_update(code.as_bytes())
        .finalize();
    hex::encode(digest)
}

/// Writes `value` as a private file, atomically; a failure is a warning, never an error.
fn write_private_json<T: Serialize>(path: &Path, value: &T) {
    let Some(dir) = path.parent() else {
        return;
    };
    let written = (|| -> std::io::Result<()> {
        let mut file = private_tempfile(dir)?;
        file.write_all(&serde_json::to_vec_pretty(value)?)?;
        file.as_file().sync_all()?;
        // rename replaces a symbolic link at `path` itself; it never writes through it.
        file.persist(path)?;
        Ok(())
    })();
    match written {
        Ok(()) => {
            let name = path.file_name().unwrap_or_default().to_string_lossy();
            tracing::info!("cache: wrote {name}");
            remove_stale_temp_files(dir);
        }
        Err(e) => warn(&format!("cannot write {}: {e}", path.display())),
    }
}

/// A temp file is removed when its writer finishes, but not when a signal kills the writer
/// between creating and renaming it: such leftovers (private, but holding credentials) are
/// swept on the next write. Only old ones: a young one may be another process's, mid-write.
fn remove_stale_temp_files(dir: &Path) {
    const STALE: Duration = Duration::from_secs(60);
    let Ok(listing) = fs::read_dir(dir) else {
        return;
    };
    for entry in listing.flatten() {
        let stale = entry
            .metadata()
            .ok()
            .and_then(|m| m.modified().ok())
            .and_then(|at| at.elapsed().ok())
            .is_some_and(|age| age > STALE);
        if stale && entry.file_name().to_string_lossy().starts_with(".tmp-") {
            let _ = fs::remove_file(entry.path());
        }
    }
}

fn cache_dir() -> Option<PathBuf> {
    match std::env::var_os("AWS_MFA_CACHE_DIR").filter(|d| !d.is_empty()) {
        Some(dir) => Some(PathBuf::from(dir)),
        None => dirs::cache_dir().map(|d| d.join("aws-mfa")),
    }
}

/// `Err(None)`: no entry. `Err(Some(why))`: an entry that must not be trusted.
fn read_entry(path: &Path) -> Result<Entry, Option<String>> {
    let name = path.file_name().unwrap_or_default().to_string_lossy();
    let key = name.strip_suffix(ENTRY_SUFFIX).unwrap_or(&name);
    read_private_json::<StoredEntry>(path)?
        .into_entry(key)
        .map_err(Some)
}

/// A private JSON file of ours. `Err(None)`: there is none; `Err(Some(why))`: there is one
/// that must not be trusted.
fn read_private_json<T: serde::de::DeserializeOwned>(path: &Path) -> Result<T, Option<String>> {
    // Without blocking: a FIFO planted in place of an entry must not hang the run.
    let file = match crate::regular_file::open(path, false) {
        Ok(file) => file,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Err(None),
        Err(e) if is_symlink_refusal(&e) => {
            return Err(Some(
                "it is a symbolic link, which is never followed".into(),
            ));
        }
        Err(e) => return Err(Some(format!("cannot read it: {e}"))),
    };
    check_private(&file)?;
    let text = crate::regular_file::read_from(file, ENTRY_LIMIT)
        .map_err(|e| Some(format!("cannot read it: {e}")))?;
    serde_json::from_slice(&text).map_err(|_| Some("it is corrupt or not ours".to_owned()))
}

fn warn(message: &str) {
    crate::error::warn(message);
}

/// A warning about the cache as a whole is given once per process, however often the
/// cache is opened.
fn warn_once(message: &str) {
    static GIVEN: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);
    if !GIVEN.swap(true, std::sync::atomic::Ordering::Relaxed) {
        warn(message);
    }
}

/// A relative directory would put sessions under whatever the current directory is.
fn refuse_relative(dir: &Path) -> Result<(), String> {
    if dir.is_relative() {
        return Err(
            "AWS_MFA_CACHE_DIR is a relative path, which would put sessions under the current directory; give an absolute one".into(),
        );
    }
    Ok(())
}

/// Whether `dir` (existing) can hold sessions: why not, in words. For `doctor` too.
pub fn check_dir(dir: &Path) -> Result<(), String> {
    refuse_relative(dir)?;
    check_parents(dir)?;
    check_own_dir(dir)
}

#[cfg(unix)]
mod platform {
    use std::fs::{self, File, OpenOptions};
    use std::os::unix::fs::{DirBuilderExt, MetadataExt, OpenOptionsExt, PermissionsExt};
    use std::path::Path;

    pub fn open_no_follow(path: &Path, create: bool) -> std::io::Result<File> {
        OpenOptions::new()
            .read(true)
            .write(create)
            .create(create)
            .truncate(false)
            .mode(0o600)
            .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK | libc::O_NOCTTY)
            .open(path)
    }

    pub fn is_symlink_refusal(err: &std::io::Error) -> bool {
        err.raw_os_error() == Some(libc::ELOOP)
    }

    /// A regular file of ours that nobody else can read.
    pub fn check_private(file: &File) -> Result<(), Option<String>> {
        let meta = file.metadata().map_err(|e| Some(e.to_string()))?;
        if !meta.is_file() {
            return Err(Some("it is not a regular file".into()));
        }
        // SAFETY: getuid has no preconditions.
        if meta.uid() != unsafe { libc::getuid() } {
            return Err(Some("it belongs to another user".into()));
        }
        if meta.mode() & 0o077 != 0 {
            return Err(Some(format!(
                "other users can read it (mode {:o}); it will be replaced",
                meta.mode() & 0o777
            )));
        }
        Ok(())
    }

    /// The directory itself: a directory of ours that nobody else can write in.
    pub fn check_own_dir(dir: &Path) -> Result<(), String> {
        let meta = fs::metadata(dir).map_err(|e| e.to_string())?;
        if !meta.is_dir() {
            return Err("it is not a directory".into());
        }
        // SAFETY: getuid has no preconditions.
        if meta.uid() != unsafe { libc::getuid() } {
            return Err(format!(
                "it belongs to another user (uid {}), who could read and plant sessions",
                meta.uid()
            ));
        }
        if meta.mode() & 0o022 != 0 {
            return Err(format!(
                "other users can write in it (mode {:o})",
                meta.mode() & 0o777
            ));
        }
        Ok(())
    }

    /// Every directory above `dir` (those that exist; as given and with links resolved),
    /// checked as OpenSSH checks the directories above `~/.ssh`: owned by the user or root,
    /// and not writable by others, who could otherwise swap what lies below for a link
    /// of theirs. A sticky directory (`/tmp`) is fine: others cannot rename or remove what
    /// is ours in it.
    pub fn check_parents(dir: &Path) -> Result<(), String> {
        // SAFETY: getuid has no preconditions.
        let uid = unsafe { libc::getuid() };
        // The deepest part that exists, with links resolved: the directory itself is
        // checked by `check_own_dir`, only what is above it here.
        let existing = dir.ancestors().find(|a| a.exists()).unwrap_or(dir);
        let resolved = fs::canonicalize(existing).unwrap_or_default();
        let skip = usize::from(existing == dir);
        let given = dir.ancestors().skip(1);
        for parent in given.chain(resolved.ancestors().skip(skip)) {
            let Ok(meta) = fs::metadata(parent) else {
                continue;
            };
            let shown = parent.display();
            if meta.uid() != uid && meta.uid() != 0 {
                return Err(format!(
                    "{shown} above it belongs to another user (uid {}), who could replace it",
                    meta.uid()
                ));
            }
            if meta.mode() & 0o022 != 0 && meta.mode() & 0o1000 == 0 {
                return Err(format!(
                    "other users can write in {shown} above it (mode {:o}), and could replace it",
                    meta.mode() & 0o777
                ));
            }
        }
        Ok(())
    }

    /// Creates the directory 0700 whatever the umask; tightens one of ours that is looser.
    pub fn make_private_dir(dir: &Path) -> std::io::Result<()> {
        fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)?;
        let meta = fs::metadata(dir)?;
        // SAFETY: getuid has no preconditions.
        if meta.uid() == unsafe { libc::getuid() } && meta.mode() & 0o777 != 0o700 {
            fs::set_permissions(dir, fs::Permissions::from_mode(0o700))?;
        }
        Ok(())
    }

    /// A temp file in `dir`, 0600 whatever the umask.
    pub fn private_tempfile(dir: &Path) -> std::io::Result<tempfile::NamedTempFile> {
        tempfile::Builder::new()
            .prefix(".tmp-")
            .permissions(fs::Permissions::from_mode(0o600))
            .tempfile_in(dir)
    }
}

#[cfg(windows)]
mod platform {
    use std::fs::{self, File, OpenOptions};
    use std::path::Path;

    pub fn open_no_follow(path: &Path, create: bool) -> std::io::Result<File> {
        if fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink()) {
            return Err(std::io::Error::other("symbolic link"));
        }
        OpenOptions::new()
            .read(true)
            .write(create)
            .create(create)
            .truncate(false)
            .open(path)
    }

    pub fn is_symlink_refusal(err: &std::io::Error) -> bool {
        err.to_string() == "symbolic link"
    }

    use crate::platform::windows;

    /// A regular file of ours whose DACL lets no one else in (mode bits mean nothing here).
    pub fn check_private(file: &File) -> Result<(), Option<String>> {
        let meta = file.metadata().map_err(|e| Some(e.to_string()))?;
        if !meta.is_file() {
            return Err(Some("it is not a regular file".into()));
        }
        windows::check_file_private(file).map_err(|why| Some(format!("{why}; it will be replaced")))
    }

    /// Creates the directory with an owner-only DACL (its parents as they come); one of
    /// ours that is not private gets that DACL; one of another user's is refused.
    pub fn make_private_dir(dir: &Path) -> std::io::Result<()> {
        if let Some(parent) = dir.parent() {
            fs::create_dir_all(parent)?;
        }
        windows::create_private_dir(dir)?;
        match windows::check_dir_private(dir) {
            Ok(()) => Ok(()),
            Err(not_private) if not_private.foreign => Err(std::io::Error::other(not_private.why)),
            Err(_) => {
                windows::make_dir_private(dir)?;
                windows::check_dir_private(dir).map_err(|e| std::io::Error::other(e.why))
            }
        }
    }

    /// Ours, and its DACL lets no one else in (what `make_private_dir` gives it).
    pub fn check_own_dir(dir: &Path) -> Result<(), String> {
        if !dir.is_dir() {
            return Err("it is not a directory".into());
        }
        windows::check_dir_private(dir).map_err(|e| e.why)
    }

    /// Windows: the directory's own DACL decides; the parents are not walked.
    pub fn check_parents(_dir: &Path) -> Result<(), String> {
        Ok(())
    }

    /// A temp file in `dir`, created with an owner-only DACL.
    pub fn private_tempfile(dir: &Path) -> std::io::Result<tempfile::NamedTempFile> {
        tempfile::Builder::new()
            .prefix(".tmp-")
            .make_in(dir, windows::create_private_file)
    }
}

use platform::{
    check_own_dir, check_parents, check_private, is_symlink_refusal, make_private_dir,
    open_no_follow, private_tempfile,
};

#[cfg(test)]
mod tests {
    use super::CacheKey;

    #[test]
    fn keys_change_with_every_part() {
        let a = CacheKey::mfa_session("AKIA1", "arn:mfa/a");
        assert_eq!(a, CacheKey::mfa_session("AKIA1", "arn:mfa/a"));
        assert_ne!(a, CacheKey::mfa_session("AKIA2", "arn:mfa/a"));
        assert_ne!(a, CacheKey::mfa_session("AKIA1", "arn:mfa/b"));
        assert_ne!(
            CacheKey::mfa_session("ab", "c"),
            CacheKey::mfa_session("a", "bc")
        );
        let parts = |ext: &str| ["arn:role/x".to_owned(), ext.to_owned()];
        let role = CacheKey::role(&a, &parts(""));
        assert_ne!(role, CacheKey::role(&a, &parts("ext")));
        assert_ne!(
            CacheKey::role(&CacheKey::direct_mfa("AKIA1", "arn:mfa/a"), &parts("")),
            role
        );
        assert!(role.0.starts_with("role-"));
    }
}
