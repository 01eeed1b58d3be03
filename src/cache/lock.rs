//! A lock file beside a cache file: it serialises the processes that would otherwise each
//! ask STS (and the user) at once. The wait is bounded: a holder that never lets go delays
//! the others, it never stops them.

use std::fs::File;
use std::path::Path;
use std::time::{Duration, Instant};

use super::dir::warn;
use crate::platform::open_no_follow;

/// How long to wait for another aws-mfa making the same entry before saying so, and
/// before going on without its lock. The other one may be at a prompt, or running
/// `mfa_process` (a minute at most) and then STS (`--timeout`).
const LOCK_QUIET: Duration = Duration::from_secs(1);
const LOCK_LIMIT: Duration = Duration::from_secs(90);

/// Holds a lock until dropped (or holds nothing, when it could not be taken).
pub struct EntryLock {
    _file: Option<File>,
}

impl EntryLock {
    /// No lock: nothing to serialise (no cache directory).
    pub fn none() -> Self {
        EntryLock { _file: None }
    }

    /// Waits for the lock at `path` (a separate file; the entry itself is replaced by
    /// rename): after a moment it says so, and after `LOCK_LIMIT` it goes on without the
    /// lock (the entry is still written atomically; at worst STS is asked twice).
    pub fn take(path: &Path) -> Self {
        let file = open_no_follow(path, true).and_then(|file| {
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
                return EntryLock::none();
            }
        };
        let started = Instant::now();
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
                    return EntryLock::none();
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
                return EntryLock::none();
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}
