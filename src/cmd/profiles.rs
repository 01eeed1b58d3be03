//! `aws-mfa __profiles` (hidden): the profile names, one a line, for the completion scripts
//! (see `completions`).

use std::process::ExitCode;

use crate::cli::ProfilesArgs;
use crate::environment::Environment;
use crate::error::Error;
use crate::profile::ProfileFiles;

pub fn run(_args: &ProfilesArgs, env: &Environment) -> Result<ExitCode, Error> {
    let names = ProfileFiles::load(env)?.names();
    super::print(&names.iter().map(|n| format!("{n}\n")).collect::<String>())?;
    Ok(ExitCode::SUCCESS)
}
