//! Children on Windows: a process cannot be replaced, so aws-mfa starts the child, waits,
//! and exits with its code.

use std::io;
use std::process::{Command, ExitCode, ExitStatus};

use super::console::IgnoredInterrupts;
use super::job::join_kill_on_close_job;

/// Runs `command` to its end and returns its exit code, all 32 bits of it. Windows cannot
/// replace a process, so aws-mfa stays and waits:
/// - Ctrl-C and Ctrl-Break are ignored here while the child runs. The console sends them to
///   every process attached to it, so the child gets them and decides; aws-mfa must not die
///   first and leave the child behind. (A handler, not `SetConsoleCtrlHandler(NULL, TRUE)`,
///   which the child would inherit.)
/// - aws-mfa and, through inheritance, the child live in a job that kills what is left in it
///   when its last handle closes. That handle is aws-mfa's and is never closed by hand: it
///   closes when aws-mfa ends, however it ends, so nothing it started is left running.
fn run_child(command: &mut Command) -> io::Result<i32> {
    // A job that forbids jobs inside it (Windows before 8): the command still runs.
    if let Err(e) = join_kill_on_close_job() {
        crate::error::warn(&format!(
            "cannot start a job object ({e}): if aws-mfa is ended, the command may go on running"
        ));
    }
    let _ignoring = IgnoredInterrupts::install()?;
    let status = command.spawn()?.wait()?;
    // Windows always has a code; it is a u32 that std hands out as an i32, bits intact.
    Ok(status.code().unwrap_or(1))
}

/// Windows has no signal masks: a child needs nothing before it is spawned.
pub fn start_clean(command: &mut Command) -> &mut Command {
    command
}

/// Plain `exec`: spawn, wait (see `run_child`), and exit with the child's code, all 32 bits
/// of it. Returns only when the child cannot be started or waited for.
pub fn replace_process(mut command: Command) -> io::Error {
    match run_child(&mut command) {
        Ok(code) => std::process::exit(code),
        Err(err) => err,
    }
}

/// How a child ended: its exit code, all 32 bits of it.
pub struct ChildExit(i32);

/// A child to be run and waited for (`run_child`). Nothing is held before it runs.
pub struct ChildWaiter;

impl ChildWaiter {
    pub fn prepare() -> Self {
        ChildWaiter
    }

    pub fn run(self, command: &mut Command) -> io::Result<ChildExit> {
        run_child(command).map(ChildExit)
    }
}

/// Exits here with the child's code: `ExitCode` holds only 8 bits of the 32.
pub fn exit_with(exit: ChildExit) -> ExitCode {
    std::process::exit(exit.0)
}

/// Windows ends processes with an exit code, never a signal.
pub fn killing_signal(_status: &ExitStatus) -> Option<String> {
    None
}
