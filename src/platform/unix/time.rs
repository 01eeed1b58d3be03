//! Local time, as the C library sees it (`TZ`, /etc/localtime).

use std::time::SystemTime;

/// The time on this machine's clock, with its zone (`2026-11-29 10:00 CET`).
pub fn local_time(at: SystemTime) -> Option<String> {
    // `time_t` by inference: musl's libc crate marks the type's name deprecated (its width
    // on 32-bit targets is changing), not the value.
    let secs = at
        .duration_since(SystemTime::UNIX_EPOCH)
        .ok()
        .and_then(|d| d.as_secs().try_into().ok())
        .unwrap_or(0);
    // SAFETY: localtime_r and strftime write only into the buffers given to them.
    unsafe {
        let mut tm: libc::tm = std::mem::zeroed();
        if libc::localtime_r(&secs, &mut tm).is_null() {
            return None;
        }
        let mut buf = [0u8; 64];
        let n = libc::strftime(
            buf.as_mut_ptr().cast(),
            buf.len(),
            c"%Y-%m-%d %H:%M %Z".as_ptr(),
            &tm,
        );
        Some(String::from_utf8_lossy(&buf[..n]).into_owned())
    }
}
