//! Linux's /proc: the parent process, and the processes that hold a pipe.

use std::os::fd::AsRawFd;
use std::process::ChildStdout;

/// The process that started aws-mfa.
pub struct ParentProcess {
    pid: u32,
    /// Its program name (`bash`, `python3`).
    pub name: String,
}

/// The parent process, when /proc tells it.
pub fn parent_process() -> Option<ParentProcess> {
    let pid = std::os::unix::process::parent_id();
    let comm = std::fs::read_to_string(format!("/proc/{pid}/comm")).ok()?;
    let name = comm.trim_end_matches('\n').to_owned();
    (!name.is_empty()).then_some(ParentProcess { pid, name })
}

impl ParentProcess {
    /// Its command line, when the platform tells it.
    pub fn args(&self) -> Option<Vec<String>> {
        let cmdline = std::fs::read(format!("/proc/{}/cmdline", self.pid)).ok()?;
        let cmdline = String::from_utf8_lossy(&cmdline);
        Some(
            cmdline
                .split('\0')
                .filter(|a| !a.is_empty())
                .map(str::to_owned)
                .collect(),
        )
    }
}

/// The pipe a child writes into, so that processes it left behind holding the pipe can be
/// found and ended.
pub struct PipeId {
    link: Option<String>,
}

impl PipeId {
    pub fn of(stdout: &ChildStdout) -> Self {
        let link = std::fs::read_link(format!("/proc/self/fd/{}", stdout.as_raw_fd()))
            .ok()
            .map(|l| l.to_string_lossy().into_owned())
            .filter(|l| l.starts_with("pipe:"));
        PipeId { link }
    }

    /// Sends SIGTERM to every other process that still holds the pipe.
    pub fn end_holders(&self) {
        let Some(link) = &self.link else {
            return;
        };
        let me = std::process::id();
        let Ok(processes) = std::fs::read_dir("/proc") else {
            return;
        };
        for process in processes.flatten() {
            let Some(pid) = process
                .file_name()
                .to_str()
                .and_then(|p| p.parse::<u32>().ok())
            else {
                continue;
            };
            if pid == me {
                continue;
            }
            let Ok(fds) = std::fs::read_dir(process.path().join("fd")) else {
                continue;
            };
            let holds = fds.flatten().any(|fd| {
                std::fs::read_link(fd.path()).is_ok_and(|l| l.to_string_lossy() == *link)
            });
            if holds {
                tracing::info!("mfa_process: ending process {pid}, left behind holding its output");
                // SAFETY: kill has no memory effects.
                unsafe { libc::kill(pid as libc::pid_t, libc::SIGTERM) };
            }
        }
    }
}
