//! Secrets out of core dumps and out of reach of the user's other processes.
//!
//! aws-mfa holds long-term keys, MFA codes and sessions in memory. At start it sets its
//! soft `RLIMIT_CORE` to 0 (a crash or `kill -ABRT` writes no core file) and, on Linux,
//! makes itself not dumpable (`PR_SET_DUMPABLE` 0: `/proc/PID/mem` and the rest belong to
//! root, so no process of the same user can read its memory or ptrace it). Neither must
//! reach what it runs: the hard limit is kept so that every child gets the soft limit
//! aws-mfa was started with back before it execs (`restore_core_limit`), and exec itself
//! makes a program dumpable again.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

/// Whether the soft limit was lowered, and what it was.
static LOWERED: AtomicBool = AtomicBool::new(false);
static STARTED_WITH: AtomicU64 = AtomicU64::new(0);

/// No core dumps, and on Linux not dumpable. Failures change nothing else: they are not
/// worth refusing to run for.
pub fn keep_secrets_out_of_dumps() {
    // SAFETY: getrlimit and setrlimit on a local struct; prctl with integer arguments.
    unsafe {
        let mut limit: libc::rlimit = std::mem::zeroed();
        if libc::getrlimit(libc::RLIMIT_CORE, &mut limit) == 0 {
            STARTED_WITH.store(limit.rlim_cur as u64, Ordering::SeqCst);
            limit.rlim_cur = 0;
            if libc::setrlimit(libc::RLIMIT_CORE, &limit) == 0 {
                LOWERED.store(true, Ordering::SeqCst);
            }
        }
        #[cfg(any(target_os = "linux", target_os = "android"))]
        libc::prctl(libc::PR_SET_DUMPABLE, 0, 0, 0, 0);
    }
}

/// Between fork and exec: the soft core limit aws-mfa was started with. Only
/// async-signal-safe calls.
pub(super) fn restore_core_limit() {
    if !LOWERED.load(Ordering::SeqCst) {
        return;
    }
    // SAFETY: getrlimit and setrlimit are async-signal-safe; a local struct.
    unsafe {
        let mut limit: libc::rlimit = std::mem::zeroed();
        if libc::getrlimit(libc::RLIMIT_CORE, &mut limit) == 0 {
            limit.rlim_cur = STARTED_WITH.load(Ordering::SeqCst) as libc::rlim_t;
            libc::setrlimit(libc::RLIMIT_CORE, &limit);
        }
    }
}
