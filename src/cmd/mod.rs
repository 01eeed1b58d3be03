//! One file per subcommand.

pub mod env;
pub mod exec;

use std::io::Write;

/// Writes the whole output to stdout at once. A closed pipe is not an error (the reader
/// went away on purpose, as with `| head`).
pub fn print(text: &str) -> std::io::Result<()> {
    let mut stdout = std::io::stdout().lock();
    match stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
    {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => other,
    }
}
