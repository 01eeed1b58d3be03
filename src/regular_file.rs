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
    let file = crate::platform::open_nonblocking(path, follow_links)?;
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

/// What a file that is not a regular file is, in words.
pub fn kind(meta: &std::fs::Metadata) -> &'static str {
    if let Some(special) = crate::platform::special_kind(meta) {
        special
    } else if meta.is_dir() {
        "a directory"
    } else {
        "something else"
    }
}
