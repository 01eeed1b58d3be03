//! Windows: children that cannot replace us (console control, a job object), a private
//! directory without mode bits (DACLs), the console for prompts, the desktop, local time,
//! and finding a program the way the process spawner will.

mod child;
mod console;
mod dacl;
mod desktop;
mod files;
mod job;
mod private_dir;
mod programs;
mod time;

pub use child::{ChildWaiter, exit_with, killing_signal, replace_process, start_clean};
pub use console::{open_terminal, read_hidden};
pub use desktop::{
    DIALOG_NEEDS, DIALOG_NEEDS_DISPLAY, DIALOG_PROGRAMS, KEYCHAIN_NAME, notifier, url_opener,
};
pub use files::{empty_device, open_nonblocking, special_kind};
pub use private_dir::{
    check_closed_dir, check_dir_chain, check_own_dir, check_private_file, is_symlink_refusal,
    make_private_dir, open_no_follow, private_dir_repair, private_tempfile,
};
pub use programs::{basic_shell, check_runnable, is_executable};
pub use time::local_time;

/// Whether the environment's variable names ignore case: on Windows they do (`Path` is
/// `PATH`).
pub const VARIABLE_NAMES_IGNORE_CASE: bool = true;

/// Nothing to set: Windows writes a crash dump only where Windows Error Reporting's
/// `LocalDumps` was configured for it, and a process's memory is open to the user's other
/// processes by design (same token), which a process cannot change for itself.
pub fn keep_secrets_out_of_dumps() {}
