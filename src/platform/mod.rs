//! What differs per operating system, one module per platform behind one interface: the
//! same names and signatures on every platform, so callers have no `cfg` of their own.
//! Where a platform reads the environment, the value is a parameter: the caller reads it.
//!
//! - Children: `start_clean` (before a spawn), `replace_process` (plain `exec`),
//!   `ChildWaiter` and `exit_with` (a child waited for, `exec --server`), `killing_signal`,
//!   `check_runnable`, `basic_shell`.
//! - Files: `open_nonblocking`, `special_kind`, `is_executable`, `empty_device`.
//! - The private directory (the cache's): `make_private_dir`, `check_own_dir`,
//!   `check_dir_chain`, `check_closed_dir`, `check_private_file`, `open_no_follow`,
//!   `is_symlink_refusal`, `private_tempfile`, and `private_dir_repair` (what a person
//!   does about a loose one).
//! - The terminal: `open_terminal`, `read_hidden`.
//! - Secrets: `keep_secrets_out_of_dumps` (at start).
//! - The desktop: `KEYCHAIN_NAME`, `DIALOG_PROGRAMS`, `DIALOG_NEEDS_DISPLAY`,
//!   `DIALOG_NEEDS` (a code dialog), `url_opener` (the default browser).
//! - `local_time`; `VARIABLE_NAMES_IGNORE_CASE`; the parent process (`parent_process`) and
//!   the other holders of a pipe (`PipeId`).

#[cfg(unix)]
mod unix;
#[cfg(unix)]
use unix as os;

#[cfg(windows)]
mod windows;
#[cfg(windows)]
use windows as os;

// The parent process and a pipe's other holders: Linux reads /proc, the others ask
// sysinfo (which does not say who holds a pipe).
#[cfg(not(target_os = "linux"))]
mod process_table;
#[cfg(not(target_os = "linux"))]
use process_table as processes;
#[cfg(target_os = "linux")]
use unix::proc as processes;

pub use os::{
    ChildExit, ChildWaiter, DIALOG_NEEDS, DIALOG_NEEDS_DISPLAY, DIALOG_PROGRAMS, KEYCHAIN_NAME,
    VARIABLE_NAMES_IGNORE_CASE, basic_shell, check_closed_dir, check_dir_chain, check_own_dir,
    check_private_file, check_runnable, empty_device, exit_with, is_executable, is_symlink_refusal,
    keep_secrets_out_of_dumps, killing_signal, local_time, make_private_dir, open_no_follow,
    open_nonblocking, open_terminal, private_dir_repair, private_tempfile, read_hidden,
    replace_process, special_kind, start_clean, url_opener,
};
pub use processes::{ParentProcess, PipeId, parent_process};

/// Why a program cannot be started (`check_runnable`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unrunnable {
    /// Nothing by that name where the spawn will look.
    NotFound,
    /// A directory by that name.
    Directory,
    /// A file without execute permission.
    NotExecutable,
}
