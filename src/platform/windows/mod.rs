//! Windows: children that cannot replace us (console control, a job object), private files
//! without mode bits (DACLs), the console for prompts, local time, and finding a program
//! the way the process spawner will.

mod child;
mod console;
pub(crate) mod dacl;
mod files;
mod job;
mod programs;
mod time;

pub use child::{ChildExit, ChildWaiter, exit_with, killing_signal, replace_process, start_clean};
pub use console::{open_terminal, read_hidden};
pub use files::{empty_device, open_nonblocking, special_kind};
pub use programs::{basic_shell, check_runnable, is_executable};
pub use time::local_time;

/// Nothing to set: Windows writes a crash dump only where Windows Error Reporting's
/// `LocalDumps` was configured for it, and a process's memory is open to the user's other
/// processes by design (same token), which a process cannot change for itself.
pub fn keep_secrets_out_of_dumps() {}
