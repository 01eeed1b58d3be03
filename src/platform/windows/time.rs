//! Local time, as the time zone settings say.

use std::ptr::null;
use std::time::{SystemTime, UNIX_EPOCH};

use windows_sys::Win32::Foundation::{FILETIME, SYSTEMTIME};
use windows_sys::Win32::System::Time::{
    FileTimeToSystemTime, SystemTimeToFileTime, SystemTimeToTzSpecificLocalTime,
};

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
