//! A child that `aws-mfa` waits for instead of becoming (Unix).
//!
//! While it waits, the parent ignores SIGINT and SIGQUIT, as `system(3)` does: the child,
//! in the terminal's foreground process group, already gets them, and a second SIGINT
//! makes Terraform abort at once. SIGTERM and SIGHUP, which are sent to a process rather
//! than typed, are passed on. The child itself starts with an empty mask and the
//! dispositions aws-mfa was started with (`crate::child_signals`): a signal ignored by
//! aws-mfa's own parent (`nohup`, a background job) stays ignored, as it would after `exec`.

use std::io;
use std::mem::MaybeUninit;
use std::process::{Command, ExitStatus};
use std::sync::atomic::{AtomicI32, Ordering};

use libc::c_int;

/// Ignored by the parent while it waits.
const IGNORED: [c_int; 2] = [libc::SIGINT, libc::SIGQUIT];
/// Passed on to the child.
const FORWARDED: [c_int; 2] = [libc::SIGTERM, libc::SIGHUP];

/// The child's pid while it can receive signals; 0 otherwise.
static CHILD: AtomicI32 = AtomicI32::new(0);

extern "C" fn forward(signal: c_int) {
    let pid = CHILD.load(Ordering::SeqCst);
    if pid > 0 {
        // SAFETY: kill is async-signal-safe. The pid is not reaped while it is stored.
        unsafe { libc::kill(pid, signal) };
    }
}

/// The four signals held (blocked) on this thread. Threads started while they are held
/// inherit the block, so only the waiting thread ever handles them; a signal that arrives
/// before the child runs is delivered once it does.
pub struct HeldSignals {
    previous: libc::sigset_t,
}

impl HeldSignals {
    pub fn hold() -> Self {
        // SAFETY: plain libc calls on locals.
        unsafe {
            let mut set = MaybeUninit::<libc::sigset_t>::uninit();
            libc::sigemptyset(set.as_mut_ptr());
            for signal in IGNORED.into_iter().chain(FORWARDED) {
                libc::sigaddset(set.as_mut_ptr(), signal);
            }
            let mut previous = MaybeUninit::<libc::sigset_t>::uninit();
            libc::pthread_sigmask(libc::SIG_BLOCK, set.as_ptr(), previous.as_mut_ptr());
            HeldSignals {
                previous: previous.assume_init(),
            }
        }
    }

    /// Starts `command` and waits for it. The child starts with an empty signal mask (std
    /// would pass on the four held here) and none of our dispositions. With that pre-exec
    /// step std forks and calls `execvp`, which runs a script without `#!` with /bin/sh,
    /// as plain `exec` does (`posix_spawn` would refuse it).
    pub fn run(self, command: &mut Command) -> io::Result<ExitStatus> {
        let mut child = crate::child_signals::start_clean(command).spawn()?;
        let pid = i32::try_from(child.id()).expect("a pid fits in pid_t");
        CHILD.store(pid, Ordering::SeqCst);
        let installed: Vec<Installed> = IGNORED
            .iter()
            .map(|&s| Installed::new(s, libc::SIG_IGN))
            .chain(
                FORWARDED
                    .iter()
                    .map(|&s| Installed::new(s, forward as extern "C" fn(c_int) as usize)),
            )
            .collect();
        // Held signals arrive now: SIGINT/SIGQUIT are dropped, SIGTERM/SIGHUP forwarded.
        drop(self);
        let exited = wait_without_reaping(pid);
        // Until the child is reaped its pid cannot be reused, so forwarding stays safe.
        CHILD.store(0, Ordering::SeqCst);
        let status = exited.and_then(|()| child.wait());
        drop(installed);
        status
    }
}

impl Drop for HeldSignals {
    fn drop(&mut self) {
        // SAFETY: restores the mask saved in `hold`.
        unsafe { libc::pthread_sigmask(libc::SIG_SETMASK, &self.previous, std::ptr::null_mut()) };
    }
}

/// A disposition set for the wait, undone on drop. One that was ignored is left alone.
struct Installed {
    signal: c_int,
    previous: Option<libc::sigaction>,
}

impl Installed {
    fn new(signal: c_int, handler: libc::sighandler_t) -> Self {
        // SAFETY: sigaction with a zeroed struct, a valid handler or SIG_IGN.
        unsafe {
            let mut previous: libc::sigaction = std::mem::zeroed();
            libc::sigaction(signal, std::ptr::null(), &mut previous);
            if previous.sa_sigaction == libc::SIG_IGN {
                return Installed {
                    signal,
                    previous: None,
                };
            }
            if handler == libc::SIG_IGN {
                // Every process started from now on (mfa_process) gets it back at default.
                crate::child_signals::ignored_by_us(signal);
            }
            let mut action: libc::sigaction = std::mem::zeroed();
            action.sa_sigaction = handler;
            action.sa_flags = libc::SA_RESTART;
            libc::sigemptyset(&mut action.sa_mask);
            libc::sigaction(signal, &action, std::ptr::null_mut());
            Installed {
                signal,
                previous: Some(previous),
            }
        }
    }
}

impl Drop for Installed {
    fn drop(&mut self) {
        if let Some(previous) = &self.previous {
            // SAFETY: restores what sigaction reported before.
            unsafe { libc::sigaction(self.signal, previous, std::ptr::null_mut()) };
            crate::child_signals::restored(self.signal);
        }
    }
}

/// Waits until `pid` has exited but leaves it a zombie (WNOWAIT), so its pid stays ours.
fn wait_without_reaping(pid: libc::pid_t) -> io::Result<()> {
    loop {
        let mut info = MaybeUninit::<libc::siginfo_t>::zeroed();
        // SAFETY: info is a valid out-pointer; pid is our child.
        let rc = unsafe {
            libc::waitid(
                libc::P_PID,
                pid as libc::id_t,
                info.as_mut_ptr(),
                libc::WEXITED | libc::WNOWAIT,
            )
        };
        if rc == 0 {
            return Ok(());
        }
        let err = io::Error::last_os_error();
        if err.kind() != io::ErrorKind::Interrupted {
            return Err(err);
        }
    }
}
