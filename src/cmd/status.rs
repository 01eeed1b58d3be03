//! `aws-mfa status`: the cached sessions, one line each. Never a secret.

use std::process::ExitCode;

use crate::cache::{self, Sessions};
use crate::cli::StatusArgs;
use crate::environment::Environment;
use crate::error::{Error, escape_controls};
use crate::session::rfc3339;

pub fn run(_args: &StatusArgs, env: &Environment) -> Result<ExitCode, Error> {
    print_sessions(env)?;
    if let Some(line) = crate::profile::extra_env::status_line(env) {
        super::print(&line)?;
    }
    Ok(ExitCode::SUCCESS)
}

fn print_sessions(env: &Environment) -> Result<(), Error> {
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
                crate::platform::local_time(at).unwrap_or_else(|| "?".into()),
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
