//! The parent process where there is no /proc (macOS, the BSDs, Windows): through sysinfo,
//! by name only. Who else holds a pipe is not found here.

use std::process::ChildStdout;

use sysinfo::{Pid, ProcessRefreshKind, ProcessesToUpdate, System};

/// The process that started aws-mfa.
pub struct ParentProcess {
    /// Its program name (`zsh`, `pwsh.exe`).
    pub name: String,
}

/// The parent process, when the process table tells it.
pub fn parent_process() -> Option<ParentProcess> {
    let me = sysinfo::get_current_pid().ok()?;
    let mut sys = System::new();
    let refresh = |sys: &mut System, pid: Pid| {
        sys.refresh_processes_specifics(
            ProcessesToUpdate::Some(&[pid]),
            true,
            ProcessRefreshKind::nothing(),
        );
    };
    refresh(&mut sys, me);
    let parent = sys.process(me)?.parent()?;
    refresh(&mut sys, parent);
    let name = sys.process(parent)?.name().to_string_lossy().into_owned();
    Some(ParentProcess { name })
}

impl ParentProcess {
    /// Its command line: not read here.
    pub fn args(&self) -> Option<Vec<String>> {
        None
    }
}

/// The pipe a child writes into; its other holders are not found here.
pub struct PipeId;

impl PipeId {
    pub fn of(_stdout: &ChildStdout) -> Self {
        PipeId
    }

    /// Nothing to end: the holders are not known.
    pub fn end_holders(&self) {}
}
