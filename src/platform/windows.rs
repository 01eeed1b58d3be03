//! Windows: children that cannot replace us, private files without mode bits, local time,
//! and finding a program the way the process spawner will.

use std::ffi::OsStr;
use std::io;
use std::mem::size_of;
use std::os::windows::ffi::OsStrExt;
use std::os::windows::io::{AsRawHandle, FromRawHandle};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::ptr::{null, null_mut};
use std::time::{SystemTime, UNIX_EPOCH};

use windows_sys::Win32::Foundation::{
    CloseHandle, ERROR_ALREADY_EXISTS, FILETIME, GENERIC_READ, GENERIC_WRITE, HANDLE,
    INVALID_HANDLE_VALUE, LocalFree, SYSTEMTIME, WIN32_ERROR,
};
use windows_sys::Win32::Security::Authorization::{
    GetSecurityInfo, SE_FILE_OBJECT, SetNamedSecurityInfoW,
};
use windows_sys::Win32::Security::{
    ACCESS_ALLOWED_ACE, ACE_HEADER, ACL, ACL_REVISION, ACL_SIZE_INFORMATION, AclSizeInformation,
    AddAccessAllowedAceEx, CONTAINER_INHERIT_ACE, DACL_SECURITY_INFORMATION, EqualSid, GetAce,
    GetAclInformation, GetLengthSid, GetTokenInformation, InitializeAcl,
    InitializeSecurityDescriptor, IsWellKnownSid, OBJECT_INHERIT_ACE, OWNER_SECURITY_INFORMATION,
    PROTECTED_DACL_SECURITY_INFORMATION, PSECURITY_DESCRIPTOR, PSID, SE_DACL_PROTECTED,
    SECURITY_ATTRIBUTES, SECURITY_DESCRIPTOR, SetSecurityDescriptorControl,
    SetSecurityDescriptorDacl, TOKEN_INFORMATION_CLASS, TOKEN_OWNER, TOKEN_QUERY, TOKEN_USER,
    TokenOwner, TokenUser, WinBuiltinAdministratorsSid, WinLocalSystemSid,
};
use windows_sys::Win32::Storage::FileSystem::{
    CREATE_NEW, CreateDirectoryW, CreateFileW, FILE_ALL_ACCESS, FILE_ATTRIBUTE_NORMAL,
    FILE_FLAG_BACKUP_SEMANTICS, FILE_SHARE_DELETE, FILE_SHARE_READ, FILE_SHARE_WRITE, READ_CONTROL,
};
use windows_sys::Win32::System::Console::{CTRL_BREAK_EVENT, CTRL_C_EVENT, SetConsoleCtrlHandler};
use windows_sys::Win32::System::JobObjects::{
    AssignProcessToJobObject, CreateJobObjectW, JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE,
    JOBOBJECT_EXTENDED_LIMIT_INFORMATION, JobObjectExtendedLimitInformation,
    SetInformationJobObject,
};
use windows_sys::Win32::System::SystemInformation::{GetSystemDirectoryW, GetWindowsDirectoryW};
use windows_sys::Win32::System::Threading::{GetCurrentProcess, OpenProcessToken};
use windows_sys::Win32::System::Time::{
    FileTimeToSystemTime, SystemTimeToFileTime, SystemTimeToTzSpecificLocalTime,
};
use windows_sys::core::BOOL;

// ---------------------------------------------------------------------------------------
// Children: `exec` and `exec --server`.
// ---------------------------------------------------------------------------------------

