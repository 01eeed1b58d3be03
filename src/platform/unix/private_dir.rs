//! A private directory on Unix (the cache's): modes and owners.

use std::fs::{self, File, OpenOptions};
use std::os::unix::fs::{DirBuilderExt, MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::Path;

use rustix::fs::OFlags;

fn uid() -> u32 {
    rustix::process::getuid().as_raw()
}

/// Opens (with `create`, makes 0600) a file without following a symbolic link, without
/// blocking on a FIFO and without taking a terminal.
pub fn open_no_follow(path: &Path, create: bool) -> std::io::Result<File> {
    let flags = OFlags::NOFOLLOW | OFlags::NONBLOCK | OFlags::NOCTTY;
    OpenOptions::new()
        .read(true)
        .write(create)
        .create(create)
        .truncate(false)
        .mode(0o600)
        .custom_flags(flags.bits() as i32)
        .open(path)
}

/// Whether an open failed because the path is a symbolic link (`O_NOFOLLOW`: `ELOOP`).
pub fn is_symlink_refusal(err: &std::io::Error) -> bool {
    err.raw_os_error() == Some(rustix::io::Errno::LOOP.raw_os_error())
}

/// A regular file of ours that nobody else can read.
pub fn check_private_file(file: &File) -> Result<(), Option<String>> {
    let meta = file.metadata().map_err(|e| Some(e.to_string()))?;
    if !meta.is_file() {
        return Err(Some("it is not a regular file".into()));
    }
    if meta.uid() != uid() {
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
    if meta.uid() != uid() {
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

/// Whether others can enter the directory at all (for `doctor`: such a directory of ours is
/// tightened to 0700 when it is next opened for use).
pub fn check_closed_dir(dir: &Path) -> Result<(), String> {
    let mode = fs::metadata(dir).map_err(|e| e.to_string())?.mode();
    if mode & 0o077 != 0 {
        return Err(format!("others can enter it (mode {:o})", mode & 0o777));
    }
    Ok(())
}

/// Every directory above `dir` (those that exist; as given and with links resolved),
/// checked as OpenSSH checks the directories above `~/.ssh`: owned by the user or root,
/// and not writable by others, who could otherwise swap what lies below for a link
/// of theirs. A sticky directory (`/tmp`) is fine: others cannot rename or remove what
/// is ours in it.
pub fn check_dir_chain(dir: &Path) -> Result<(), String> {
    let uid = uid();
    // The deepest part that exists, with links resolved: the directory itself is
    // checked by `check_own_dir`, only what is above it here.
    let existing = dir.ancestors().find(|a| a.exists()).unwrap_or(dir);
    let resolved = fs::canonicalize(existing).unwrap_or_default();
    let skip = usize::from(existing == dir);
    let given = dir.ancestors().skip(1);
    // Without a link on the way the resolved parents are the given ones: looked at once.
    let through_links = (resolved != existing)
        .then(|| resolved.ancestors().skip(skip))
        .into_iter()
        .flatten();
    for parent in given.chain(through_links) {
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
    if meta.uid() == uid() && meta.mode() & 0o777 != 0o700 {
        fs::set_permissions(dir, fs::Permissions::from_mode(0o700))?;
    }
    Ok(())
}

/// A temp file in `dir` named `prefix…`, 0600 whatever the umask.
pub fn private_tempfile(dir: &Path, prefix: &str) -> std::io::Result<tempfile::NamedTempFile> {
    tempfile::Builder::new()
        .prefix(prefix)
        .permissions(fs::Permissions::from_mode(0o600))
        .tempfile_in(dir)
}

/// What a person does about a directory of theirs that others can enter or write in (after
/// "set AWS_MFA_CACHE_DIR elsewhere, or").
pub fn private_dir_repair(dir: &Path) -> String {
    format!(
        "chmod 700 {} (or remove it: it is made again)",
        dir.display()
    )
}
