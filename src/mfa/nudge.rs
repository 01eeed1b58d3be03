//! A code source that waits on a person (an `mfa_process` such as `ykman oath accounts code`
//! waiting for a touch) says so after a second: a line on the terminal when there is one,
//! else a desktop notification. Only the profile and the program's name are shown, never
//! the rest of its line (it may hold a secret).

use std::io::Write;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::error::escape_controls;

/// How long a code source may be silent before the person is told what it waits for.
pub const NUDGE_AFTER: Duration = Duration::from_secs(1);

/// Tells the person, once, that a program is waiting for them.
pub struct Nudge<'a> {
    profile: &'a str,
    /// The program's file name, without its directory.
    program: String,
    due: Instant,
    done: bool,
}

impl<'a> Nudge<'a> {
    /// For `program` (as the line names it) started now for `profile`.
    pub fn new(profile: &'a str, program: &str) -> Self {
        let name = std::path::Path::new(program)
            .file_name()
            .map(|name| name.to_string_lossy().into_owned())
            .unwrap_or_else(|| program.to_owned());
        Nudge {
            profile,
            program: escape_controls(&name).into_owned(),
            due: Instant::now() + NUDGE_AFTER,
            done: false,
        }
    }

    /// Called while waiting: once the program has been silent for `NUDGE_AFTER`, tells.
    pub fn tick(&mut self) {
        if self.done || Instant::now() < self.due {
            return;
        }
        self.done = true;
        let waiting = format!("waiting for {} (touch your security key?)", self.program);
        if let Ok((_, mut terminal)) = crate::platform::open_terminal() {
            let _ = writeln!(terminal, "aws-mfa: {waiting}");
            tracing::info!("mfa_process: no code after 1 s; said so on the terminal");
            return;
        }
        let title = format!("aws-mfa: profile '{}'", escape_controls(self.profile));
        notify(&title, &waiting);
    }
}

/// Starts the platform's notifier and does not wait for it (a thread reaps it).
fn notify(title: &str, text: &str) {
    let notifier = crate::platform::notifier(title, text);
    let started = crate::platform::start_clean(&mut Command::new(notifier.program))
        .args(&notifier.args)
        .envs(notifier.env.iter().map(|(name, value)| (name, value)))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn();
    match started {
        Ok(mut child) => {
            tracing::info!(
                "mfa_process: no code after 1 s and no terminal; a notification through {}",
                notifier.program
            );
            std::thread::spawn(move || child.wait());
        }
        Err(e) => tracing::info!(
            "mfa_process: no code after 1 s, no terminal, and no notification: cannot start {}: {e}",
            notifier.program
        ),
    }
}
