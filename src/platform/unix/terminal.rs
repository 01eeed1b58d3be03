//! The controlling terminal: opened for a prompt, read from with echo off.

use std::fs::{File, OpenOptions};
use std::io;
use std::sync::atomic::{AtomicBool, Ordering};

/// The controlling terminal: (input, output).
pub fn open_terminal() -> io::Result<(File, File)> {
    let tty = OpenOptions::new().read(true).write(true).open("/dev/tty")?;
    Ok((tty.try_clone()?, tty))
}

static INTERRUPTED: AtomicBool = AtomicBool::new(false);

extern "C" fn note_interrupt(_: libc::c_int) {
    INTERRUPTED.store(true, Ordering::SeqCst);
}

/// The hidden read. rpassword turns off echo and the terminal's signals, reads Ctrl-C
/// itself and raises SIGINT *before* it restores the terminal: left alone, the process
/// would die with echo and line mode off. So SIGINT only sets a flag while it reads;
/// rpassword then returns and puts the terminal back, and the signal is raised again with
/// the disposition it had, ending the process as Ctrl-C should.
pub fn read_hidden(prompt: &str) -> io::Result<String> {
    // SAFETY: sigaction with a handler that only stores to an atomic; the previous
    // action is put back below.
    let previous = unsafe {
        let mut action: libc::sigaction = std::mem::zeroed();
        action.sa_sigaction = note_interrupt as *const () as libc::sighandler_t;
        libc::sigemptyset(&mut action.sa_mask);
        let mut previous: libc::sigaction = std::mem::zeroed();
        libc::sigaction(libc::SIGINT, &action, &mut previous);
        previous
    };
    let result = rpassword::prompt_password(prompt);
    // SAFETY: restores the action saved above.
    unsafe {
        libc::sigaction(libc::SIGINT, &previous, std::ptr::null_mut());
    }
    if INTERRUPTED.load(Ordering::SeqCst) {
        // The terminal is back as it was (rpassword's guard dropped). Ctrl-C ends the
        // process by SIGINT (the shell shows 130), unless SIGINT is ignored here.
        // SAFETY: raise has no preconditions.
        unsafe {
            libc::raise(libc::SIGINT);
        }
        return Err(io::Error::other("interrupted"));
    }
    result.map_err(|e| match e.kind() {
        io::ErrorKind::UnexpectedEof => {
            io::Error::other("the terminal closed before a secret was entered")
        }
        _ => e,
    })
}
