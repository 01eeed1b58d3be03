//! Files on Unix: opened without blocking, told apart by kind, the empty device.

use std::fs::File;
use std::io;
use std::os::unix::fs::{FileTypeExt, OpenOptionsExt};
use std::path::Path;

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

/// The system's empty device: reads as an empty file, exists on every system, and no user
/// can remove it or make another file at its path.
pub fn empty_device() -> &'static Path {
    Path::new("/dev/null")
}
