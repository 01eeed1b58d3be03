//! PowerShell (pwsh and Windows PowerShell).
//!
//! Quoting rule: a single-quoted string ends at `'` and also at U+2018, U+2019, U+201A and
//! U+201B; inside one, a quote is written doubled. The output is pure ASCII: Windows decodes
//! a native command's output with the console code page, where a UTF-8 byte can turn into a
//! quote character. So every character outside printable ASCII (non-ASCII, and control
//! characters, which would also split the statement over lines) is written as a
//! `[char]0xNNNN` piece (a surrogate pair past U+FFFF), joined with `+` to quoted runs. The
//! expression always starts with a quoted string, since `[char] + [char]` adds numbers.
//! Only ASCII `'` can appear inside a quoted run, the other four being non-ASCII pieces.

use super::completion::swap;
use super::writer::{Completions, Detect, Eval, Init, Writer};
use crate::error::Error;
use crate::session::EnvChange;

pub const PWSH: Writer = Writer {
    name: "pwsh",
    aliases: &["powershell"],
    help: None,
    detect: Detect::programs(&["pwsh", "powershell"]),
    render: |changes, _| Ok(render(changes)),
    eval: Some(Eval {
        line: "aws-mfa env | Out-String | Invoke-Expression",
        who: "PowerShell",
    }),
    init: Some(Init {
        script: include_str!("../../shell/aws-mfa.ps1"),
        line: "aws-mfa init pwsh | Out-String | Invoke-Expression",
        place: "$PROFILE",
    }),
    completions: Some(Completions {
        generator: &clap_complete::Shell::PowerShell,
        called: "powershell",
        profile_names,
    }),
};

pub fn render(changes: &[EnvChange]) -> String {
    let mut out = String::new();
    for change in changes {
        match change {
            EnvChange::Set(name, value) => {
                out.push_str(&format!("$Env:{name} = {}\n", quote(value)));
            }
            EnvChange::Unset(name) => out.push_str(&format!(
                "Remove-Item -LiteralPath Env:{name} -ErrorAction SilentlyContinue\n"
            )),
        }
    }
    out
}

fn quote(value: &str) -> String {
    let mut out = String::from("'");
    let mut in_quotes = true;
    for c in value.chars() {
        if (' '..='~').contains(&c) {
            if !in_quotes {
                out.push_str(" + '");
                in_quotes = true;
            }
            if c == '\'' {
                out.push('\'');
            }
            out.push(c);
        } else {
            if in_quotes {
                out.push('\'');
                in_quotes = false;
            }
            let mut units = [0u16; 2];
            for unit in c.encode_utf16(&mut units) {
                out.push_str(&format!(" + [char]0x{unit:04X}"));
            }
        }
    }
    if in_quotes {
        out.push('\'');
    }
    out
}

/// clap's completer offers option names only; before it runs, the word after
/// `-p`/`--profile` is answered with the profile names.
fn profile_names(generated: &str) -> Result<String, Error> {
    const PARAM: &str = "    param($wordToComplete, $commandAst, $cursorPosition)\n";
    swap(
        "powershell",
        generated,
        PARAM,
        &format!(
            r#"{PARAM}
    # aws-mfa: the word after -p/--profile is a profile name.
    $wordStart = $cursorPosition - $wordToComplete.Length
    $before = @($commandAst.CommandElements | Where-Object {{ $_.Extent.EndOffset -lt $wordStart }})
    if ($before.Count -ge 2 -and $before[-1].Extent.Text -in '-p', '--profile' -and
        -not ($before.Extent.Text -contains '--')) {{
        return @(& aws-mfa __profiles 2>$null) |
            Where-Object {{ $_ -like "$wordToComplete*" }} |
            ForEach-Object {{ [CompletionResult]::new($_, $_, [CompletionResultType]::ParameterValue, $_) }}
    }}
"#
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::quote;

    #[test]
    fn ascii_quotes_double_and_the_rest_become_char_pieces() {
        assert_eq!(quote("it's"), "'it''s'");
        assert_eq!(quote(""), "''");
        assert_eq!(quote("\u{2019}"), "'' + [char]0x2019");
        assert_eq!(quote("a\u{e9}b"), "'a' + [char]0x00E9 + 'b'");
        assert_eq!(quote("\u{1F600}"), "'' + [char]0xD83D + [char]0xDE00");
        assert_eq!(quote("a\nb"), "'a' + [char]0x000A + 'b'");
    }
}
