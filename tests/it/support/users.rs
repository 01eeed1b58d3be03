//! Another local user, for what must hold against one: made with `useradd` for a test and
//! removed after it. Making one needs root (CI runs the tests as root); elsewhere the tests
//! that need one are skipped with a note.

use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::Command;

pub struct OtherUser {
    pub name: String,
    pub uid: u32,
    pub gid: u32,
}

impl OtherUser {
    /// `None` (with a note) when the tests do not run as root.
    pub fn create() -> Option<Self> {
        // SAFETY: geteuid has no preconditions.
        if unsafe { libc::geteuid() } != 0 {
            if std::env::var_os("CI").is_some() {
                panic!("making another user needs root, which CI is (.ci/run runs as root)");
            }
            eprintln!("note: skipped: making another user needs root (CI runs the tests as root)");
            return None;
        }
        // useradd locks /etc/passwd: one at a time.
        static ONE_AT_A_TIME: std::sync::Mutex<u32> = std::sync::Mutex::new(0);
        let mut made = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
        *made += 1;
        let name = format!("awsmfa-t{}-{}", std::process::id(), *made);
        let status = Command::new("useradd")
            .args([
                "--system",
                "--no-create-home",
                "--shell",
                "/usr/sbin/nologin",
                &name,
            ])
            .status()
            .expect("useradd");
        assert!(status.success(), "useradd {name}");
        let id = |flag: &str| -> u32 {
            let out = Command::new("id").args([flag, &name]).output().unwrap();
            String::from_utf8_lossy(&out.stdout).trim().parse().unwrap()
        };
        let (uid, gid) = (id("-u"), id("-g"));
        Some(OtherUser { name, uid, gid })
    }

    /// Makes `path` theirs.
    pub fn owns(&self, path: &Path) {
        std::os::unix::fs::chown(path, Some(self.uid), Some(self.gid)).unwrap();
    }

    /// Makes `dir` and everything under it theirs.
    pub fn owns_tree(&self, dir: &Path) {
        self.owns(dir);
        for entry in std::fs::read_dir(dir).unwrap().flatten() {
            let path = entry.path();
            if entry.file_type().unwrap().is_dir() {
                self.owns_tree(&path);
            } else {
                std::os::unix::fs::lchown(&path, Some(self.uid), Some(self.gid)).unwrap();
            }
        }
    }

    /// `command` runs as them.
    pub fn runs(&self, command: &mut Command) {
        // std drops root's supplementary groups when it sets the uid.
        command.uid(self.uid).gid(self.gid);
    }
}

impl Drop for OtherUser {
    fn drop(&mut self) {
        let _ = Command::new("userdel").arg(&self.name).status();
    }
}
