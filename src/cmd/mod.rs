//! One file per subcommand.

pub mod add;
pub mod clear;
pub mod completions;
pub mod console;
pub mod credential_process;
pub mod doctor;
pub mod env;
pub mod exec;
pub mod init;
pub mod man;
pub mod policy;
pub mod remove;
pub mod rotate;
pub mod status;

use std::io::Write;

use crate::error::Error;

/// Writes the whole output to stdout at once. A closed pipe is not an error (the reader
/// went away on purpose, as with `| head`).
pub fn print(text: &str) -> Result<(), Error> {
    let mut stdout = std::io::stdout().lock();
    match stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
    {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => other.map_err(|e| Error::Write {
            path: "stdout".into(),
            why: e.to_string(),
        }),
    }
}
