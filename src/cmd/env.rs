//! `aws-mfa env`: statements that hand the session to the calling shell.

use crate::cli::EnvArgs;
use crate::error::Error;
use crate::obtain;
use crate::session;
use crate::shell;

pub fn run(args: &EnvArgs) -> Result<(), Error> {
    // The shell is settled first: an unknown shell must not cost an MFA code.
    let shell = match args.shell {
        Some(shell) => shell,
        None => shell::detect()?.shell,
    };
    let changes = if args.unset {
        session::unset_all()
    } else {
        obtain::session(&args.session)?.env_changes()
    };
    super::print(&shell.render(&changes))
}
