//! aws-mfa: temporary AWS credentials from long-term keys and an MFA code, handed over
//! through the environment only. The binary is `main.rs`; everything else lives here. Only
//! what `main` (`cli`, `error`, `verbose`) and the tests (`environment`, `session`, `shell`)
//! reach is public, so the compiler reports whatever nothing uses.

mod aws;
mod cache;
pub mod cli;
mod cmd;
mod device;
mod duration;
pub mod environment;
pub mod error;
mod federation;
mod keychain;
mod mfa;
mod obtain;
mod plan;
mod platform;
mod profile;
mod regular_file;
mod server;
pub mod session;
pub mod shell;
pub mod verbose;

#[cfg(test)]
mod room_sizes;

use std::process::ExitCode;

use cli::Cli;
use error::Error;

/// Runs one command line to its exit code.
pub fn run(cli: Cli) -> Result<ExitCode, Error> {
    // Before any secret is read: no core dumps, not readable by the user's other processes.
    platform::keep_secrets_out_of_dumps();
    // The one read of the environment: everything below is given this value.
    let env = &environment::Environment::of_process();
    cmd::run(&cli.command, env)
}
