//! The cache: what is kept between runs, so one MFA prompt serves a session's life.
//!
//! One private directory (`dir`: made 0700, checked with the directories above it, files
//! read without following links and written atomically, temp files swept; `lock`: a lock
//! file with a bounded wait; modes, owners and DACLs are `platform`'s), and thin
//! stores on top of it: `Sessions` (the credentials themselves, with `get_or_make`) and
//! `Records` (used codes, found devices, keychain key ids: no session, and so kept even
//! with `--no-cache`). `doctor` and `status` look with `inspect`, which changes nothing.
//!
//! Nothing here touches the SDK: a cache hit is a file read.

mod dir;
mod key;
mod lock;
mod records;
mod reuse;
mod sessions;

use crate::environment::Environment;

pub use dir::{Inspection, PrivateDir, location};
pub use key::CacheKey;
pub use records::Records;
pub use reuse::{Reuse, Window};
pub use sessions::{Entry, Sessions};

/// The cache directory opened once for a run: its sessions (none when `use_sessions` is
/// false: `--no-cache`) and its records, which are kept either way.
pub fn open(env: &Environment, use_sessions: bool) -> (Sessions, Records) {
    let dir = PrivateDir::open(location(env));
    let sessions = if use_sessions {
        Sessions::in_dir(dir.clone())
    } else {
        Sessions::disabled()
    };
    (sessions, Records::in_dir(dir))
}

/// The stores of an inspected directory, for reading only: nothing is made or changed.
pub fn read_only(dir: &PrivateDir) -> (Sessions, Records) {
    (
        Sessions::in_dir(Some(dir.clone())),
        Records::in_dir(Some(dir.clone())),
    )
}

/// The directory as it is, changing nothing (see `PrivateDir::inspect`).
pub fn inspect(env: &Environment) -> Inspection {
    PrivateDir::inspect(location(env))
}
