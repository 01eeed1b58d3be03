//! Where the one-time code comes from: the flag, `mfa_process`, or a prompt on the terminal.
//!
//! The prompt is written to and read from the terminal device itself, never stdout (which
//! `eval` captures) or stdin. It reads a plain line with the terminal's settings untouched:
//! Ctrl-C then leaves the terminal exactly as it was and ends the process by SIGINT, and the
//! code (useless after its 30 seconds) stays visible so a typo can be seen.

use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, Write};

use crate::error::Error;

/// A code that looks right: exactly six ASCII digits.
#[derive(Clone, PartialEq, Eq)]
pub struct MfaCode(String);

impl MfaCode {
    pub fn parse(input: &str) -> Result<Self, Error> {
        let code = input.trim();
        if code.len() == 6 && code.bytes().all(|b| b.is_ascii_digit()) {
            Ok(MfaCode(code.to_owned()))
        } else {
            // Describe the input without echoing it: it may be a code after all.
            let count = code.chars().count();
            let digits = code.chars().filter(char::is_ascii_digit).count();
            Err(Error::InvalidCode(match (count, digits) {
                (0, _) => "an empty line".to_owned(),
                (n, d) if n == d => format!("{n} digits"),
                (n, _) => format!("{n} characters of which {digits} are digits"),
            }))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for MfaCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("MfaCode(******)")
    }
}

/// The terminal, opened for a prompt.
pub struct Terminal {
    input: BufReader<File>,
    output: File,
}

impl Terminal {
    /// Opens the controlling terminal; `Error::NoTerminal` when there is none.
    pub fn open() -> Result<Self, Error> {
        let (input, output) = open_terminal().map_err(|_| Error::NoTerminal)?;
        Ok(Terminal {
            input: BufReader::new(input),
            output,
        })
    }

    /// Writes a line to the terminal (a notice that must be seen even under `eval`).
    pub fn say(&mut self, line: &str) {
        let _ = writeln!(self.output, "{line}");
    }

    /// Asks for a code and reads one line.
    pub fn ask_code(&mut self, device: &str) -> Result<MfaCode, Error> {
        write!(self.output, "Enter MFA code for {device}: ")
            .and_then(|()| self.output.flush())
            .map_err(|e| Error::Prompt(e.to_string()))?;
        let mut line = String::new();
        match self.input.read_line(&mut line) {
            Ok(0) => Err(Error::Prompt(
                "the terminal closed before a code was entered".into(),
            )),
            Ok(_) => MfaCode::parse(&line),
            Err(e) => Err(Error::Prompt(e.to_string())),
        }
    }

    /// Lets the user pick one of `items` by number; returns its index.
    pub fn choose(&mut self, question: &str, items: &[String]) -> Result<usize, Error> {
        for (i, item) in items.iter().enumerate() {
            self.say(&format!("  {}) {item}", i + 1));
        }
        for _ in 0..3 {
            write!(self.output, "{question} [1-{}]: ", items.len())
                .and_then(|()| self.output.flush())
                .map_err(|e| Error::Prompt(e.to_string()))?;
            let mut line = String::new();
            if self
                .input
                .read_line(&mut line)
                .map_err(|e| Error::Prompt(e.to_string()))?
                == 0
            {
                break;
            }
            match line.trim().parse::<usize>() {
                Ok(n) if (1..=items.len()).contains(&n) => return Ok(n - 1),
                _ => self.say(&format!("type a number from 1 to {}", items.len())),
            }
        }
        Err(Error::Prompt("no choice was made".into()))
    }
}

/// Whether a device IAM lists can give a one-time code: virtual (`…:mfa/…`) and hardware
/// TOTP devices can; security keys (FIDO, `…:u2f/…`) cannot be used with GetSessionToken.
pub fn is_totp_device(serial: &str) -> bool {
    !serial.contains(":u2f/")
}

/// Runs `mfa_process` (split like a shell would, run without one) and reads a code from
/// its stdout. Its stdin and stderr stay ours (the terminal), so it can ask for a touch or
/// a passphrase.
pub fn run_mfa_process(command_line: &str) -> Result<MfaCode, Error> {
    let failed = |why: String| Error::MfaProcess {
        command: command_line.to_owned(),
        why,
    };
    let words = shell_words::split(command_line).map_err(|e| failed(e.to_string()))?;
    let (program, args) = words
        .split_first()
        .ok_or_else(|| failed("it is empty".into()))?;
    let output = std::process::Command::new(program)
        .args(args)
        .stdin(std::process::Stdio::inherit())
        .stderr(std::process::Stdio::inherit())
        .output()
        .map_err(|e| failed(format!("cannot start it: {e}")))?;
    if !output.status.success() {
        return Err(failed(format!("it exited with {}", output.status)));
    }
    let text = String::from_utf8_lossy(&output.stdout);
    MfaCode::parse(&text).map_err(|e| failed(format!("it printed no code ({e})")))
}

/// The controlling terminal: (input, output).
#[cfg(unix)]
pub(crate) fn open_terminal() -> std::io::Result<(File, File)> {
    let tty = OpenOptions::new().read(true).write(true).open("/dev/tty")?;
    Ok((tty.try_clone()?, tty))
}

#[cfg(windows)]
pub(crate) fn open_terminal() -> std::io::Result<(File, File)> {
    let input = OpenOptions::new().read(true).write(true).open("CONIN$")?;
    let output = OpenOptions::new().read(true).write(true).open("CONOUT$")?;
    Ok((input, output))
}

#[cfg(test)]
mod tests {
    use super::MfaCode;

    #[test]
    fn six_digits_and_nothing_else() {
        assert_eq!(MfaCode::parse(" 123456\n").unwrap().as_str(), "123456");
        for bad in ["12345", "1234567", "12345a", "", "١٢٣٤٥٦", "123 456"] {
            assert!(MfaCode::parse(bad).is_err(), "{bad:?} accepted");
        }
    }
}
