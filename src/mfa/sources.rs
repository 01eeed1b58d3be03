//! Which source gives the code, in order, and the tries a person gets.

use super::dialog::Dialog;
use crate::cache::Records;
use crate::environment::Environment;
use crate::error::Error;

use super::{MfaCode, Terminal, run_mfa_process};

/// Whether the terminal may be asked for a code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Prompt {
    /// Ask on the terminal when no other source gives a code.
    Terminal,
    /// Never read the terminal (a credential server while its child runs).
    Never,
}

/// Where the codes of one request may come from.
pub struct CodeSources<'a> {
    /// `-t`.
    pub flag: Option<&'a MfaCode>,
    /// The profile's `mfa_process`.
    pub process: Option<&'a str>,
    pub prompt: Prompt,
    /// The profile asked for (a dialog's title, the error when nobody may be asked).
    pub profile: &'a str,
    /// `--no-session` (the error when nobody may be asked says how to get a session).
    pub no_session: bool,
    /// The run's environment (is there a desktop for a dialog).
    pub env: &'a Environment,
}

/// Tries a person gets at the terminal (or in a dialog) for one code.
const CODE_TRIES: u32 = 3;

enum CodeSource {
    Flag(MfaCode),
    Process(String),
    Ask(Ask),
}

/// Where a person is asked for a code: the terminal, else a desktop dialog.
enum Ask {
    Terminal(Terminal),
    Dialog(Dialog),
}

impl Ask {
    fn ask_code(&mut self, device: &str) -> Result<MfaCode, Error> {
        match self {
            Ask::Terminal(terminal) => terminal.ask_code(device),
            Ask::Dialog(dialog) => dialog.ask_code(device),
        }
    }

    /// Why a code was not taken, before the next try.
    fn say(&mut self, line: &str) {
        match self {
            Ask::Terminal(terminal) => terminal.say(line),
            Ask::Dialog(dialog) => dialog.say(line),
        }
    }
}

impl CodeSources<'_> {
    /// Where the code comes from, first that applies: `-t`, `mfa_process`, the terminal, a
    /// desktop dialog.
    fn source(&self) -> Result<CodeSource, Error> {
        if let Some(code) = self.flag {
            return Ok(CodeSource::Flag(code.clone()));
        }
        if let Some(command) = self.process {
            return Ok(CodeSource::Process(command.to_owned()));
        }
        match self.prompt {
            // No terminal (an IDE running credential_process): a dialog, on a desktop.
            Prompt::Terminal => match Terminal::open() {
                Ok(terminal) => Ok(CodeSource::Ask(Ask::Terminal(terminal))),
                Err(e) => Dialog::find(self.profile, self.env)
                    .map(|dialog| CodeSource::Ask(Ask::Dialog(dialog)))
                    .ok_or(e),
            },
            Prompt::Never => Err(Error::CodeNeeded {
                profile: self.profile.to_owned(),
                no_session: self.no_session,
            }),
        }
    }

    /// Calls `send` with a one-time code. A code sent lately is refused before any call
    /// (STS answers a reused code exactly like a wrong one); at the terminal or in a dialog
    /// a malformed, reused or rejected code gets another try, three in all.
    pub fn with_code<T>(
        &self,
        cache: &Records,
        serial: &str,
        mut send: impl FnMut(&MfaCode) -> Result<T, Error>,
    ) -> Result<T, Error> {
        let mut source = self.source()?;
        tracing::info!(
            "MFA code for {serial} from {}",
            match &source {
                CodeSource::Flag(_) => "--token-code".to_owned(),
                CodeSource::Process(_) => "mfa_process".to_owned(),
                CodeSource::Ask(Ask::Terminal(_)) => "the terminal".to_owned(),
                CodeSource::Ask(Ask::Dialog(dialog)) => format!("a dialog ({})", dialog.name()),
            }
        );
        for attempt in 1..=CODE_TRIES {
            let again = attempt < CODE_TRIES;
            let code = match &mut source {
                CodeSource::Flag(code) => code.clone(),
                CodeSource::Process(command) => {
                    run_mfa_process(command, self.env.os("PATH"), self.profile)?
                }
                CodeSource::Ask(ask) => match ask.ask_code(serial) {
                    Err(e @ Error::InvalidCode(_)) if again => {
                        ask.say(&format!("aws-mfa: {e}"));
                        continue;
                    }
                    other => other?,
                },
            };
            if cache.code_was_used(serial, code.as_str()) {
                match &mut source {
                    CodeSource::Ask(ask) if again => {
                        ask.say("aws-mfa: that code was just used; wait for the next one");
                        continue;
                    }
                    _ => return Err(Error::CodeReused),
                }
            }
            let result = send(&code);
            let rejected = matches!(&result, Err(e) if e.is_rejected_code());
            if result.is_ok() || rejected {
                // STS has seen this code: it cannot serve again in its window.
                cache.remember_code(serial, code.as_str());
            }
            match (result, &mut source) {
                (Err(e), CodeSource::Ask(ask)) if rejected && again => {
                    ask.say(&format!("aws-mfa: {e}; try again"));
                }
                (result, _) => return result,
            }
        }
        Err(Error::Prompt("no accepted code after 3 tries".into()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::StsFailure;

    const SERIAL: &str = "arn:aws:iam::123456789012:mfa/me";

    /// No variables: nothing in these tests looks for a desktop.
    static NO_VARIABLES: std::sync::LazyLock<Environment> =
        std::sync::LazyLock::new(Environment::default);

    fn sources(flag: Option<&MfaCode>, prompt: Prompt, no_session: bool) -> CodeSources<'_> {
        CodeSources {
            flag,
            process: None,
            prompt,
            profile: "work",
            no_session,
            env: &NO_VARIABLES,
        }
    }

    #[test]
    fn a_code_from_the_flag_is_sent_once_whatever_the_answer() {
        let code = MfaCode::parse("123456").unwrap();
        let cache = Records::disabled();
        let rejected = || Error::Sts {
            action: "GetSessionToken",
            why: "MultiFactorAuthentication failed with invalid MFA one time pass code".into(),
            hint: None,
            kind: StsFailure::RejectedCode,
        };
        for prompt in [Prompt::Terminal, Prompt::Never] {
            let mut sent = Vec::new();
            let answer = sources(Some(&code), prompt, false).with_code(&cache, SERIAL, |c| {
                sent.push(c.as_str().to_owned());
                Ok(7)
            });
            assert_eq!(answer.unwrap(), 7);
            assert_eq!(sent, ["123456"]);

            let mut tries = 0;
            let answer = sources(Some(&code), prompt, false).with_code(&cache, SERIAL, |_| {
                tries += 1;
                Err::<(), _>(rejected())
            });
            assert!(answer.unwrap_err().is_rejected_code());
            assert_eq!(
                tries, 1,
                "a code given on the command line is not asked again"
            );
        }
    }

    #[test]
    fn nobody_to_ask_is_an_error_before_anything_is_sent() {
        let cache = Records::disabled();
        for no_session in [false, true] {
            let answer = sources(None, Prompt::Never, no_session).with_code(
                &cache,
                SERIAL,
                |_| -> Result<(), Error> { panic!("nothing may be sent without a code") },
            );
            match answer {
                Err(Error::CodeNeeded {
                    profile,
                    no_session: said,
                }) => assert_eq!((profile.as_str(), said), ("work", no_session)),
                other => panic!("{other:?}"),
            }
        }
    }
}
