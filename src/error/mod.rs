//! Everything that can go wrong, each with a message for people and an exit code.
//!
//! `Display` reads "what happened: why"; `hint()` says what to do, when that helps.
//! No variant ever carries a secret.

use std::borrow::Cow;
use std::path::PathBuf;

mod hints;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("unknown profile '{name}': it is not in {files}")]
    UnknownProfile {
        name: String,
        files: String,
        known: Vec<String>,
    },

    #[error("cannot read the AWS profile files: {0}")]
    ProfileFiles(String),

    #[error("profile '{profile}' cannot be used: {why}")]
    BrokenProfile {
        profile: String,
        why: String,
        hint: String,
    },

    #[error("no long-term keys for profile '{profile}': {why}")]
    NoKeys { profile: String, why: String },

    #[error(
        "cannot start a session from temporary keys ({origin}): GetSessionToken needs long-term keys (AKIA…)"
    )]
    TemporaryKeys { origin: String },

    #[error("invalid MFA code: a code is 6 digits, not {0}")]
    InvalidCode(String),

    #[error("invalid duration '{value}': {why}")]
    InvalidDuration { value: String, why: String },

    #[error(
        "invalid --timeout '{0}': it takes a positive number of seconds, at most 3600 (1 hour)"
    )]
    InvalidTimeout(String),

    #[error("no MFA code: there is no terminal to ask on and no --token-code")]
    NoTerminal,

    #[error(
        "the MFA session of profile '{profile}' has run out, and this process may not ask for a code"
    )]
    CodeNeeded { profile: String, no_session: bool },

    #[error("cannot read the MFA code from the terminal: {0}")]
    Prompt(String),

    /// `command` is the program, when the line's first word is one; the rest of the line
    /// is never shown (it may hold a TOTP seed).
    #[error("mfa_process{} failed: {why}", program_shown(.command.as_deref()))]
    MfaProcess {
        command: Option<String>,
        why: String,
    },

    #[error("MFA code already used: STS accepts each code once, and this one was just sent")]
    CodeReused,

    #[error("no usable MFA device for profile '{profile}': {why}")]
    NoDevice { profile: String, why: String },

    #[error("{action} failed: {why}")]
    Sts {
        action: &'static str,
        why: String,
        hint: Option<String>,
        kind: StsFailure,
    },

    #[error("cannot tell which shell to write for: {why}")]
    UnknownShell {
        why: String,
        /// Every name `--shell` takes, as `bash|zsh|…`.
        names: String,
    },

    #[error("cannot run '{program}': {why}")]
    Exec {
        program: String,
        why: String,
        not_found: bool,
    },

    #[error("cannot start the credential server: {why}")]
    Server { why: String },

    #[error("cannot write to {}: {why}", path.display())]
    Write { path: PathBuf, why: String },

    // The OS keychain (`add`, `remove`, keys kept there).
    #[error("cannot {action} in {keychain}: {why}")]
    Keychain {
        action: String,
        keychain: &'static str,
        why: String,
    },

    #[error("invalid AWS_MFA_KEYCHAIN_TIMEOUT '{0}': it takes a positive number of seconds")]
    InvalidKeychainTimeout(String),

    /// The key id on record for a profile's keychain entry no longer matches the entry
    /// (changed or deleted by another program): the record is fixed, and the run retried.
    #[error("the keychain entry of profile '{profile}' changed since aws-mfa last read it")]
    KeychainChanged { profile: String },

    #[error("not an access key id ({what}): {why}")]
    BadAccessKey { what: String, why: String },

    #[error("not a secret access key ({what}): {why}")]
    BadSecretKey { what: String, why: String },

    #[error("cannot ask for the keys: {0}")]
    KeysPrompt(String),

    #[error("no keys for profile '{profile}' in {keychain}")]
    NotInKeychain {
        profile: String,
        keychain: &'static str,
    },
    #[error("cannot rotate the keys of profile '{profile}': {why}")]
    Rotate {
        profile: String,
        why: String,
        hint: Option<String>,
    },
    // A hostile or broken machine: files and variables that cannot be trusted as they are.
    #[error("cannot read the AWS profile file {path}: {why}")]
    ProfileFile {
        path: String,
        why: String,
        hint: String,
    },

    #[error("{0} cannot be used: it is not valid UTF-8")]
    NotUtf8Variable(&'static str),

    // The console sign-in and the code dialog.
    #[error(
        "profile '{profile}' cannot sign in to the console: it is a plain user profile, and credentials from GetSessionToken cannot sign in to the console (the federation endpoint refuses them), while GetFederationToken, which could, is denied under an MFA-enforcing policy (it cannot carry MFA)"
    )]
    ConsoleNeedsRole { profile: String },

    #[error("console sign-in failed: {why}")]
    SignIn { why: String, hint: Option<String> },

    #[error("cannot open the browser: {why}")]
    Browser { why: String },

    #[error("the MFA code dialog for profile '{profile}' was cancelled")]
    DialogCancelled { profile: String },

    #[error("the MFA code dialog ({program}) failed: {why}")]
    Dialog { program: String, why: String },

    // What the shell writers and the device lookup refuse.
    #[error(
        "no usable MFA device for profile '{profile}': no mfa_serial is set, and IAM lists several devices: {}",
        devices.join(", ")
    )]
    SeveralDevices {
        profile: String,
        devices: Vec<String>,
    },

    #[error("cannot write {name} for {shell}: its value holds {what}, which {shell} cannot carry")]
    Unrepresentable {
        shell: &'static str,
        name: String,
        what: String,
    },
    /// `env` run from cmd.exe, which cannot evaluate what it would print.
    #[error(
        "cannot write statements for cmd.exe: it has no way to run another program's output as commands"
    )]
    CmdHasNoEval,

    // `completions`: clap_complete wrote a script aws-mfa cannot adapt.
    #[error("cannot write the {shell} completion script: {why}")]
    CompletionScript { shell: &'static str, why: String },
}

