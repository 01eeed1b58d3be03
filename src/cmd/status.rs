//! `aws-mfa status`: the cached sessions, one line each. Never a secret.

use std::time::SystemTime;

use crate::cache::{self, Sessions};
use crate::environment::Environment;
use crate::error::{Error, escape_controls};
use crate::session::rfc3339;

pub fn run(env: &Environment) -> Result<(), Error> {
    let Some(dir) = cache::location(env) else {
        return super::print("no cache directory (set AWS_MFA_CACHE_DIR)\n");
    };
    let entries = if dir.is_dir() {
        // Read only: a loose directory is left as it is (it is tightened when next used).
        Sessions::inspect(Some(dir.clone())).entries()
    } else {
        Vec::new()
    };
    if entries.is_empty() {
        return super::print(&format!("no cached sessions in {}\n", dir.display()));
    }
    let rows: Vec<[String; 5]> = entries
        .iter()
        .map(|(_, entry)| {
            let at = entry.credentials.expiration;
            // Names from the profile files: control characters shown escaped.
            [
                escape_controls(&entry.profile).into_owned(),
                escape_controls(&entry.identity).into_owned(),
                rfc3339(at),
                local_time(at),
                crate::duration::left(entry.time_left()),
            ]
        })
        .collect();
    let header = ["PROFILE", "IDENTITY", "EXPIRES (UTC)", "LOCAL", "LEFT"].map(String::from);
    let mut widths = [0; 5];
    for row in std::iter::once(&header).chain(&rows) {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let mut out = String::new();
    for row in std::iter::once(&header).chain(&rows) {
        let cells: Vec<String> = row
            .iter()
            .zip(widths)
            .map(|(cell, width)| format!("{cell:width$}"))
            .collect();
        out.push_str(cells.join("  ").trim_end());
        out.push('\n');
    }
    super::print(&out)
}

/// The time on this machine's clock, with its zone (`2026-11-29 10:00 CET`).
#[cfg(unix)]
fn local_time(at: SystemTime) -> String {
    let secs = at
        .duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| d.as_secs() as libc::time_t)
        .unwrap_or(0);
    // SAFETY: localtime_r and strftime write only into the buffers given to them.
    unsafe {
        let mut tm: libc::tm = std::mem::zeroed();
        if libc::localtime_r(&secs, &mut tm).is_null() {
            return "?".into();
        }
        let mut buf = [0u8; 64];
        let n = libc::strftime(
            buf.as_mut_ptr().cast(),
            buf.len(),
            c"%Y-%m-%d %H:%M %Z".as_ptr(),
            &tm,
        );
        String::from_utf8_lossy(&buf[..n]).into_owned()
    }
}

/// Windows: the time zone settings' local time, with its offset (`2026-11-29 10:00 +01:00`).
#[cfg(windows)]
fn local_time(at: SystemTime) -> String {
    crate::platform::windows::local_time(at).unwrap_or_else(|| "?".into())
}
