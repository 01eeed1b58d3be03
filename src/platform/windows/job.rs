//! The job object that ends with aws-mfa and takes its children with it.

use std::io;
use std::mem::size_of;
use std::ptr::null;

use windows_sys::Win32::Foundation::CloseHandle;
use windows_sys::Win32::System::JobObjects::{
    AssignProcessToJobObject, CreateJobObjectW, JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE,
    JOBOBJECT_EXTENDED_LIMIT_INFORMATION, JobObjectExtendedLimitInformation,
    SetInformationJobObject,
};
use windows_sys::Win32::System::Threading::GetCurrentProcess;

/// Puts this process in a new job with `JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE`. Joining before
/// the child is spawned means the child is born inside: no moment when it runs outside.
pub fn join_kill_on_close_job() -> io::Result<()> {
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
        // The handle stays open on purpose until aws-mfa exits (see `child::run_child`).
    }
    Ok(())
}
