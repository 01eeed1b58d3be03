//! The controlling terminal: opened for a prompt, read from with echo off.

use std::cell::UnsafeCell;
use std::fs::{File, OpenOptions};
use std::io;
use std::mem::MaybeUninit;
use std::os::fd::AsRawFd;
use std::sync::atomic::{AtomicBool, AtomicI32, Ordering};

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
    // SIGTERM, SIGHUP and SIGQUIT end the process while echo is off: each puts the
    // terminal back first.
    let _restore = EndingSignalsRestore::install();
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

/// Signals that end the process by default, and may come while echo is off: `kill`, the
/// terminal hanging up, a session manager logging out.
const ENDING_SIGNALS: [libc::c_int; 3] = [libc::SIGTERM, libc::SIGHUP, libc::SIGQUIT];

/// The terminal as it was before the hidden read: a handler puts it back.
struct SavedTerminal(UnsafeCell<MaybeUninit<libc::termios>>);
// SAFETY: written only before `SAVED_FD` is published (Release), read only after it is seen
// (Acquire), and never written while a handler may read it.
unsafe impl Sync for SavedTerminal {}

static SAVED_TERMINAL: SavedTerminal = SavedTerminal(UnsafeCell::new(MaybeUninit::uninit()));
/// The terminal's descriptor while a handler may put it back; -1 otherwise.
static SAVED_FD: AtomicI32 = AtomicI32::new(-1);

/// Puts the terminal back and ends the process by the same signal, as it would have ended
/// without this handler. Only async-signal-safe calls: tcsetattr, signal, raise.
extern "C" fn restore_and_end(signal: libc::c_int) {
    let fd = SAVED_FD.load(Ordering::Acquire);
    // SAFETY: the saved settings were written before `fd` was published.
    unsafe {
        if fd >= 0 {
            libc::tcsetattr(fd, libc::TCSANOW, (*SAVED_TERMINAL.0.get()).as_ptr());
        }
        // The default action ends the process once this handler returns.
        libc::signal(signal, libc::SIG_DFL);
        libc::raise(signal);
    }
}

/// While alive, each ending signal left at its default puts the terminal back before it
/// ends the process; an ignored one (`nohup`) stays ignored.
struct EndingSignalsRestore {
    terminal: Option<File>,
    installed: Vec<libc::c_int>,
}

impl EndingSignalsRestore {
    fn install() -> Self {
        let mut guard = EndingSignalsRestore {
            terminal: None,
            installed: Vec::new(),
        };
        let Ok(terminal) = OpenOptions::new().read(true).write(true).open("/dev/tty") else {
            return guard;
        };
        let fd = terminal.as_raw_fd();
        // SAFETY: tcgetattr writes a termios into the cell, which no handler reads yet
        // (SAVED_FD is -1 until below).
        let saved = unsafe { libc::tcgetattr(fd, (*SAVED_TERMINAL.0.get()).as_mut_ptr()) };
        if saved != 0 {
            return guard;
        }
        SAVED_FD.store(fd, Ordering::Release);
        guard.terminal = Some(terminal);
        for signal in ENDING_SIGNALS {
            // SAFETY: sigaction with a handler that only makes async-signal-safe calls; the
            // previous action is read first and only a default one is replaced.
            unsafe {
                let mut previous: libc::sigaction = std::mem::zeroed();
                if libc::sigaction(signal, std::ptr::null(), &mut previous) != 0
                    || previous.sa_sigaction != libc::SIG_DFL
                {
                    continue;
                }
                let mut action: libc::sigaction = std::mem::zeroed();
                action.sa_sigaction = restore_and_end as *const () as libc::sighandler_t;
                libc::sigemptyset(&mut action.sa_mask);
                if libc::sigaction(signal, &action, std::ptr::null_mut()) == 0 {
                    guard.installed.push(signal);
                }
            }
        }
        guard
    }
}

impl Drop for EndingSignalsRestore {
    fn drop(&mut self) {
        for signal in &self.installed {
            // SAFETY: puts back the default action this guard replaced.
            unsafe {
                libc::signal(*signal, libc::SIG_DFL);
            }
        }
        SAVED_FD.store(-1, Ordering::Release);
        self.terminal.take();
    }
}
