//! Finding a program as the process spawner will, and the shell to fall back on.

use std::ffi::{OsStr, OsString};
use std::os::windows::ffi::OsStrExt;
use std::path::{Path, PathBuf};

use windows_sys::Win32::System::SystemInformation::{GetSystemDirectoryW, GetWindowsDirectoryW};

use crate::platform::Unrunnable;

/// Whether `program` can be started: found where the spawn will look for it (`path` is
/// the `PATH` variable).
pub fn check_runnable(program: &OsStr, path: Option<&OsStr>) -> Result<(), Unrunnable> {
    if program_exists(program, path) {
        Ok(())
    } else {
        Err(Unrunnable::NotFound)
    }
}

/// A file: Windows has no execute bit.
pub fn is_executable(path: &Path) -> bool {
    path.is_file()
}

/// The shell `exec` with no command falls back on: `COMSPEC`, else cmd.exe.
pub fn basic_shell(comspec: Option<&OsStr>) -> OsString {
    comspec.map_or_else(|| "cmd.exe".into(), OsStr::to_owned)
}

/// Whether spawning `program` will find it, searched as std searches on Windows: a bare
/// name in the directory of aws-mfa, the system and Windows directories, then `path`, with
/// `.exe` appended when it has no extension; a path as given (or with `.exe`). `PATHEXT` is
/// not used by std, so a `.cmd` or `.bat` must be named with its extension.
fn program_exists(program: &OsStr, path: Option<&OsStr>) -> bool {
    let given = Path::new(program);
    let is_bare_name = given.file_name() == Some(program);
    if !is_bare_name {
        return given.is_file() || with_exe(given.to_path_buf()).is_file();
    }
    let has_extension = program.encode_wide().any(|c| c == u16::from(b'.'));
    let mut dirs: Vec<PathBuf> = Vec::new();
    if let Some(own) = std::env::current_exe()
        .ok()
        .and_then(|e| e.parent().map(Path::to_owned))
    {
        dirs.push(own);
    }
    dirs.extend(system_directory(GetSystemDirectoryW));
    dirs.extend(system_directory(GetWindowsDirectoryW));
    if let Some(path) = path {
        dirs.extend(std::env::split_paths(path));
    }
    dirs.into_iter().any(|dir| {
        let candidate = dir.join(program);
        let candidate = if has_extension {
            candidate
        } else {
            candidate.with_extension("exe")
        };
        candidate.is_file()
    })
}

fn with_exe(path: PathBuf) -> PathBuf {
    let mut name = path.into_os_string();
    name.push(".exe");
    name.into()
}

fn system_directory(get: unsafe extern "system" fn(*mut u16, u32) -> u32) -> Option<PathBuf> {
    let mut buf = [0u16; 512];
    // SAFETY: the function writes at most `buf.len()` units and returns how many.
    let n = unsafe { get(buf.as_mut_ptr(), buf.len() as u32) } as usize;
    (n > 0 && n < buf.len()).then(|| PathBuf::from(String::from_utf16_lossy(&buf[..n])))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn programs_are_found_where_the_spawner_looks() {
        let exists = |program: &str| program_exists(OsStr::new(program), None);
        assert!(exists("cmd.exe"), "system directory");
        assert!(exists("cmd"), ".exe is appended");
        assert!(!exists("no-such-program-aws-mfa"));
        let own = std::env::current_exe().unwrap();
        assert!(program_exists(own.as_os_str(), None), "a path as given");
        assert!(!program_exists(
            own.with_file_name("missing.exe").as_os_str(),
            None
        ));
        // PATH is searched last, as given.
        let dir = own.parent().unwrap().join("on-path");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("found-on-path.exe"), b"").unwrap();
        assert!(!exists("found-on-path"));
        assert!(program_exists(
            OsStr::new("found-on-path"),
            Some(dir.as_os_str())
        ));
    }

    #[test]
    fn a_script_is_named_with_its_extension_and_check_runnable_says_not_found() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("script.cmd"), "").unwrap();
        let path = Some(dir.path().as_os_str());
        // PATHEXT is not used: a script is named with its extension.
        assert!(!program_exists(OsStr::new("script"), path));
        assert!(program_exists(OsStr::new("script.cmd"), path));
        assert_eq!(
            check_runnable(OsStr::new("script"), path),
            Err(Unrunnable::NotFound)
        );
        assert_eq!(check_runnable(OsStr::new("script.cmd"), path), Ok(()));
    }
}
