//! tcsh and csh: `eval "`aws-mfa env --shell tcsh`"`.
//!
//! Quoting rule: inside single quotes every character is literal, but two things happen
//! before quotes are looked at. History substitution runs over the text `eval` gets (also
//! in scripts and under `-c`, measured with tcsh 6.24), so each `!` is written outside the
//! quotes as `\!`. And a newline cannot be carried at all: the backquotes turn each output
//! line into a word and `eval` joins the words with spaces, so every statement ends in `;`
//! and a value holding a newline (or a carriage return, which a terminal shows as one) is
//! refused. A `'` is written by closing the quotes, an escaped quote, and reopening:
//! `'` → `'\''`.
//!
//! In a locale that is not UTF-8, tcsh garbles a non-ASCII character that straddles one of
//! its 4 KiB reads of the backquoted output (measured: `C` locale, tcsh 6.24), so there
//! non-ASCII characters are refused too; the locale is the one tcsh passed on to us.

use super::writer::{Detect, Eval, Init, Writer};
use crate::error::Error;
use crate::session::EnvChange;

/// No completion script: clap_complete writes none for tcsh.
pub const TCSH: Writer = Writer {
    name: "tcsh",
    aliases: &["csh"],
    help: None,
    detect: Detect::programs(&["tcsh", "csh"]),
    render,
    eval: Some(Eval {
        line: "eval \"`aws-mfa env`\"",
        who: "tcsh, csh",
    }),
    init: Some(Init {
        script: include_str!("../../shell/aws-mfa.tcsh"),
        line: "aws-mfa init tcsh > ~/.aws-mfa.tcsh",
        place: "then in ~/.tcshrc: source ~/.aws-mfa.tcsh",
    }),
    completions: None,
};

pub fn render(changes: &[EnvChange], utf8_locale: bool) -> Result<String, Error> {
    let mut out = String::new();
    for change in changes {
        match change {
            EnvChange::Set(name, value) => {
                out.push_str(&format!(
                    "setenv {name} {};\n",
                    quote(name, value, utf8_locale)?
                ));
            }
            // `unsetenv` of a missing variable is silent and succeeds.
            EnvChange::Unset(name) => out.push_str(&format!("unsetenv {name};\n")),
        }
    }
    Ok(out)
}

fn quote(name: &str, value: &str, utf8_locale: bool) -> Result<String, Error> {
    let refused = |what: String| Error::Unrepresentable {
        shell: "tcsh",
        name: name.to_owned(),
        what,
    };
    if let Some(c) = value.chars().find(|c| matches!(c, '\n' | '\r')) {
        return Err(refused(
            if c == '\n' {
                "a newline"
            } else {
                "a carriage return"
            }
            .into(),
        ));
    }
    if !utf8_locale && let Some(c) = value.chars().find(|c| !c.is_ascii()) {
        return Err(refused(format!(
            "U+{:04X}, a non-ASCII character, and the locale is not UTF-8",
            u32::from(c)
        )));
    }
    let body = value.replace('\'', r"'\''").replace('!', r"'\!'");
    Ok(format!("'{body}'"))
}

#[cfg(test)]
mod tests {
    use super::quote;

    #[test]
    fn quotes_and_bangs_go_outside_the_quotes_and_newlines_are_refused() {
        assert_eq!(quote("A", "it's", true).unwrap(), r"'it'\''s'");
        assert_eq!(quote("A", "a!b", true).unwrap(), r"'a'\!'b'");
        assert_eq!(quote("A", r"a\!", true).unwrap(), r"'a\'\!''");
        assert_eq!(quote("A", "", true).unwrap(), "''");
        assert_eq!(quote("A", "\u{e9}", true).unwrap(), "'\u{e9}'");
        assert!(quote("A", "\u{e9}", false).is_err());
        assert!(quote("A", "a\nb", true).is_err());
        assert!(quote("A", "a\rb", true).is_err());
    }
}
