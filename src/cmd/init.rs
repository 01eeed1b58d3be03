//! `aws-mfa init SHELL`: the shell integration kept as real files in `shell/`, embedded at
//! build time by each shell's writer, so an rc file needs one line.

use std::process::ExitCode;

use crate::cli::InitArgs;
use crate::environment::Environment;
use crate::error::Error;

/// Prints the integration script of `shell` (one `shell::with_init` takes).
pub fn run(args: &InitArgs, _env: &Environment) -> Result<ExitCode, Error> {
    let init = args
        .shell
        .init()
        .expect("init takes only shells with an integration script");
    super::print(init.script)?;
    Ok(ExitCode::SUCCESS)
}