/// Runs `command` to its end and returns its exit code, all 32 bits of it. Windows cannot
/// replace a process, so aws-mfa stays and waits:
/// - Ctrl-C and Ctrl-Break are ignored here while the child runs. The console sends them to
///   every process attached to it, so the child gets them and decides; aws-mfa must not die
///   first and leave the child behind. (A handler, not `SetConsoleCtrlHandler(NULL, TRUE)`,
///   which the child would inherit.)
/// - aws-mfa and, through inheritance, the child live in a job that kills what is left in it
///   when its last handle closes. That handle is aws-mfa's and is never closed by hand: it
///   closes when aws-mfa ends, however it ends, so nothing it started is left running.
pub fn run_child(command: &mut Command) -> io::Result<i32> {
    // A job that forbids jobs inside it (Windows before 8): the command still runs.
    if let Err(e) = join_kill_on_close_job() {
        eprintln!(
            "aws-mfa: warning: cannot start a job object ({e}): if aws-mfa is ended, the command may go on running"
        );
    }
    let _ignoring = IgnoredInterrupts::install()?;
    let status = command.spawn()?.wait()?;
    // Windows always has a code; it is a u32 that std hands out as an i32, bits intact.
    Ok(status.code().unwrap_or(1))
}

/// Puts this process in a new job with `JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE`. Joining before
/// the child is spawned means the child is born inside: no moment when it runs outside.
fn join_kill_on_close_job() -> io::Result<()> {
    // SAFETY: plain Win32 calls with a zeroed limit structure; the handle is checked.
    unsafe {
        let job = CreateJobObjectW(null(), null());
        if job.is_null() {
            return Err(io::Error::last_os_error());
        }
        let mut limits: JOBOBJECT_EXTENDED_LIMIT_INFORMATION = std::mem::zeroed();
        limits.BasicLimitInformation.LimitFlags = JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE;
        let joined = SetInformationJobObject(
            job,
            JobObjectExtendedLimitInformation,
            (&raw const limits).cast(),
            size_of::<JOBOBJECT_EXTENDED_LIMIT_INFORMATION>() as u32,
        ) != 0
            && AssignProcessToJobObject(job, GetCurrentProcess()) != 0;
        if !joined {
            let err = io::Error::last_os_error();
            CloseHandle(job);
            return Err(err);
        }
        // The handle stays open on purpose until aws-mfa exits (see `run_child`).
    }
    Ok(())
}

/// Ctrl-C / Ctrl-Break handled (ignored) by aws-mfa while the guard lives.
struct IgnoredInterrupts;

unsafe extern "system" fn ignore_interrupts(event: u32) -> BOOL {
    // TRUE: handled, so the default handler (which ends the process) is not called. Closing
    // the console, logoff and shutdown go on to it: aws-mfa ends, the job takes the child.
    BOOL::from(event == CTRL_C_EVENT || event == CTRL_BREAK_EVENT)
}

impl IgnoredInterrupts {
    fn install() -> io::Result<Self> {
        // SAFETY: registers a function that lives as long as the program.
        if unsafe { SetConsoleCtrlHandler(Some(ignore_interrupts), 1) } == 0 {
            return Err(io::Error::last_os_error());
        }
        Ok(IgnoredInterrupts)
    }
}

impl Drop for IgnoredInterrupts {
    fn drop(&mut self) {
        // SAFETY: removes the handler added in `install`.
        unsafe { SetConsoleCtrlHandler(Some(ignore_interrupts), 0) };
    }
}

