//! What the `exec --server` command leaves behind is ended with it: a process it started
//! in the background (`nohup`, `&`, a daemon) would keep `AWS_CONTAINER_CREDENTIALS_FULL_URI`
//! pointing at a port that any local user may take once aws-mfa is gone.
//!
//! - Linux: aws-mfa is a child subreaper (`PR_SET_CHILD_SUBREAPER`), so every orphaned
//!   descendant, daemons that left the session included, becomes its child. Once the
//!   command has exited, each child still there gets SIGTERM (and SIGCONT, should it be
//!   stopped), its own orphans in turn as they appear, and SIGKILL after `GRACE`.
//! - Every Unix: when aws-mfa leads its process group (a shell with job control made it
//!   one for the job) and none of its standard streams is a pipe (through which the other
//!   commands of a pipeline would share the group), the group gets SIGTERM and SIGCONT
//!   too: what the command left there.
//!
//! aws-mfa itself lets SIGTERM pass meanwhile (its handler forwards it to a child that is
//! no longer there).

use std::time::{Duration, Instant};

/// How long leftovers have to end on SIGTERM before they get SIGKILL.
const GRACE: Duration = Duration::from_secs(2);
/// How long aws-mfa waits for them at most: one stuck in the kernel may not die at once.
const GIVE_UP: Duration = Duration::from_secs(5);

/// Orphaned descendants become aws-mfa's children (Linux); elsewhere nothing to do.
pub fn adopt_orphans() {
    #[cfg(any(target_os = "linux", target_os = "android"))]
    // SAFETY: prctl with integer arguments.
    unsafe {
        libc::prctl(libc::PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
    }
}

/// Ends what the command left behind; returns once nothing is left (Linux; `GIVE_UP` at
/// most), or once the group was told (elsewhere). Call it with SIGTERM handled or ignored,
/// never at default.
pub fn end_leftovers() {
    if leads_own_group() {
        // SAFETY: kill(0, …) signals our own process group.
        unsafe {
            libc::kill(0, libc::SIGTERM);
            libc::kill(0, libc::SIGCONT);
        }
    }
    #[cfg(any(target_os = "linux", target_os = "android"))]
    end_adopted();
}

/// aws-mfa leads its process group, and no pipeline shares it.
fn leads_own_group() -> bool {
    // SAFETY: getpgrp, getpid and fstat on a local struct have no preconditions.
    unsafe {
        if libc::getpgrp() != libc::getpid() {
            return false;
        }
        [0, 1, 2].iter().all(|&fd| {
            let mut stat: libc::stat = std::mem::zeroed();
            libc::fstat(fd, &mut stat) != 0 || (stat.st_mode & libc::S_IFMT) != libc::S_IFIFO
        })
    }
}

/// SIGTERM to every child (orphans adopted, and theirs as they appear), SIGKILL after
/// `GRACE`, until none is left (or `GIVE_UP`); each is reaped.
#[cfg(any(target_os = "linux", target_os = "android"))]
fn end_adopted() {
    let started = Instant::now();
    let mut told: Vec<libc::pid_t> = Vec::new();
    loop {
        let children = children();
        if children.is_empty() || started.elapsed() >= GIVE_UP {
            return;
        }
        let late = started.elapsed() >= GRACE;
        for &pid in &children {
            // SAFETY: our own children: not reaped yet, so the pids are not reused.
            unsafe {
                if late {
                    libc::kill(pid, libc::SIGKILL);
                } else if !told.contains(&pid) {
                    libc::kill(pid, libc::SIGTERM);
                    libc::kill(pid, libc::SIGCONT);
                    told.push(pid);
                }
                libc::waitpid(pid, std::ptr::null_mut(), libc::WNOHANG);
            }
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// The pids of every child of every thread of aws-mfa.
#[cfg(any(target_os = "linux", target_os = "android"))]
fn children() -> Vec<libc::pid_t> {
    let Ok(tasks) = std::fs::read_dir("/proc/self/task") else {
        return Vec::new();
    };
    tasks
        .flatten()
        .filter_map(|task| std::fs::read_to_string(task.path().join("children")).ok())
        .flat_map(|list| {
            list.split_whitespace()
                .filter_map(|pid| pid.parse().ok())
                .collect::<Vec<_>>()
        })
        .collect()
}
