//! The private directory every store keeps its files in: made 0700 (tightened when looser),
//! refused when it or a directory above it could be swapped by someone else. Its files are
//! read without following links or blocking, trusted only when private and ours, and
//! written atomically (a private temp file renamed into place). What differs by platform
//! (modes and owners, or DACLs) is behind `platform`'s private-directory functions.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Serialize;

use crate::environment::Environment;
use serde::de::DeserializeOwned;

use crate::platform::{
    check_closed_dir, check_dir_chain, check_own_dir, check_private_file, is_symlink_refusal,
    make_private_dir, private_tempfile,
};

/// How the names of temp files begin (files being written, or left by a killed writer).
const TEMP_PREFIX: &str = ".tmp-";
/// A file of ours is a few hundred bytes; anything much larger is not ours.
pub(super) const FILE_LIMIT: u64 = 64 * 1024;

/// A checked cache directory.
#[derive(Clone)]
pub struct PrivateDir {
    path: PathBuf,
}

/// What a look at the cache directory found, changing nothing (`doctor`, `status`).
pub enum Inspection {
    /// No directory could be named (no home, no `AWS_MFA_CACHE_DIR`).
    Nowhere,
    /// Not there yet: made on first use.
    NotMade(PathBuf),
    /// There (or relative), but not to be trusted with sessions: why, in words.
    Unusable(PathBuf, String),
    Usable(PrivateDir),
}

impl PrivateDir {
    /// `$AWS_MFA_CACHE_DIR`, else the platform cache dir (`~/.cache/aws-mfa` on Linux),
    /// created private. When it cannot be made, or cannot be trusted, one warning, and
    /// nothing is kept.
    pub fn open(location: Option<PathBuf>) -> Option<Self> {
        let Some(dir) = location else {
            warn_once(
                "no cache directory could be found (set AWS_MFA_CACHE_DIR); sessions will not be cached",
            );
            return None;
        };
        let usable = refuse_relative(&dir)
            .and_then(|()| check_dir_chain(&dir))
            .and_then(|()| make_private_dir(&dir).map_err(not_made))
            // The parents were checked before anything was made under them.
            .and_then(|()| check_own_dir(&dir));
        match usable {
            Ok(()) => Some(PrivateDir { path: dir }),
            Err(why) => {
                warn_unusable(&dir, &why);
                None
            }
        }
    }

    /// The directory as it is, made or changed in nothing: a loose directory stays loose.
    pub fn inspect(location: Option<PathBuf>) -> Inspection {
        let Some(dir) = location else {
            return Inspection::Nowhere;
        };
        if !dir.exists() && dir.is_absolute() {
            return Inspection::NotMade(dir);
        }
        match check_dir(&dir) {
            Ok(()) => Inspection::Usable(PrivateDir { path: dir }),
            Err(why) => Inspection::Unusable(dir, why),
        }
    }

    /// `inspect` for a reader: the directory when it is there and usable, with the warning
    /// `open` would give when it is not.
    pub fn inspect_for_reading(location: Option<PathBuf>) -> Option<Self> {
        match Self::inspect(location) {
            Inspection::Usable(dir) => Some(dir),
            Inspection::Unusable(dir, why) => {
                warn_unusable(&dir, &why);
                None
            }
            Inspection::Nowhere | Inspection::NotMade(_) => None,
        }
    }

    /// A directory taken as it is, unchecked: for the stores' unit tests.
    #[cfg(test)]
    pub(super) fn unchecked(path: &Path) -> Self {
        PrivateDir {
            path: path.to_owned(),
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The path of the file `name` in the directory.
    pub fn file(&self, name: &str) -> PathBuf {
        self.path.join(name)
    }

    /// Nobody else can even enter it (stricter than usable: `doctor` says so), and a file
    /// can be made in it.
    pub fn check_closed_and_writable(&self) -> Result<(), String> {
        check_closed_dir(&self.path)?;
        tempfile::tempfile_in(&self.path).map_err(|e| format!("cannot write in it: {e}"))?;
        Ok(())
    }

    /// The files whose names end in `suffix` (not hidden ones: temp files).
    pub fn list(&self, suffix: &str) -> Vec<PathBuf> {
        let Ok(listing) = fs::read_dir(&self.path) else {
            return Vec::new();
        };
        listing
            .flatten()
            .map(|e| e.path())
            .filter(|p| {
                p.file_name()
                    .and_then(|n| n.to_str())
                    .is_some_and(|n| n.ends_with(suffix) && !n.starts_with('.'))
            })
            .collect()
    }

    /// Removes the temp files writers leave when killed between write and rename (each may
    /// hold a session); returns how many. For `clear --all`: young ones too.
    pub fn remove_temp_files(&self) -> usize {
        let Ok(listing) = fs::read_dir(&self.path) else {
            return 0;
        };
        listing
            .flatten()
            .filter(|e| e.file_name().to_string_lossy().starts_with(TEMP_PREFIX))
            .filter(|e| fs::remove_file(e.path()).is_ok())
            .count()
    }
}

/// Where the cache directory is, whether or not it exists.
pub fn location(env: &Environment) -> Option<PathBuf> {
    match env.non_empty_os("AWS_MFA_CACHE_DIR") {
        Some(dir) => Some(PathBuf::from(dir)),
        None => dirs::cache_dir().map(|d| d.join("aws-mfa")),
    }
}

/// Whether `dir` (existing) can hold sessions: why not, in words.
fn check_dir(dir: &Path) -> Result<(), String> {
    refuse_relative(dir)?;
    check_dir_chain(dir)?;
    check_own_dir(dir)
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

/// Why the directory could not be made. Something already there that is not a directory
/// is named as what it is, not as the "File exists" that making a directory over it says
/// (told only on failure: a run that finds its directory pays for nothing).
fn not_made(err: std::io::Error) -> String {
    if err.kind() == std::io::ErrorKind::AlreadyExists {
        "it is a file, not a directory; remove it or set AWS_MFA_CACHE_DIR elsewhere".into()
    } else {
        err.to_string()
    }
}

/// A private JSON file of ours. `Err(None)`: there is none; `Err(Some(why))`: there is one
/// that must not be trusted.
pub fn read_private_json<T: DeserializeOwned>(path: &Path) -> Result<T, Option<String>> {
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
    check_private_file(&file)?;
    let text = crate::regular_file::read_from(file, FILE_LIMIT)
        .map_err(|e| Some(format!("cannot read it: {e}")))?;
    serde_json::from_slice(&text).map_err(|_| Some("it is corrupt or not ours".to_owned()))
}

/// Writes `value` as a private file, atomically; a failure is a warning, never an error.
pub fn write_private_json<T: Serialize>(path: &Path, value: &T) {
    let Some(dir) = path.parent() else {
        return;
    };
    let written = (|| -> std::io::Result<()> {
        let mut file = private_tempfile(dir, TEMP_PREFIX)?;
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
        if stale && entry.file_name().to_string_lossy().starts_with(TEMP_PREFIX) {
            let _ = fs::remove_file(entry.path());
        }
    }
}

pub fn warn(message: &str) {
    crate::error::warn(message);
}

fn warn_unusable(dir: &Path, why: &str) {
    warn_once(&format!(
        "cannot use the cache directory {}: {why}; sessions will not be cached",
        dir.display()
    ));
}

/// A warning about the cache as a whole is given once per process, however often the
/// cache is opened.
fn warn_once(message: &str) {
    static GIVEN: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);
    if !GIVEN.swap(true, std::sync::atomic::Ordering::Relaxed) {
        warn(message);
    }
}