/// What kind of STS failure, so the caller can decide to ask for another code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StsFailure {
    /// STS rejected the one-time code (wrong, or already used in its window).
    RejectedCode,
    /// Anything else: keys, network, throttling, a broken answer.
    Other,
}

impl Error {
    /// The error as it is printed: `aws-mfa: what: why`, and the hint under it, each with
    /// control characters escaped (see `escape_controls`).
    pub fn report(&self) -> String {
        let mut out = format!("aws-mfa: {}\n", escape_controls(&self.to_string()));
        if let Some(hint) = self.hint() {
            out.push_str(&format!("  hint: {}\n", escape_controls(&hint)));
        }
        out
    }

    /// Prints the report on stderr (once, where the run ends or a server first fails).
    #[allow(clippy::disallowed_macros)]
    pub fn print_report(&self) {
        eprint!("{}", self.report());
    }

    /// The error on one line, for a channel that carries one message (the credential
    /// server's JSON answer): `aws-mfa: what: why; hint`, control characters escaped.
    pub fn report_line(&self) -> String {
        let mut out = format!("aws-mfa: {}", escape_controls(&self.to_string()));
        if let Some(hint) = self.hint() {
            out.push_str(&format!("; {}", escape_controls(&hint)));
        }
        out
    }

    /// STS refused the one-time code (wrong, or already used).
    pub fn is_rejected_code(&self) -> bool {
        matches!(
            self,
            Error::Sts {
                kind: StsFailure::RejectedCode,
                ..
            }
        )
    }

    /// The process exit code for this failure (exec follows the shell's 127/126 convention).
    pub fn exit_code(&self) -> u8 {
        match self {
            Error::Exec {
                not_found: true, ..
            } => 127,
            Error::Exec { .. } => 126,
            _ => 1,
        }
    }
}

// What reaches the terminal: text from STS, profile files and variables goes into
// messages, and a raw ESC or BEL in it would be obeyed by the terminal (an OSC 52 clipboard
// write, a window title, a cleared screen). Every message passes through here.

/// `text` with every control character (C0, DEL, C1) written out: `\n`, `\r`, `\t`,
/// `\x1b`, `\u{9b}`. Text without one is returned as it is.
pub fn escape_controls(text: &str) -> Cow<'_, str> {
    if !text.chars().any(char::is_control) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() && (c as u32) < 0x80 => {
                out.push_str(&format!("\\x{:02x}", c as u32));
            }
            c if c.is_control() => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// ` 'program'` for a message, or nothing.
fn program_shown(program: Option<&str>) -> String {
    program.map_or_else(String::new, |p| format!(" '{p}'"))
}