/// Whether spawning `program` will find it, searched as std searches on Windows: a bare
/// name in the directory of aws-mfa, the system and Windows directories, then `PATH`, with
/// `.exe` appended when it has no extension; a path as given (or with `.exe`). `PATHEXT` is
/// not used by std, so a `.cmd` or `.bat` must be named with its extension.
pub fn program_exists(program: &OsStr, path: Option<&OsStr>) -> bool {
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

// ---------------------------------------------------------------------------------------
// Private files: an owner-only DACL instead of mode 0700/0600.
// ---------------------------------------------------------------------------------------

/// Creates `dir` private from its first moment: an explicit, protected DACL (nothing
/// inherited from the parent, which on a shared disk may let everyone in) with one entry,
/// full access for the current user, passed on to what is created inside. A directory
/// that is already there is left as it is (`check_dir_private` says what it is).
pub fn create_private_dir(dir: &Path) -> io::Result<()> {
    let user = CurrentUser::get()?;
    let acl = user.owner_only_acl(OBJECT_INHERIT_ACE | CONTAINER_INHERIT_ACE)?;
    let descriptor = PrivateDescriptor::new(&acl)?;
    let wide = wide(dir);
    // SAFETY: a NUL-terminated path and a valid security descriptor.
    if unsafe { CreateDirectoryW(wide.as_ptr(), &descriptor.attributes()) } != 0 {
        return Ok(());
    }
    let err = io::Error::last_os_error();
    match err.raw_os_error() {
        Some(code) if code as u32 == ERROR_ALREADY_EXISTS => Ok(()),
        _ => Err(err),
    }
}

/// Creates a new file (never opens an existing one) with the owner-only DACL, for reading
/// and writing, shared so it can be renamed into place while open.
pub fn create_private_file(path: &Path) -> io::Result<std::fs::File> {
    let user = CurrentUser::get()?;
    let acl = user.owner_only_acl(0)?;
    let descriptor = PrivateDescriptor::new(&acl)?;
    let wide = wide(path);
    // SAFETY: as above; the handle is checked and owned by the File from here on.
    unsafe {
        let handle = CreateFileW(
            wide.as_ptr(),
            GENERIC_READ | GENERIC_WRITE,
            FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE,
            &descriptor.attributes(),
            CREATE_NEW,
            FILE_ATTRIBUTE_NORMAL,
            null_mut(),
        );
        if handle == INVALID_HANDLE_VALUE {
            return Err(io::Error::last_os_error());
        }
        Ok(std::fs::File::from_raw_handle(handle.cast()))
    }
}

/// Gives an existing directory of ours the DACL `create_private_dir` would have given it.
pub fn make_dir_private(dir: &Path) -> io::Result<()> {
    let user = CurrentUser::get()?;
    let acl = user.owner_only_acl(OBJECT_INHERIT_ACE | CONTAINER_INHERIT_ACE)?;
    let wide = wide(dir);
    // SAFETY: a NUL-terminated path and a valid ACL; owner, group and SACL untouched.
    let err = unsafe {
        SetNamedSecurityInfoW(
            wide.as_ptr(),
            SE_FILE_OBJECT,
            DACL_SECURITY_INFORMATION | PROTECTED_DACL_SECURITY_INFORMATION,
            null_mut(),
            null_mut(),
            acl.as_ptr().cast::<ACL>(),
            null(),
        )
    };
    win32_result(err)
}

/// A security descriptor holding an owner-only DACL, protected from inheritance.
struct PrivateDescriptor {
    descriptor: Box<SECURITY_DESCRIPTOR>,
}

/// winnt.h `SECURITY_DESCRIPTOR_REVISION`.
const SECURITY_DESCRIPTOR_REVISION: u32 = 1;

impl PrivateDescriptor {
    /// `acl` must outlive the descriptor (it points at it).
    fn new(acl: &[u64]) -> io::Result<Self> {
        // SAFETY: initialises a zeroed, boxed (so not moving) descriptor in place.
        unsafe {
            let mut descriptor: Box<SECURITY_DESCRIPTOR> = Box::new(std::mem::zeroed());
            let raw: PSECURITY_DESCRIPTOR = (&raw mut *descriptor).cast();
            if InitializeSecurityDescriptor(raw, SECURITY_DESCRIPTOR_REVISION) == 0
                || SetSecurityDescriptorDacl(raw, 1, acl.as_ptr().cast::<ACL>(), 0) == 0
                || SetSecurityDescriptorControl(raw, SE_DACL_PROTECTED, SE_DACL_PROTECTED) == 0
            {
                return Err(io::Error::last_os_error());
            }
            Ok(PrivateDescriptor { descriptor })
        }
    }

    fn attributes(&self) -> SECURITY_ATTRIBUTES {
        SECURITY_ATTRIBUTES {
            nLength: size_of::<SECURITY_ATTRIBUTES>() as u32,
            lpSecurityDescriptor: (&raw const *self.descriptor).cast_mut().cast(),
            bInheritHandle: 0,
        }
    }
}

/// Why a file or directory is not private.
#[derive(Debug)]
pub struct NotPrivate {
    /// Another account owns it: not ours to change.
    pub foreign: bool,
    pub why: String,
}

impl std::fmt::Display for NotPrivate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.why)
    }
}

