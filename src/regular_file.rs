//! Reading a file that a setting names (`AWS_CONFIG_FILE`, `AWS_CA_BUNDLE`, a cache entry):
//! only a regular file, opened without blocking, and only up to a size. A FIFO or a device
//! in its place (planted, or named by mistake: `/dev/zero`) would otherwise hang the read
//! or fill the memory.

use std::fs::File;
use std::io::{self, Read};
use std::path::Path;

/// Opens `path` for reading without blocking (a FIFO with no writer opens at once) and
/// refuses anything but a regular file. With `follow_links` false a symbolic link is
/// refused too (Unix: `O_NOFOLLOW`, error `ELOOP`).
pub fn open(path: &Path, follow_links: bool) -> io::Result<File> {
    let file = open_nonblocking(path, follow_links)?;
    let meta = file.metadata()?;
    if !meta.is_file() {
        return Err(io::Error::other(format!(
            "it is not a regular file but {}",
            kind(&meta)
        )));
    }
    Ok(file)
}

/// The whole of a regular file of at most `limit` bytes (see `open`).
pub fn read(path: &Path, limit: u64) -> io::Result<Vec<u8>> {
    read_from(open(path, true)?, limit)
}

/// The rest of `file`, refused when it is larger than `limit` bytes.
pub fn read_from(file: File, limit: u64) -> io::Result<Vec<u8>> {
    let mut data = Vec::new();
    file.take(limit + 1).read_to_end(&mut data)?;
    if data.len() as u64 > limit {
        return Err(io::Error::other(format!(
            "it is larger than {} KiB, which no such file is",
            limit / 1024
        )));
    }
    Ok(data)
}

#[cfg(unix)]
fn open_nonblocking(path: &Path, follow_links: bool) -> io::Result<File> {
    use std::os::unix::fs::OpenOptionsExt;
    let mut flags = libc::O_NONBLOCK | libc::O_NOCTTY;
    if !follow_links {
        flags |= libc::O_NOFOLLOW;
    }
    std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(flags)
        .open(path)
}

#[cfg(not(unix))]
fn open_nonblocking(path: &Path, follow_links: bool) -> io::Result<File> {
    // Named pipes and devices do not live among files here; a link is refused by looking.
    if !follow_links && std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink()) {
        return Err(io::Error::other("it is a symbolic link"));
    }
    File::open(path)
}

/// What a file that is not a regular file is, in words.
pub fn kind(meta: &std::fs::Metadata) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        let t = meta.file_type();
        if t.is_fifo() {
            return "a FIFO (named pipe)";
        }
        if t.is_char_device() || t.is_block_device() {
            return "a device";
        }
        if t.is_socket() {
            return "a socket";
        }
    }
    if meta.is_dir() {
        "a directory"
    } else {
        "something else"
    }
}