/// `aws-mfa: …` on stderr, control characters escaped. Every line aws-mfa says on stderr
/// goes through here (or `note`, `warn`, `say_more`): profile names, serials, paths and
/// STS's words travel in them. `clippy.toml` forbids `eprintln!` everywhere else.
#[allow(clippy::disallowed_macros)]
pub fn say(message: &str) {
    eprintln!("aws-mfa: {}", escape_controls(message));
}

/// A line that goes on from the one `say` said (a line to copy, an indented list).
#[allow(clippy::disallowed_macros)]
pub fn say_more(line: &str) {
    eprintln!("{}", escape_controls(line));
}

/// `aws-mfa: warning: …` on stderr, control characters escaped.
pub fn warn(message: &str) {
    say(&format!("warning: {message}"));
}

/// `aws-mfa: note: …` on stderr, control characters escaped.
pub fn note(message: &str) {
    say(&format!("note: {message}"));
}

/// Errors of the exec area, made in one place for `exec` and the credential server's child.
impl Error {
    /// `program` could not be started: 127 for nothing there, 126 for anything else.
    pub fn cannot_run(program: &std::ffi::OsStr, err: &std::io::Error) -> Error {
        let not_found = err.kind() == std::io::ErrorKind::NotFound;
        Error::Exec {
            program: program.to_string_lossy().into_owned(),
            why: match err.kind() {
                std::io::ErrorKind::NotFound => "command not found".into(),
                std::io::ErrorKind::PermissionDenied => NOT_EXECUTABLE.into(),
                _ => err.to_string(),
            },
            not_found,
        }
    }
}

/// Why a file that is there cannot be run.
pub const NOT_EXECUTABLE: &str = "permission denied: it is not an executable file";

#[cfg(test)]
mod exec_area_tests {
    use std::ffi::OsStr;
    use std::io;

    use super::{Error, NOT_EXECUTABLE};

    #[test]
    fn the_one_line_report_has_the_hint_after_a_semicolon_and_no_controls() {
        let err = Error::UnknownProfile {
            name: "\x1b[2Jdev".into(),
            files: "config".into(),
            known: vec!["dev".into()],
        };
        assert_eq!(
            err.report_line(),
            "aws-mfa: unknown profile '\\x1b[2Jdev': it is not in config; known profiles: dev"
        );
    }

    #[test]
    fn a_program_that_cannot_start_is_127_when_missing_else_126() {
        let run = |kind| Error::cannot_run(OsStr::new("tool"), &io::Error::from(kind));
        let missing = run(io::ErrorKind::NotFound);
        assert_eq!(missing.exit_code(), 127);
        assert_eq!(missing.to_string(), "cannot run 'tool': command not found");
        let refused = run(io::ErrorKind::PermissionDenied);
        assert_eq!(refused.exit_code(), 126);
        assert_eq!(
            refused.to_string(),
            format!("cannot run 'tool': {NOT_EXECUTABLE}")
        );
    }
}

#[cfg(test)]
mod tests {
    use super::{Error, escape_controls};

    #[test]
    fn control_characters_are_written_out() {
        assert_eq!(escape_controls("plain ünïcode"), "plain ünïcode");
        assert_eq!(
            escape_controls("a\x1b]52;c;aGk=\x07b\u{9b}2J\n\t\0\x7f"),
            "a\\x1b]52;c;aGk=\\x07b\\u{9b}2J\\n\\t\\x00\\x7f"
        );
        let err = Error::UnknownProfile {
            name: "\x1b[2Jdev".into(),
            files: "config".into(),
            known: vec!["de\x07v".into()],
        };
        assert_eq!(
            err.report(),
            "aws-mfa: unknown profile '\\x1b[2Jdev': it is not in config\n  hint: known profiles: de\\x07v\n"
        );
    }

    #[test]
    fn the_refresh_hint_names_the_same_kind_of_session() {
        let hint = |no_session| {
            Error::CodeNeeded {
                profile: "admin".into(),
                no_session,
            }
            .hint()
            .unwrap()
        };
        assert!(hint(false).contains("'aws-mfa env --refresh -p admin'"));
        assert!(hint(true).contains("'aws-mfa env --refresh -p admin --no-session'"));
    }
}
