//! `aws-mfa init SHELL`: the shell integration kept as real files in `shell/`, embedded at
//! build time by each shell's writer, so an rc file needs one line.

use std::process::ExitCode;

use crate::error::Error;
use crate::shell::Shell;

/// Prints the integration script of `shell` (one `shell::with_init` takes).
pub fn run(shell: Shell) -> Result<ExitCode, Error> {
    let init = shell
        .init()
        .expect("init takes only shells with an integration script");
    super::print(init.script)?;
    Ok(ExitCode::SUCCESS)
}
