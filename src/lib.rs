//! aws-mfa: temporary AWS credentials from long-term keys and an MFA code, handed over
//! through the environment only. The binary is `main.rs`; everything else lives here so the
//! tests can reach the shell writers.

pub mod aws;
pub mod cache;
pub mod cli;
pub mod cmd;
pub mod device;
pub mod duration;
pub mod environment;
pub mod error;
pub mod federation;
pub mod keychain;
pub mod mfa;
pub mod obtain;
pub mod plan;
pub mod platform;
pub mod profile;
pub mod regular_file;
pub mod server;
pub mod session;
pub mod shell;
pub mod verbose;

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
