//! Files on Unix: opened without blocking, told apart by kind, a private temporary directory.

use std::fs::File;
use std::io;
use std::os::unix::fs::{FileTypeExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

/// Opens `path` for reading without blocking (a FIFO with no writer opens at once) and
/// without taking a terminal; with `follow_links` false a symbolic link is refused
/// (`O_NOFOLLOW`, error `ELOOP`).
pub fn open_nonblocking(path: &Path, follow_links: bool) -> io::Result<File> {
    let mut flags = libc::O_NONBLOCK | libc::O_NOCTTY;
    if !follow_links {
        flags |= libc::O_NOFOLLOW;
    }
    std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(flags)
        .open(path)
}

/// What a file that is neither a regular file nor a directory is, in words, when this
/// platform has a word for it.
pub fn special_kind(meta: &std::fs::Metadata) -> Option<&'static str> {
    let t = meta.file_type();
    if t.is_fifo() {
        return Some("a FIFO (named pipe)");
    }
    if t.is_char_device() || t.is_block_device() {
        return Some("a device");
    }
    if t.is_socket() {
        return Some("a socket");
    }
    None
}

/// A new temporary directory that only the user may open (0700), named `prefix…`; the
/// path to keep private files in (here the directory itself). The directory goes when
/// the returned value is dropped.
pub fn private_tempdir(prefix: &str) -> io::Result<(tempfile::TempDir, PathBuf)> {
    let dir = tempfile::Builder::new()
        .prefix(prefix)
        .permissions(std::fs::Permissions::from_mode(0o700))
        .tempdir()?;
    let inner = dir.path().to_path_buf();
    Ok((dir, inner))
}