fn not_private(why: impl Into<String>) -> NotPrivate {
    NotPrivate {
        foreign: false,
        why: why.into(),
    }
}

/// Why an open file (or directory) is not private, if it is not (see
/// `SecurityDescriptor::check`).
pub fn check_file_private(file: &std::fs::File) -> Result<(), NotPrivate> {
    let mut descriptor = SecurityDescriptor::default();
    // SAFETY: the handle is open (with READ_CONTROL, part of read access); the out-pointers
    // point into `descriptor`, which frees what the call allocated.
    let err = unsafe {
        GetSecurityInfo(
            file.as_raw_handle() as HANDLE,
            SE_FILE_OBJECT,
            OWNER_SECURITY_INFORMATION | DACL_SECURITY_INFORMATION,
            &mut descriptor.owner,
            null_mut(),
            &mut descriptor.dacl,
            null_mut(),
            &mut descriptor.raw,
        )
    };
    win32_result(err).map_err(|e| not_private(format!("cannot read its permissions: {e}")))?;
    descriptor.check()
}

/// Why a directory is not private, if it is not (see `SecurityDescriptor::check`).
pub fn check_dir_private(dir: &Path) -> Result<(), NotPrivate> {
    use std::os::windows::fs::OpenOptionsExt;
    // A directory opens with FILE_FLAG_BACKUP_SEMANTICS; reading its DACL needs only
    // READ_CONTROL.
    let handle = std::fs::OpenOptions::new()
        .access_mode(READ_CONTROL)
        .custom_flags(FILE_FLAG_BACKUP_SEMANTICS)
        .open(dir)
        .map_err(|e| not_private(format!("cannot read its permissions: {e}")))?;
    check_file_private(&handle)
}

/// The ACE type that grants access (winnt.h `ACCESS_ALLOWED_ACE_TYPE`); 1 denies.
const ACCESS_ALLOWED_ACE_TYPE: u8 = 0;
const ACCESS_DENIED_ACE_TYPE: u8 = 1;

/// A security descriptor the system allocated for us, with pointers into it.
struct SecurityDescriptor {
    raw: PSECURITY_DESCRIPTOR,
    owner: PSID,
    dacl: *mut ACL,
}

impl Default for SecurityDescriptor {
    fn default() -> Self {
        SecurityDescriptor {
            raw: null_mut(),
            owner: null_mut(),
            dacl: null_mut(),
        }
    }
}

impl Drop for SecurityDescriptor {
    fn drop(&mut self) {
        if !self.raw.is_null() {
            // SAFETY: allocated by GetSecurityInfo, to be freed with LocalFree.
            unsafe { LocalFree(self.raw) };
        }
    }
}

impl SecurityDescriptor {
    /// OpenSSH's rule for a private key on Windows: owned by the user, and every entry
    /// that grants access names the user, SYSTEM or the Administrators group (the last
    /// two can read any file anyway). Anyone else allowed in, or no DACL at all (which
    /// lets everyone in), and it is not private.
    fn check(&self) -> Result<(), NotPrivate> {
        let user = CurrentUser::get()
            .map_err(|e| not_private(format!("cannot tell who runs aws-mfa: {e}")))?;
        if self.owner.is_null() || !user.is_us(self.owner) {
            return Err(NotPrivate {
                foreign: true,
                why: "it belongs to another user".into(),
            });
        }
        if self.dacl.is_null() {
            return Err(not_private("it has no access list, so everyone may use it"));
        }
        // SAFETY: `dacl` points into the descriptor; GetAce hands out pointers into it, each
        // at least an ACE_HEADER, and an allowed ACE has its SID at `SidStart`.
        unsafe {
            let mut size: ACL_SIZE_INFORMATION = std::mem::zeroed();
            if GetAclInformation(
                self.dacl,
                (&raw mut size).cast(),
                size_of::<ACL_SIZE_INFORMATION>() as u32,
                AclSizeInformation,
            ) == 0
            {
                return Err(not_private("its access list cannot be read"));
            }
            for index in 0..size.AceCount {
                let mut ace = null_mut();
                if GetAce(self.dacl, index, &mut ace) == 0 {
                    return Err(not_private("its access list cannot be read"));
                }
                match (*ace.cast::<ACE_HEADER>()).AceType {
                    ACCESS_DENIED_ACE_TYPE => {}
                    ACCESS_ALLOWED_ACE_TYPE => {
                        let sid = (&raw mut (*ace.cast::<ACCESS_ALLOWED_ACE>()).SidStart).cast();
                        let trusted = user.is_us(sid)
                            || IsWellKnownSid(sid, WinLocalSystemSid) != 0
                            || IsWellKnownSid(sid, WinBuiltinAdministratorsSid) != 0;
                        if !trusted {
                            return Err(not_private("its access list lets other accounts in"));
                        }
                    }
                    _ => {
                        return Err(not_private(
                            "its access list has entries aws-mfa does not trust",
                        ));
                    }
                }
            }
        }
        Ok(())
    }
}

