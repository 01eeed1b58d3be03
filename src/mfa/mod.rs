//! Where the one-time code comes from: the flag, `mfa_process`, or a prompt on the terminal
//! (or a desktop dialog); the tries a person gets are in `sources`.
//!
//! `code.rs` the code itself; `terminal.rs` the prompt; `process.rs` `mfa_process`;
//! `dialog.rs` the desktop dialog; `serial.rs` what a device's ARN says of it.

mod code;
mod dialog;
mod nudge;
mod process;
mod serial;
mod sources;
mod terminal;

pub use code::MfaCode;
pub use process::{process_words, run_mfa_process};
pub use serial::{is_root_device, is_totp_device};
pub use sources::{CodeSources, Prompt};
pub use terminal::Terminal;
