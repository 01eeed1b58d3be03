//! Files on Windows: opened as they are (named pipes and devices do not live among files),
//! a private temporary directory.

use std::fs::File;
use std::io;
use std::path::{Path, PathBuf};

/// Opens `path` for reading; with `follow_links` false a symbolic link is refused (by
/// looking: there is no no-follow open).
pub fn open_nonblocking(path: &Path, follow_links: bool) -> io::Result<File> {
    if !follow_links && std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink()) {
        return Err(io::Error::other("it is a symbolic link"));
    }
    File::open(path)
}

/// Windows has no FIFOs, devices or sockets among files.
pub fn special_kind(_meta: &std::fs::Metadata) -> Option<&'static str> {
    None
}

/// A new temporary directory named `prefix…`, and inside it the path to keep private files
/// in: the temporary directory's own ACL is inherited from its parent, so an inner one is
/// made with the user's (`dacl::create_private_dir`). Both go when the returned value is
/// dropped.
pub fn private_tempdir(prefix: &str) -> io::Result<(tempfile::TempDir, PathBuf)> {
    let dir = tempfile::Builder::new().prefix(prefix).tempdir()?;
    let inner = dir.path().join("private");
    super::dacl::create_private_dir(&inner)?;
    Ok((dir, inner))
}
