//! A private directory on Windows (the cache's): mode bits mean nothing there, so privacy
//! is an owner-only DACL (`dacl.rs`).

use std::fs::{self, File, OpenOptions};
use std::path::Path;

use super::dacl;

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

/// A regular file of ours whose DACL lets no one else in.
pub fn check_private_file(file: &File) -> Result<(), Option<String>> {
    let meta = file.metadata().map_err(|e| Some(e.to_string()))?;
    if !meta.is_file() {
        return Err(Some("it is not a regular file".into()));
    }
    dacl::check_file_private(file).map_err(|why| Some(format!("{why}; it will be replaced")))
}

/// Creates the directory with an owner-only DACL (its parents as they come); one of ours
/// that is not private gets that DACL; one of another user's is refused.
pub fn make_private_dir(dir: &Path) -> std::io::Result<()> {
    if let Some(parent) = dir.parent() {
        fs::create_dir_all(parent)?;
    }
    dacl::create_private_dir(dir)?;
    match dacl::check_dir_private(dir) {
        Ok(()) => Ok(()),
        Err(not_private) if not_private.foreign => Err(std::io::Error::other(not_private.why)),
        Err(_) => {
            dacl::make_dir_private(dir)?;
            dacl::check_dir_private(dir).map_err(|e| std::io::Error::other(e.why))
        }
    }
}

/// Ours, and its DACL lets no one else in (what `make_private_dir` gives it).
pub fn check_own_dir(dir: &Path) -> Result<(), String> {
    if !dir.is_dir() {
        return Err("it is not a directory".into());
    }
    dacl::check_dir_private(dir).map_err(|e| e.why)
}

/// doctor's "nobody else can enter it": on Windows the same DACL check.
pub fn check_closed_dir(dir: &Path) -> Result<(), String> {
    check_own_dir(dir)
}

/// Windows: the directory's own DACL decides; the parents are not walked.
pub fn check_dir_chain(_dir: &Path) -> Result<(), String> {
    Ok(())
}

/// A temp file in `dir` named `prefix…`, created with an owner-only DACL.
pub fn private_tempfile(dir: &Path, prefix: &str) -> std::io::Result<tempfile::NamedTempFile> {
    tempfile::Builder::new()
        .prefix(prefix)
        .make_in(dir, dacl::create_private_file)
}

/// What a person does about a directory of theirs that others can enter or write in (after
/// "set AWS_MFA_CACHE_DIR elsewhere, or"): the next aws-mfa that writes the cache gives a
/// directory of the user's the owner-only DACL itself.
pub fn private_dir_repair(dir: &Path) -> String {
    format!(
        "run aws-mfa env once (it makes a directory of yours private), or remove {}: it is made again",
        dir.display()
    )
}