/// The account running aws-mfa: its user SID and the default owner of what it creates
/// (the Administrators group for an elevated administrator).
struct CurrentUser {
    user: Vec<u64>,
    owner: Vec<u64>,
}

impl CurrentUser {
    fn get() -> io::Result<Self> {
        // SAFETY: the token handle is checked and closed; buffers are sized by the first
        // call and 8-byte aligned for the structures placed in them.
        unsafe {
            let mut token: HANDLE = null_mut();
            if OpenProcessToken(GetCurrentProcess(), TOKEN_QUERY, &mut token) == 0 {
                return Err(io::Error::last_os_error());
            }
            let read = |class: TOKEN_INFORMATION_CLASS| -> io::Result<Vec<u64>> {
                let mut len = 0u32;
                GetTokenInformation(token, class, null_mut(), 0, &mut len);
                let mut buf = vec![0u64; (len as usize).div_ceil(8).max(1)];
                if GetTokenInformation(token, class, buf.as_mut_ptr().cast(), len, &mut len) == 0 {
                    return Err(io::Error::last_os_error());
                }
                Ok(buf)
            };
            let found = read(TokenUser).and_then(|user| Ok((user, read(TokenOwner)?)));
            CloseHandle(token);
            let (user, owner) = found?;
            Ok(CurrentUser { user, owner })
        }
    }

    fn user_sid(&self) -> PSID {
        // SAFETY: the buffer holds a TOKEN_USER (see `get`).
        unsafe { (*self.user.as_ptr().cast::<TOKEN_USER>()).User.Sid }
    }

    fn owner_sid(&self) -> PSID {
        // SAFETY: the buffer holds a TOKEN_OWNER (see `get`).
        unsafe { (*self.owner.as_ptr().cast::<TOKEN_OWNER>()).Owner }
    }

    fn is_us(&self, sid: PSID) -> bool {
        // SAFETY: both are valid SIDs.
        unsafe { EqualSid(sid, self.user_sid()) != 0 || EqualSid(sid, self.owner_sid()) != 0 }
    }

    /// An ACL with one entry: full access for the user, with the given inheritance flags.
    fn owner_only_acl(&self, inheritance: u32) -> io::Result<Vec<u64>> {
        // SAFETY: the buffer is sized for the header, one allowed ACE and the SID.
        unsafe {
            let sid = self.user_sid();
            let size =
                size_of::<ACL>() + size_of::<ACCESS_ALLOWED_ACE>() + GetLengthSid(sid) as usize;
            let mut buf = vec![0u64; size.div_ceil(8)];
            let acl = buf.as_mut_ptr().cast::<ACL>();
            if InitializeAcl(acl, (buf.len() * 8) as u32, ACL_REVISION) == 0
                || AddAccessAllowedAceEx(acl, ACL_REVISION, inheritance, FILE_ALL_ACCESS, sid) == 0
            {
                return Err(io::Error::last_os_error());
            }
            Ok(buf)
        }
    }
}

