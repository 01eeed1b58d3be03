//! Children on Unix: how each one starts, how aws-mfa becomes one, and how it waits for one.
//!
//! Every process aws-mfa starts (the `exec --server` child or subshell, each `mfa_process`)
//! begins with an empty signal mask and the dispositions aws-mfa itself was started with.
//! A child inherits its parent's signal mask and ignored signals across fork and exec, and
//! std no longer clears the mask when it spawns (rust-lang/rust#101077). While it serves,
//! aws-mfa blocks SIGHUP, SIGINT, SIGQUIT and SIGTERM on every thread and ignores SIGINT
//! and SIGQUIT: without this reset, python, `sleep` or Terraform would start deaf to
//! Ctrl-C and to a forwarded SIGTERM (a shell hides it: dash clears the mask on its
//! first wait). A signal ignored when aws-mfa started (`nohup`) stays ignored, as it
//! would after a plain `exec`.
//!
//! While it waits for the `exec --server` child, aws-mfa ignores SIGINT and SIGQUIT, as
//! `system(3)` does: the child, in the terminal's foreground process group, already gets
//! them, and a second SIGINT makes Terraform abort at once. SIGTERM and SIGHUP, which are
//! sent to a process rather than typed, are passed on.

use std::io;
use std::mem::MaybeUninit;
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::process::{Command, ExitCode, ExitStatus};
use std::sync::atomic::{AtomicI32, AtomicU64, Ordering};

use libc::c_int;

/// Ignored by the parent while it waits.
const IGNORED: [c_int; 2] = [libc::SIGINT, libc::SIGQUIT];
/// Passed on to the child.
const FORWARDED: [c_int; 2] = [libc::SIGTERM, libc::SIGHUP];

/// Signals aws-mfa itself set to SIG_IGN (a bit per signal number); a child gets them back
/// at SIG_DFL.
static IGNORED_BY_US: AtomicU64 = AtomicU64::new(0);

/// Makes `command` start with an empty signal mask and default dispositions for what
/// aws-mfa ignores itself. (Handlers need nothing: exec resets them to the default.)
pub fn start_clean(command: &mut Command) -> &mut Command {
    // SAFETY: between fork and exec only async-signal-safe calls: atomic loads,
    // sigemptyset, sigprocmask, signal, getrlimit and setrlimit.
    unsafe {
        command.pre_exec(|| {
            super::dumps::restore_core_limit();
            let ignored = IGNORED_BY_US.load(Ordering::SeqCst);
            for signal in 1..64 {
                if ignored & (1 << signal) != 0 {
                    libc::signal(signal, libc::SIG_DFL);
                }
            }
            let mut empty = MaybeUninit::<libc::sigset_t>::uninit();
            libc::sigemptyset(empty.as_mut_ptr());
            if libc::sigprocmask(libc::SIG_SETMASK, empty.as_ptr(), std::ptr::null_mut()) != 0 {
                return Err(io::Error::last_os_error());
            }
            Ok(())
        })
    }
}

/// The process becomes the command (`exec`), so signals reach it directly and its exit
/// status is ours; no `sh -c` in between. Returns only when that fails.
pub fn replace_process(mut command: Command) -> io::Error {
    // SAFETY: getrlimit and setrlimit are async-signal-safe.
    unsafe {
        command.pre_exec(|| {
            super::dumps::restore_core_limit();
            Ok(())
        });
    }
    command.exec()
}

/// How a child ended.
pub struct ChildExit(ExitStatus);

/// The child's code, or 128+N when signal N ended it (what a shell shows).
pub fn exit_with(exit: ChildExit) -> ExitCode {
    let status = exit.0;
    let code = status
        .code()
        .or_else(|| status.signal().map(|signal| 128 + signal))
        .unwrap_or(1);
    ExitCode::from(u8::try_from(code).unwrap_or(1))
}

/// The signal that ended a process, by name where it has a common one (`SIGKILL`,
/// `signal 42`); `None` when it exited.
pub fn killing_signal(status: &ExitStatus) -> Option<String> {
    let signal = status.signal()?;
    let name = match signal {
        libc::SIGHUP => "SIGHUP",
        libc::SIGINT => "SIGINT",
        libc::SIGQUIT => "SIGQUIT",
        libc::SIGABRT => "SIGABRT",
        libc::SIGKILL => "SIGKILL",
        libc::SIGSEGV => "SIGSEGV",
        libc::SIGPIPE => "SIGPIPE",
        libc::SIGTERM => "SIGTERM",
        _ => return Some(format!("signal {signal}")),
    };
    Some(name.to_owned())
}

/// The child's pid while it can receive signals; 0 otherwise.
static CHILD: AtomicI32 = AtomicI32::new(0);

extern "C" fn forward(signal: c_int) {
    let pid = CHILD.load(Ordering::SeqCst);
    if pid > 0 {
        // SAFETY: kill is async-signal-safe. The pid is not reaped while it is stored.
        unsafe { libc::kill(pid, signal) };
    }
}

/// A child to be run and waited for; what it leaves behind is ended when it exits (see
/// `leftovers`). From `prepare` on, the four signals are held (blocked) on
/// this thread: call it before any thread starts. Threads started while they are held
/// inherit the block, so only the waiting thread ever handles them; a signal that arrives
/// before the child runs is delivered once it does.
pub struct ChildWaiter {
    previous: libc::sigset_t,
}

impl ChildWaiter {
    pub fn prepare() -> Self {
        super::leftovers::adopt_orphans();
        // SAFETY: plain libc calls on locals.
        unsafe {
            let mut set = MaybeUninit::<libc::sigset_t>::uninit();
            libc::sigemptyset(set.as_mut_ptr());
            for signal in IGNORED.into_iter().chain(FORWARDED) {
                libc::sigaddset(set.as_mut_ptr(), signal);
            }
            let mut previous = MaybeUninit::<libc::sigset_t>::uninit();
            libc::pthread_sigmask(libc::SIG_BLOCK, set.as_ptr(), previous.as_mut_ptr());
            ChildWaiter {
                previous: previous.assume_init(),
            }
        }
    }

    /// Starts `command` and waits for it. The child starts with an empty signal mask (std
    /// would pass on the four held here) and none of our dispositions. With that pre-exec
    /// step std forks and calls `execvp`, which runs a script without `#!` with /bin/sh,
    /// as plain `exec` does (`posix_spawn` would refuse it).
    pub fn run(self, command: &mut Command) -> io::Result<ChildExit> {
        let mut child = start_clean(command).spawn()?;
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
        // While SIGTERM is still handled: the process group's SIGTERM passes aws-mfa by.
        super::leftovers::end_leftovers();
        drop(installed);
        status.map(ChildExit)
    }
}

impl Drop for ChildWaiter {
    fn drop(&mut self) {
        // SAFETY: restores the mask saved in `prepare`.
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
                IGNORED_BY_US.fetch_or(1 << signal, Ordering::SeqCst);
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
            IGNORED_BY_US.fetch_and(!(1 << self.signal), Ordering::SeqCst);
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
