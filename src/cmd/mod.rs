//! One file per subcommand, each with the same `run`: its arguments and the environment
//! in, an exit code out. `run` here is the one dispatch.

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
pub mod profiles;
pub mod remove;
pub mod rotate;
pub mod status;

use std::io::Write;
use std::process::ExitCode;

use crate::cli::Command;
use crate::environment::Environment;
use crate::error::Error;

/// Runs one command to its exit code.
pub fn run(command: &Command, env: &Environment) -> Result<ExitCode, Error> {
    match command {
        Command::Env(args) => env::run(args, env),
        Command::Exec(args) => exec::run(args, env),
        Command::CredentialProcess(args) => credential_process::run(args, env),
        Command::Doctor(args) => doctor::run(args, env),
        Command::Status(args) => status::run(args, env),
        Command::Clear(args) => clear::run(args, env),
        Command::Init(args) => init::run(args, env),
        Command::Completions(args) => completions::run(args, env),
        Command::Console(args) => console::run(args, env),
        Command::Policy(args) => policy::run(args, env),
        Command::Man(args) => man::run(args, env),
        Command::Profiles(args) => profiles::run(args, env),
        // Keys in the OS keychain.
        Command::Add(args) => add::run(args, env),
        Command::Remove(args) => remove::run(args, env),
        Command::Rotate(args) => rotate::run(args, env),
    }
}

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