fn wide(path: &Path) -> Vec<u16> {
    path.as_os_str().encode_wide().chain([0]).collect()
}

fn win32_result(err: WIN32_ERROR) -> io::Result<()> {
    match err {
        0 => Ok(()),
        err => Err(io::Error::from_raw_os_error(err as i32)),
    }
}

// ---------------------------------------------------------------------------------------
// Local time.
// ---------------------------------------------------------------------------------------

/// FILETIME counts 100 ns ticks since 1601-01-01; this many lie before 1970-01-01.
const FILETIME_UNIX_EPOCH: u64 = 116_444_736_000_000_000;

/// `at` on this machine's clock with its offset from UTC (`2026-11-29 10:00 +01:00`),
/// daylight saving time included as the time zone settings say for that date.
pub fn local_time(at: SystemTime) -> Option<String> {
    let since = at.duration_since(UNIX_EPOCH).ok()?;
    let ticks = FILETIME_UNIX_EPOCH + since.as_secs() * 10_000_000;
    let utc_file = FILETIME {
        dwLowDateTime: ticks as u32,
        dwHighDateTime: (ticks >> 32) as u32,
    };
    // SAFETY: plain conversions between caller-owned structures.
    unsafe {
        let mut utc: SYSTEMTIME = std::mem::zeroed();
        let mut local: SYSTEMTIME = std::mem::zeroed();
        let mut local_file: FILETIME = std::mem::zeroed();
        if FileTimeToSystemTime(&utc_file, &mut utc) == 0
            || SystemTimeToTzSpecificLocalTime(null(), &utc, &mut local) == 0
            || SystemTimeToFileTime(&local, &mut local_file) == 0
        {
            return None;
        }
        let local_ticks =
            u64::from(local_file.dwHighDateTime) << 32 | u64::from(local_file.dwLowDateTime);
        let offset_minutes = (local_ticks as i64 - ticks as i64) / 600_000_000;
        let sign = if offset_minutes < 0 { '-' } else { '+' };
        let offset = offset_minutes.unsigned_abs();
        Some(format!(
            "{:04}-{:02}-{:02} {:02}:{:02} {sign}{:02}:{:02}",
            local.wYear,
            local.wMonth,
            local.wDay,
            local.wHour,
            local.wMinute,
            offset / 60,
            offset % 60
        ))
    }
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
    fn what_is_created_private_checks_as_private() {
        let dir = tempfile::tempdir().unwrap();
        let private = dir.path().join("private");
        create_private_dir(&private).unwrap();
        check_dir_private(&private).unwrap();
        // Creating it again is no error: it is there.
        create_private_dir(&private).unwrap();
        let file = create_private_file(&private.join("entry")).unwrap();
        check_file_private(&file).unwrap();
        // Never an existing file.
        assert!(create_private_file(&private.join("entry")).is_err());
    }

    #[test]
    fn local_time_is_utc_moved_by_its_offset() {
        let at = UNIX_EPOCH + std::time::Duration::from_secs(1_795_000_000);
        let local = local_time(at).unwrap();
        // "2026-11-18 09:46 +01:00"
        let (stamp, offset) = local.rsplit_once(' ').unwrap();
        let sign = if offset.starts_with('-') { -1 } else { 1 };
        let minutes = sign
            * (offset[1..3].parse::<i64>().unwrap() * 60 + offset[4..].parse::<i64>().unwrap());
        let utc = humantime::format_rfc3339_seconds(at - std::time::Duration::ZERO).to_string();
        let shifted = humantime::format_rfc3339_seconds(if minutes >= 0 {
            at + std::time::Duration::from_secs(minutes as u64 * 60)
        } else {
            at - std::time::Duration::from_secs(minutes.unsigned_abs() * 60)
        })
        .to_string();
        assert_eq!(
            stamp,
            format!("{} {}", &shifted[..10], &shifted[11..16]),
            "{local} for {utc}"
        );
    }
}
