//! Finding a program as `execvp` will, and the shell to fall back on.

use std::ffi::{OsStr, OsString};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use crate::platform::Unrunnable;

/// Whether `program` can be started, looked for as `execvp` will: a name with a `/` as it
/// is, else along `path` (the `PATH` variable).
pub fn check_runnable(program: &OsStr, path: Option<&OsStr>) -> Result<(), Unrunnable> {
    let candidates: Vec<PathBuf> = if program.as_bytes().contains(&b'/') {
        vec![PathBuf::from(program)]
    } else {
        // No PATH: execvp searches its own default, so leave the answer to it.
        let Some(path) = path else {
            return Ok(());
        };
        std::env::split_paths(path)
            .map(|dir| {
                // An empty PATH entry is the current directory.
                let dir = if dir.as_os_str().is_empty() {
                    ".".into()
                } else {
                    dir
                };
                dir.join(program)
            })
            .collect()
    };
    let mut refused = None;
    for candidate in &candidates {
        let Ok(meta) = std::fs::metadata(candidate) else {
            continue;
        };
        if meta.is_dir() {
            refused.get_or_insert(Unrunnable::Directory);
        } else if may_execute(candidate) {
            return Ok(());
        } else {
            refused.get_or_insert(Unrunnable::NotExecutable);
        }
    }
    Err(refused.unwrap_or(Unrunnable::NotFound))
}

/// Whether this process may execute `path` (`access(X_OK)`).
fn may_execute(path: &Path) -> bool {
    rustix::fs::access(path, rustix::fs::Access::EXEC_OK).is_ok()
}

/// A file with an execute bit.
pub fn is_executable(path: &Path) -> bool {
    path.metadata()
        .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

/// The shell `exec` with no command falls back on. (`comspec` is Windows' `COMSPEC`.)
pub fn basic_shell(_comspec: Option<&OsStr>) -> OsString {
    "/bin/sh".into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn programs_are_looked_for_as_execvp_does() {
        let dir = tempfile::tempdir().unwrap();
        let tool = dir.path().join("tool");
        std::fs::write(&tool, "#!/bin/sh\n").unwrap();
        std::fs::set_permissions(&tool, std::fs::Permissions::from_mode(0o755)).unwrap();
        let plain = dir.path().join("plain");
        std::fs::write(&plain, "").unwrap();
        std::fs::create_dir(dir.path().join("folder")).unwrap();
        let path = dir.path().as_os_str();
        let check = |program: &str, path| check_runnable(OsStr::new(program), path);

        assert_eq!(check("tool", Some(path)), Ok(()));
        assert_eq!(check("missing", Some(path)), Err(Unrunnable::NotFound));
        assert_eq!(check("plain", Some(path)), Err(Unrunnable::NotExecutable));
        assert_eq!(check("folder", Some(path)), Err(Unrunnable::Directory));
        // A path is taken as it is; no PATH leaves the search to execvp.
        assert_eq!(check(tool.to_str().unwrap(), None), Ok(()));
        assert_eq!(
            check("/no/such/tool", Some(path)),
            Err(Unrunnable::NotFound)
        );
        assert_eq!(check("missing", None), Ok(()));
        // A later entry with the program wins over an earlier refusal.
        let other = tempfile::tempdir().unwrap();
        std::fs::write(other.path().join("tool"), "").unwrap();
        let both = std::env::join_paths([other.path(), dir.path()]).unwrap();
        assert_eq!(check("tool", Some(&both)), Ok(()));
    }
}
