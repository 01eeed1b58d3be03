//! The console: its Ctrl-C and Ctrl-Break events, and its input and output for a prompt.

use std::fs::{File, OpenOptions};
use std::io;

use windows_sys::Win32::System::Console::{CTRL_BREAK_EVENT, CTRL_C_EVENT, SetConsoleCtrlHandler};
use windows_sys::core::BOOL;

/// Ctrl-C / Ctrl-Break handled (ignored) by aws-mfa while the guard lives.
pub struct IgnoredInterrupts;

unsafe extern "system" fn ignore_interrupts(event: u32) -> BOOL {
    // TRUE: handled, so the default handler (which ends the process) is not called. Closing
    // the console, logoff and shutdown go on to it: aws-mfa ends, the job takes the child.
    BOOL::from(event == CTRL_C_EVENT || event == CTRL_BREAK_EVENT)
}

impl IgnoredInterrupts {
    pub fn install() -> io::Result<Self> {
        // SAFETY: registers a function that lives as long as the program.
        if unsafe { SetConsoleCtrlHandler(Some(ignore_interrupts), 1) } == 0 {
            return Err(io::Error::last_os_error());
        }
        Ok(IgnoredInterrupts)
    }
}

impl Drop for IgnoredInterrupts {
    fn drop(&mut self) {
        // SAFETY: removes the handler added in `install`.
        unsafe { SetConsoleCtrlHandler(Some(ignore_interrupts), 0) };
    }
}

/// The console: (input, output).
pub fn open_terminal() -> io::Result<(File, File)> {
    let input = OpenOptions::new().read(true).write(true).open("CONIN$")?;
    let output = OpenOptions::new().read(true).write(true).open("CONOUT$")?;
    Ok((input, output))
}

/// The hidden read: rpassword restores the console mode itself; Ctrl-C here is a console
/// event, not a signal read from the input.
pub fn read_hidden(prompt: &str) -> io::Result<String> {
    rpassword::prompt_password(prompt)
}
