//! `mfa_process`: a program that prints the code, run without a shell and bounded in time.

use std::ffi::OsStr;
use std::io::Read;
use std::process::{Child, ExitStatus, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use super::MfaCode;
use crate::error::Error;

/// How long `mfa_process` may take: a touch on a hardware key or a passphrase takes
/// seconds; a process that has not given a code within a minute is stuck.
pub const MFA_PROCESS_LIMIT: Duration = Duration::from_secs(60);

/// More than a code needs: the rest of a chatty process's output is read and dropped.
const OUTPUT_LIMIT: usize = 4096;

/// Why an `mfa_process` line cannot be run, said without showing any of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProcessLineError {
    /// Not words a shell could split (an unclosed quote).
    Unsplittable(String),
    Empty,
    /// The first word sets a variable (`SEED=… oathtool`): that takes a shell.
    Assignment,
    /// The first word holds a space or a control character and names no program: most
    /// likely the whole command in quotes.
    NotAProgram,
}

impl std::fmt::Display for ProcessLineError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Unsplittable(why) => write!(f, "it cannot be split into words: {why}"),
            Self::Empty => write!(f, "it is empty"),
            Self::Assignment => write!(
                f,
                "its first word sets a variable (NAME=value), which takes a shell, and mfa_process runs its program without one"
            ),
            Self::NotAProgram => write!(
                f,
                "its first word is not a program (is the whole command in quotes?)"
            ),
        }
    }
}

/// The words of an `mfa_process` line, split as a shell would (no shell runs them). The
/// line may hold a secret (`oathtool --totp -b SEED`): only its first word is ever shown,
/// and only when that word is a program, one that can be started from `path` or a plain
/// name or path. A quoted whole command or a `NAME=value` first word is refused unshown.
pub fn process_words(line: &str, path: Option<&OsStr>) -> Result<Vec<String>, ProcessLineError> {
    let words =
        shell_words::split(line).map_err(|e| ProcessLineError::Unsplittable(e.to_string()))?;
    let first = words.first().ok_or(ProcessLineError::Empty)?;
    let runnable = (first.contains('/') || path.is_some())
        && crate::platform::check_runnable(OsStr::new(first), path).is_ok();
    if runnable {
        return Ok(words);
    }
    let variable = first.split_once('=').is_some_and(|(name, _)| {
        !name.is_empty()
            && !name.starts_with(|c: char| c.is_ascii_digit())
            && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
    });
    if variable {
        return Err(ProcessLineError::Assignment);
    }
    if first.is_empty() || first.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(ProcessLineError::NotAProgram);
    }
    Ok(words)
}

/// Runs `mfa_process` (split like a shell would, run without one) and reads a code from
/// its stdout. Its stdin and stderr stay ours (the terminal), so it can ask for a touch or
/// a passphrase. The code is taken when the process exits, not at the end of its output
/// (a background child may keep that open for ever); it is bounded in time, and what it
/// leaves behind holding its output is ended. `path` is the `PATH` it is looked for along.
/// After a second without a code, the person is told what it waits for (`nudge`), naming
/// `profile`.
pub fn run_mfa_process(
    command_line: &str,
    path: Option<&OsStr>,
    profile: &str,
) -> Result<MfaCode, Error> {
    let words = process_words(command_line, path).map_err(|e| Error::MfaProcess {
        // A line that cannot be split still names its program when its first word plainly
        // is one (`oathtool --totp -b "SEED`).
        command: match e {
            ProcessLineError::Unsplittable(_) => command_line
                .split_whitespace()
                .next()
                .filter(|w| !w.contains(['"', '\'', '\\', '=']) && !w.chars().any(char::is_control))
                .map(str::to_owned),
            _ => None,
        },
        why: e.to_string(),
    })?;
    let (program, args) = words.split_first().expect("process_words gives a program");
    // Errors name the program only: the rest may hold a secret.
    let failed = |why: String| Error::MfaProcess {
        command: Some(program.clone()),
        why,
    };
    let mut child = crate::platform::start_clean(&mut std::process::Command::new(program))
        .args(args)
        .stdin(Stdio::inherit())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .map_err(|e| failed(format!("cannot start it: {e}")))?;
    let mut nudge = super::nudge::Nudge::new(profile, program);
    let (status, output) =
        wait_for_code(&mut child, MFA_PROCESS_LIMIT, &mut nudge).map_err(failed)?;
    if !status.success() {
        return Err(failed(format!("it {}", ended(&status))));
    }
    let text = String::from_utf8_lossy(&output);
    MfaCode::parse(&text).map_err(|e| failed(format!("it printed no code ({e})")))
}

/// Waits for `child` to exit (at most `limit`) while collecting its stdout; what it wrote
/// before exiting is kept, what a leftover writes later is not waited for.
fn wait_for_code(
    child: &mut Child,
    limit: Duration,
    nudge: &mut super::nudge::Nudge<'_>,
) -> Result<(ExitStatus, Vec<u8>), String> {
    let mut stdout = child.stdout.take().expect("stdout is piped");
    let pipe = crate::platform::PipeId::of(&stdout);
    let (chunks, received) = mpsc::channel::<Vec<u8>>();
    std::thread::spawn(move || {
        let mut buf = [0u8; 512];
        while let Ok(n @ 1..) = stdout.read(&mut buf) {
            if chunks.send(buf[..n].to_vec()).is_err() {
                break;
            }
        }
    });
    let mut output = Vec::new();
    let mut keep = |chunk: Vec<u8>| {
        let room = OUTPUT_LIMIT.saturating_sub(output.len());
        output.extend(chunk.into_iter().take(room));
    };
    let deadline = Instant::now() + limit;
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) => {}
            Err(e) => return Err(format!("cannot wait for it: {e}")),
        }
        if Instant::now() >= deadline {
            let _ = child.kill();
            let _ = child.wait();
            pipe.end_holders();
            return Err(format!(
                "it gave no code within {} s, and was stopped",
                limit.as_secs()
            ));
        }
        nudge.tick();
        if let Ok(chunk) = received.recv_timeout(Duration::from_millis(20)) {
            keep(chunk);
        }
    };
    // What it wrote before exiting is in the pipe already: the reader has it at once, or
    // reaches the end at once when nothing else holds the pipe.
    let grace = Instant::now() + Duration::from_millis(200);
    loop {
        match received.recv_timeout(grace.saturating_duration_since(Instant::now())) {
            Ok(chunk) => keep(chunk),
            Err(mpsc::RecvTimeoutError::Disconnected) => break,
            Err(mpsc::RecvTimeoutError::Timeout) => {
                // Something it started still holds its output open.
                pipe.end_holders();
                break;
            }
        }
    }
    Ok((status, output))
}

/// How a process ended, for a message: `exited with status 1`, `was killed by SIGKILL`.
pub fn ended(status: &ExitStatus) -> String {
    if let Some(signal) = crate::platform::killing_signal(status) {
        return format!("was killed by {signal}");
    }
    match status.code() {
        Some(code) => format!("exited with status {code}"),
        None => "ended abnormally".into(),
    }
}
