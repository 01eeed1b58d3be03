//! Unix (Linux, macOS, the BSDs): signals, modes, the controlling terminal, the C
//! library's local time; on Linux, /proc.

mod child;
mod dumps;
mod files;
mod leftovers;
#[cfg(target_os = "linux")]
pub(crate) mod proc;
mod programs;
mod terminal;
mod time;

pub use child::{ChildExit, ChildWaiter, exit_with, killing_signal, replace_process, start_clean};
pub use dumps::keep_secrets_out_of_dumps;
pub use files::{empty_device, open_nonblocking, special_kind};
pub use programs::{basic_shell, check_runnable, is_executable};
pub use terminal::{open_terminal, read_hidden};
pub use time::local_time;
