//! Any value, any shell, byte for byte (DESIGN §4): generated values are rendered by the
//! library's writers, evaluated by the real shell the way a user does it (`eval "$(…)"`,
//! `… | source`), and read back NUL-separated, both as the shell's variable and as what a
//! child process inherits (`env -0`). PowerShell, which cannot run here, is read by a
//! reader that implements its rules; JSON by serde_json.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::LazyLock;

use aws_mfa::environment::Environment;
use aws_mfa::session::EnvChange;
use aws_mfa::shell::Shell;
use proptest::collection::vec;
use proptest::prelude::*;
use proptest::test_runner::TestCaseError;

use crate::support::peers::require;
use crate::support::pwsh::{read_pwsh, read_pwsh_expr};
use crate::support::shells::{RealShell, real_shell};
use crate::support::*;

/// Values per shell process, and processes per shell: 40 × 250 = 10,000 values per shell.
const BATCH: usize = 250;
const BATCHES: u32 = 40;

/// `AWS_T0`… : `EnvChange` names are `&'static str`, so the test names live for good.
static NAMES: LazyLock<Vec<&'static str>> = LazyLock::new(|| {
    (0..BATCH)
        .map(|i| &*Box::leak(format!("AWS_T{i}").into_boxed_str()))
        .collect()
});

/// Characters that mean something to some shell, its parser or its terminal.
const NASTY: &[char] = &[
    '\'',
    '"',
    '\\',
    '$',
    '`',
    '(',
    ')',
    '{',
    '}',
    '[',
    ']',
    '\n',
    '\t',
    '\r',
    ' ',
    '!',
    '#',
    ';',
    '&',
    '|',
    '<',
    '>',
    '*',
    '?',
    '~',
    '%',
    '^',
    '=',
    ',',
    '-',
    '@',
    // PowerShell's other single quotes, and its double quotes.
    '\u{2018}',
    '\u{2019}',
    '\u{201A}',
    '\u{201B}',
    '\u{201C}',
    '\u{201D}',
    '\u{201E}',
    // Control characters bash (CTLESC, CTLNUL) and others use internally.
    '\u{1}',
    '\u{7f}',
    '\u{1b}',
    '\u{8}',
    '\u{b}',
    '\u{c}',
    // Non-ASCII, wide and past U+FFFF.
    '\u{85}',
    '\u{a0}',
    '\u{e9}',
    '\u{20ac}',
    '\u{2028}',
    '\u{feff}',
    '\u{fffd}',
    '\u{ffff}',
    '\u{1f600}',
    '\u{10ffff}',
];

/// Pieces that look like code to some shell.
const FRAGMENTS: &[&str] = &[
    "$(touch pwned)",
    "`touch pwned`",
    "${HOME}",
    "$HOME",
    "$'\\n'",
    "'\\''",
    "\\'",
    "''",
    "\\\\",
    "\\n",
    "%s%n",
    "{a,b}",
    "*",
    "!!",
    "~root",
    "\n\n",
    "$((1+1))",
    "(echo)",
    "; set -e -U x",
    "' + [char]0x41 + '",
    "\u{2019}\u{2019}",
];

/// One character: mostly nasty ones, some from code point ranges shells treat specially
/// (C1 controls; bytes 0x80–0x88, which dash uses as markers, inside UTF-8 sequences;
/// fish's private encodings U+F600–U+F6FF and U+FDD0–U+FDEF), any char but NUL.
fn character() -> impl Strategy<Value = char> {
    prop_oneof![
        6 => prop::sample::select(NASTY),
        3 => proptest::char::range(' ', '~'),
        2 => prop_oneof![
            proptest::char::range('\u{80}', '\u{9f}'),
            proptest::char::range('\u{100}', '\u{17f}'),
            proptest::char::range('\u{f600}', '\u{f6ff}'),
            proptest::char::range('\u{fdd0}', '\u{fdef}'),
            proptest::char::range('\u{e000}', '\u{f8ff}'),
            proptest::char::range('\u{10000}', '\u{10ffff}'),
        ],
        2 => any::<char>().prop_filter("NUL cannot be in an environment variable", |c| *c != '\0'),
    ]
}

/// The longest value generated: the size of a long session token.
const LONGEST: usize = 8 * 1024;

