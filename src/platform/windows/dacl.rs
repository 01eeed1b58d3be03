//! Private files: an owner-only DACL instead of mode 0700/0600.

use std::io;
use std::mem::size_of;
use std::os::windows::ffi::OsStrExt;
use std::os::windows::io::{AsRawHandle, FromRawHandle};
use std::path::Path;
use std::ptr::{null, null_mut};

use windows_sys::Win32::Foundation::{
    CloseHandle, ERROR_ALREADY_EXISTS, GENERIC_READ, GENERIC_WRITE, HANDLE, INVALID_HANDLE_VALUE,
    LocalFree, WIN32_ERROR,
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
use windows_sys::Win32::System::Threading::{GetCurrentProcess, OpenProcessToken};

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

#[cfg(test)]
mod tests {
    use super::*;

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
}
