//! `aws-mfa env`: statements that hand the session to the calling shell.

use std::process::ExitCode;

use crate::cli::EnvArgs;
use crate::environment::Environment;
use crate::error::Error;
use crate::obtain::{self, Prompt};
use crate::plan::Recipient;
use crate::session;
use crate::shell;

pub fn run(args: &EnvArgs, env: &Environment) -> Result<ExitCode, Error> {
    // The shell is settled first: an unknown shell must not cost an MFA code.
    let shell = match args.shell {
        Some(shell) => shell,
        None => shell::detect(env)?.shell,
    };
    let changes = if args.unset {
        let mut changes = session::unset_all();
        changes.extend(crate::profile::extra_env::unset_previous(env));
        changes
    } else {
        obtain::session(env, &args.session, Recipient::Shell, Prompt::Terminal)?.env_changes()
    };
    let names = crate::session::names(&changes);
    tracing::info!("printing for {}: {names}", shell.name());
    super::print(&shell.render(&changes, env)?)?;
    Ok(ExitCode::SUCCESS)
}
