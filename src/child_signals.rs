//! Every process aws-mfa starts (the `exec --server` child or subshell, each `mfa_process`)
//! begins with an empty signal mask and the dispositions aws-mfa itself was started with.
//!
//! A child inherits its parent's signal mask and ignored signals across fork and exec, and
//! std no longer clears the mask when it spawns (rust-lang/rust#101077). While it serves,
//! aws-mfa blocks SIGHUP, SIGINT, SIGQUIT and SIGTERM on every thread and ignores SIGINT
//! and SIGQUIT: without this reset, python, `sleep` or Terraform would start deaf to
//! Ctrl-C and to a forwarded SIGTERM (a shell hides it: dash clears the mask on its
//! first wait). A signal ignored when aws-mfa started (`nohup`) stays ignored, as it
//! would after a plain `exec`.

use std::process::Command;

/// Signals aws-mfa itself set to SIG_IGN (a bit per signal number); a child gets them back
/// at SIG_DFL.
#[cfg(unix)]
static IGNORED_BY_US: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// Records that aws-mfa (not its own parent) made `signal` ignored, until `restored`.
#[cfg(unix)]
pub fn ignored_by_us(signal: libc::c_int) {
    IGNORED_BY_US.fetch_or(1 << signal, std::sync::atomic::Ordering::SeqCst);
}

/// Records that `signal` has its disposition from before again.
#[cfg(unix)]
pub fn restored(signal: libc::c_int) {
    IGNORED_BY_US.fetch_and(!(1 << signal), std::sync::atomic::Ordering::SeqCst);
}

/// Makes `command` start with an empty signal mask and default dispositions for what
/// aws-mfa ignores itself. (Handlers need nothing: exec resets them to the default.)
#[cfg(unix)]
pub fn start_clean(command: &mut Command) -> &mut Command {
    use std::os::unix::process::CommandExt;
    // SAFETY: between fork and exec only async-signal-safe calls: an atomic load,
    // sigemptyset, sigprocmask and signal.
    unsafe {
        command.pre_exec(|| {
            let ignored = IGNORED_BY_US.load(std::sync::atomic::Ordering::SeqCst);
            for signal in 1..64 {
                if ignored & (1 << signal) != 0 {
                    libc::signal(signal, libc::SIG_DFL);
                }
            }
            let mut empty = std::mem::MaybeUninit::<libc::sigset_t>::uninit();
            libc::sigemptyset(empty.as_mut_ptr());
            if libc::sigprocmask(libc::SIG_SETMASK, empty.as_ptr(), std::ptr::null_mut()) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        })
    }
}

/// Windows has no signal masks: nothing to reset.
#[cfg(not(unix))]
pub fn start_clean(command: &mut Command) -> &mut Command {
    command
}
