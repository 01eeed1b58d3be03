//! Unix (Linux, macOS, the BSDs): signals, modes and owners (the private directory), the
//! controlling terminal, the desktop, the C library's local time; on Linux, /proc.

mod child;
mod desktop;
mod dumps;
mod files;
mod leftovers;
mod private_dir;
#[cfg(target_os = "linux")]
pub(crate) mod proc;
mod programs;
mod terminal;
mod time;

pub use child::{ChildWaiter, exit_with, killing_signal, replace_process, start_clean};
pub use desktop::{
    DIALOG_NEEDS, DIALOG_NEEDS_DISPLAY, DIALOG_PROGRAMS, KEYCHAIN_NAME, notifier, url_opener,
};
pub use dumps::keep_secrets_out_of_dumps;
pub use files::{empty_device, open_nonblocking, special_kind};
pub use private_dir::{
    check_closed_dir, check_dir_chain, check_own_dir, check_private_file, is_symlink_refusal,
    make_private_dir, open_no_follow, private_dir_repair, private_tempfile,
};
pub use programs::{basic_shell, check_runnable, is_executable};
pub use terminal::{open_terminal, read_hidden};
pub use time::local_time;

/// Whether the environment's variable names ignore case: not on Unix.
pub const VARIABLE_NAMES_IGNORE_CASE: bool = false;
