//! The prompt on the terminal. It is written to and read from the terminal device itself,
//! never stdout (which `eval` captures) or stdin. It reads a plain line with the terminal's
//! settings untouched: Ctrl-C then leaves the terminal exactly as it was and ends the process
//! by SIGINT, and the code (useless after its 30 seconds) stays visible so a typo can be seen.

use std::fs::File;
use std::io::{BufRead, BufReader, Write};

use super::MfaCode;
use crate::error::{Error, escape_controls};

/// The terminal, opened for a prompt.
pub struct Terminal {
    input: BufReader<File>,
    output: File,
}

impl Terminal {
    /// Opens the controlling terminal; `Error::NoTerminal` when there is none.
    pub fn open() -> Result<Self, Error> {
        let (input, output) = crate::platform::open_terminal().map_err(|_| Error::NoTerminal)?;
        Ok(Terminal {
            input: BufReader::new(input),
            output,
        })
    }

    /// Writes a line to the terminal (a notice that must be seen even under `eval`).
    pub fn say(&mut self, line: &str) {
        let _ = writeln!(self.output, "{}", escape_controls(line));
    }

    /// Asks for a code and reads one line.
    pub fn ask_code(&mut self, device: &str) -> Result<MfaCode, Error> {
        write!(
            self.output,
            "Enter MFA code for {}: ",
            escape_controls(device)
        )
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
