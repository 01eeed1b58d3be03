//! Files on Windows: opened as they are (named pipes and devices do not live among files),
//! the empty device.

use std::fs::File;
use std::io;
use std::path::Path;

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

/// The system's empty device: reads as an empty file, and no user can remove it or make
/// another file at its path.
pub fn empty_device() -> &'static Path {
    Path::new("NUL")
}
