//! `aws-mfa init SHELL`: the shell integration kept as real files in `shell/`, embedded at
//! build time, so an rc file needs one line.

use std::process::ExitCode;

use crate::error::Error;
use crate::shell::InteractiveShell;

/// The integration script for `shell`.
pub fn script(shell: InteractiveShell) -> &'static str {
    match shell {
        InteractiveShell::Bash => include_str!("../../shell/aws-mfa.bash"),
        InteractiveShell::Zsh => include_str!("../../shell/aws-mfa.zsh"),
        InteractiveShell::Fish => include_str!("../../shell/aws-mfa.fish"),
        InteractiveShell::Pwsh => include_str!("../../shell/aws-mfa.ps1"),
        InteractiveShell::Tcsh => include_str!("../../shell/aws-mfa.tcsh"),
        InteractiveShell::Elvish => include_str!("../../shell/aws-mfa.elv"),
        InteractiveShell::Xonsh => include_str!("../../shell/aws-mfa.xsh"),
        InteractiveShell::Nu => include_str!("../../shell/aws-mfa.nu"),
    }
}

pub fn run(shell: InteractiveShell) -> Result<ExitCode, Error> {
    super::print(script(shell))?;
    Ok(ExitCode::SUCCESS)
}
