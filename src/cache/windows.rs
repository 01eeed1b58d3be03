//! The private directory's Windows side, behind the same functions as `unix.rs`.

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

/// The profile directory's ACL keeps other users out on Windows.
pub fn check_private(_file: &File) -> Result<(), Option<String>> {
    Ok(())
}

pub fn make_private_dir(dir: &Path) -> std::io::Result<()> {
    fs::create_dir_all(dir)
}

/// Windows: the owner-only DACL is checked by the Windows side.
pub fn check_own_dir(dir: &Path) -> Result<(), String> {
    if !dir.is_dir() {
        return Err("it is not a directory".into());
    }
    Ok(())
}

pub fn check_closed_dir(_dir: &Path) -> Result<(), String> {
    Ok(())
}

pub fn check_dir_chain(_dir: &Path) -> Result<(), String> {
    Ok(())
}

pub fn private_tempfile(dir: &Path) -> std::io::Result<tempfile::NamedTempFile> {
    tempfile::Builder::new()
        .prefix(super::dir::TEMP_PREFIX)
        .tempfile_in(dir)
}