/// A value: characters and code-like fragments, sometimes ending in a backslash; mostly
/// short, some up to `LONGEST` bytes (real session tokens run to several KB).
fn value() -> impl Strategy<Value = String> {
    let piece = || {
        prop_oneof![
            4 => character().prop_map(String::from),
            1 => prop::sample::select(FRAGMENTS).prop_map(str::to_owned),
        ]
    };
    let pieces = prop_oneof![
        24 => vec(piece(), 0..24),
        1 => vec(piece(), 500..3000),
    ];
    (pieces, any::<bool>()).prop_map(|(pieces, trailing_backslash)| {
        let mut value = String::new();
        for piece in pieces {
            if value.len() + piece.len() + 1 > LONGEST {
                break;
            }
            value.push_str(&piece);
        }
        if trailing_backslash {
            value.push('\\');
        }
        value
    })
}

fn batch() -> impl Strategy<Value = Vec<String>> {
    vec(value(), BATCH)
}

/// The locale the shell runs in: UTF-8, or none at all (bytes, as in a bare container).
fn locale() -> impl Strategy<Value = &'static str> {
    prop::sample::select(&["C.UTF-8", "C"][..])
}

/// `PROPTEST_CASES=400` runs ten times as many batches, for a longer hunt.
fn config() -> ProptestConfig {
    ProptestConfig {
        cases: std::env::var("PROPTEST_CASES")
            .ok()
            .and_then(|n| n.parse().ok())
            .unwrap_or(BATCHES),
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

fn set_all(values: &[String]) -> Vec<EnvChange> {
    NAMES
        .iter()
        .zip(values)
        .map(|(name, value)| EnvChange::set(*name, value.clone()))
        .collect()
}

/// Evaluates `values` in one process of the real shell; fails on the first value that
/// does not come back byte for byte, showing it and its statement.
fn round_trip(
    shell: &RealShell,
    path: &Path,
    values: &[String],
    locale: &str,
    options: &str,
) -> Result<(), TestCaseError> {
    let env = TestEnv::new();
    let utf8 = locale != "C";
    let statements = shell
        .writer
        .render_in_locale(&set_all(values), utf8)
        .expect("a value it carries");
    let file = env.path().join("statements");
    std::fs::write(&file, &statements).unwrap();
    let names = &NAMES[..values.len()];
    // The shell's own view first, then what a child inherits.
    let script = format!(
        "{options}\n{}\n{}",
        shell
            .evaluate
            .replace("{file}", &file.display().to_string()),
        (shell.read_back)(names)
    );
    let mut command = env.command(path);
    command
        .args(shell.flags)
        .arg("-c")
        .arg(&script)
        .env("STATEMENTS", &file)
        .env("LANG", locale);
    let output = command.output().expect("start the shell");
    prop_assert!(
        output.status.success() && output.stderr.is_empty(),
        "{} failed ({:?}): {}",
        shell.program,
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    let mut fields = output.stdout.split(|b| *b == 0);
    let exported: BTreeMap<Vec<u8>, Vec<u8>> = fields
        .clone()
        .skip(values.len())
        .filter_map(|entry| {
            let eq = entry.iter().position(|b| *b == b'=')?;
            Some((entry[..eq].to_vec(), entry[eq + 1..].to_vec()))
        })
        .collect();
    for (name, value) in names.iter().zip(values) {
        let shown = fields.next().unwrap_or_default();
        let inherited = exported.get(name.as_bytes()).map(Vec::as_slice);
        let statement = shell
            .writer
            .render_in_locale(&[EnvChange::set(*name, value.clone())], utf8);
        let statement = statement.map_err(|e| e.to_string());
        prop_assert!(
            shown == value.as_bytes(),
            "{} (LANG={locale}, {options:?}) holds {:?} instead of {value:?}\nstatement: {statement:?}",
            shell.program,
            String::from_utf8_lossy(shown),
        );
        prop_assert!(
            inherited == Some(value.as_bytes()),
            "{} (LANG={locale}, {options:?}) exports {:?} instead of {value:?}\nstatement: {statement:?}",
            shell.program,
            inherited.map(String::from_utf8_lossy),
        );
    }
    Ok(())
}

/// Runs the property for one shell, or skips it (with a note) where the shell is missing.
fn check(shell: &RealShell) {
    let Some(path) = require(shell.program) else {
        return;
    };
    let mut runner = proptest::test_runner::TestRunner::new(config());
    let options = prop::sample::select(shell.options);
    let result = runner.run(
        &(batch(), locale(), options),
        |(values, locale, options)| {
            // What the writer refuses is tested on its own.
            let values: Vec<String> = values
                .into_iter()
                .map(|v| {
                    let v = v.replace(shell.refuses, "");
                    if shell.ascii_outside_utf8 && locale == "C" {
                        v.replace(|c: char| !c.is_ascii(), "")
                    } else {
                        v
                    }
                })
                .collect();
            round_trip(shell, &path, &values, locale, options)
        },
    );
    if let Err(failure) = result {
        panic!("{failure}");
    }
}

#[test]
fn bash_evaluates_every_value_byte_for_byte() {
    check(real_shell("bash"));
}

#[test]
fn zsh_evaluates_every_value_byte_for_byte() {
    check(real_shell("zsh"));
}

#[test]
fn dash_evaluates_every_value_byte_for_byte() {
    check(real_shell("sh"));
}

#[test]
fn fish_evaluates_every_value_byte_for_byte() {
    check(real_shell("fish"));
}

#[test]
fn tcsh_evaluates_every_value_byte_for_byte() {
    check(real_shell("tcsh"));
}

#[test]
fn elvish_evaluates_every_value_byte_for_byte() {
    check(real_shell("elvish"));
}

#[test]
fn xonsh_evaluates_every_value_byte_for_byte() {
    check(real_shell("xonsh"));
}

#[test]
fn nu_evaluates_every_value_byte_for_byte() {
    check(real_shell("nu"));
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn powershell_reads_back_every_value(values in batch()) {
        let changes = set_all(&values);
        let text = Shell::Pwsh.render(&changes, &Environment::default()).unwrap();
        let effects = read_pwsh(&text).map_err(TestCaseError::fail)?;
        prop_assert_eq!(effects.len(), values.len());
        for ((name, value), (read_name, read_value)) in NAMES.iter().zip(&values).zip(effects) {
            prop_assert_eq!(*name, read_name.as_str());
            // PowerShell cannot hold an empty variable: '' removes it (aws-mfa never sets
            // one empty: STS's values, regions and profile names are never empty).
            let expected = Some(value).filter(|v| !v.is_empty());
            prop_assert_eq!(expected, read_value.as_ref(), "{:?}", text);
        }
    }

    #[test]
    fn json_maps_every_variable_to_its_value_and_removed_ones_to_null(values in batch()) {
        let mut changes = set_all(&values[..BATCH - 2]);
        changes.push(EnvChange::unset(NAMES[BATCH - 2]));
        changes.push(EnvChange::unset(NAMES[BATCH - 1]));
        let text = Shell::Json.render(&changes, &Environment::default()).unwrap();
        let object: serde_json::Map<String, serde_json::Value> =
            serde_json::from_str(&text).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let keys: Vec<&str> = object.keys().map(String::as_str).collect();
        let mut names = NAMES.clone();
        names.sort_unstable();
        prop_assert_eq!(keys, names);
        for (name, value) in NAMES.iter().zip(&values[..BATCH - 2]) {
            prop_assert_eq!(object[*name].as_str(), Some(value.as_str()));
        }
        prop_assert!(object[NAMES[BATCH - 2]].is_null());
        prop_assert!(object[NAMES[BATCH - 1]].is_null());
    }
}

#[test]
fn the_powershell_reader_rejects_what_powershell_would_misread() {
    // Non-ASCII text may reach PowerShell as other characters (the console code page).
    assert!(read_pwsh("$Env:A = '\u{e9}'\n").is_err());
    // A quote of any of the five kinds that is not doubled ends the string early.
    assert!(read_pwsh_expr("'it\u{2019}s'").is_err());
    assert_eq!(
        read_pwsh_expr("'it\u{2019}\u{2019}s'").unwrap(),
        "it\u{2019}s"
    );
    assert_eq!(read_pwsh_expr("'it''s'").unwrap(), "it's");
    // `[char] + [char]` adds numbers.
    assert!(read_pwsh("$Env:A = [char]0x0041 + 'b'\n").is_err());
    // An unpaired surrogate, an unclosed string, a missing `+`.
    assert!(read_pwsh("$Env:A = '' + [char]0xD83D\n").is_err());
    assert!(read_pwsh("$Env:A = 'open\n").is_err());
    assert!(read_pwsh("$Env:A = 'a' 'b'\n").is_err());
    assert_eq!(
        read_pwsh("$Env:A = 'a' + [char]0xD83D + [char]0xDE00 + 'b'''\n").unwrap(),
        [("A".to_owned(), Some("a\u{1F600}b'".to_owned()))]
    );
}
