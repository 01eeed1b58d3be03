//! Any value, any shell, byte for byte (DESIGN §4): generated values are rendered by the
//! library's writers, evaluated by the real shell the way a user does it (`eval "$(…)"`,
//! `… | source`), and read back NUL-separated, both as the shell's variable and as what a
//! child process inherits (`env -0`). PowerShell, which cannot run here, is read by a
//! reader that implements its rules; JSON by serde_json.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::LazyLock;
use std::time::{Duration, UNIX_EPOCH};

use aws_mfa::environment::Environment;
use aws_mfa::session::{Credentials, EnvChange, Secret, Session};
use aws_mfa::shell::Shell;
use proptest::collection::vec;
use proptest::prelude::*;
use proptest::test_runner::TestCaseError;

use crate::support::peers::require;
use crate::support::pwsh::{read_pwsh, read_pwsh_expr};
use crate::support::xonsh::execx_output_of;
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

/// How a shell evaluates `aws-mfa env` output and prints the variables back.
struct RealShell {
    program: &'static str,
    flags: &'static [&'static str],
    writer: Shell,
    /// Options a user may have set, one picked per batch ("" for none).
    options: &'static [&'static str],
    /// Evaluates the statements in the file `$STATEMENTS` (or `{file}`, its path).
    evaluate: &'static str,
    /// Prints the named variables as the shell sees them, each followed by a NUL, then
    /// what a child inherits (`env -0`).
    read_back: fn(&[&str]) -> String,
    /// Characters the writer refuses for this shell (tested on their own).
    refuses: &'static [char],
    /// Whether the writer refuses non-ASCII characters outside a UTF-8 locale.
    ascii_outside_utf8: bool,
}

fn posix_read_back(names: &[&str]) -> String {
    let vars: String = names.iter().map(|n| format!(r#" "${n}""#)).collect();
    format!("printf '%s\\0'{vars}\nenv -0\n")
}

const BASH: RealShell = RealShell {
    program: "bash",
    flags: &["--norc", "--noprofile"],
    writer: Shell::Bash,
    options: &["", "set -o posix", "shopt -s extglob failglob nullglob"],
    evaluate: r#"eval "$(cat "$STATEMENTS")""#,
    read_back: posix_read_back,
    refuses: &[],
    ascii_outside_utf8: false,
};
const ZSH: RealShell = RealShell {
    program: "zsh",
    flags: &["-f"],
    writer: Shell::Zsh,
    options: &[
        "",
        "setopt rc_quotes",
        "emulate sh",
        "emulate ksh",
        "unsetopt multibyte",
        "setopt posix_strings c_bases octal_zeroes",
    ],
    evaluate: r#"eval "$(cat "$STATEMENTS")""#,
    read_back: posix_read_back,
    refuses: &[],
    ascii_outside_utf8: false,
};
const DASH: RealShell = RealShell {
    program: "dash",
    flags: &[],
    writer: Shell::Sh,
    options: &[""],
    evaluate: r#"eval "$(cat "$STATEMENTS")""#,
    read_back: posix_read_back,
    refuses: &[],
    ascii_outside_utf8: false,
};
const FISH: RealShell = RealShell {
    program: "fish",
    flags: &["--no-config"],
    writer: Shell::Fish,
    options: &[""],
    evaluate: r#"cat "$STATEMENTS" | source"#,
    read_back: posix_read_back,
    refuses: &[],
    ascii_outside_utf8: false,
};
const TCSH: RealShell = RealShell {
    program: "tcsh",
    flags: &["-f"],
    writer: Shell::Tcsh,
    options: &["", "set noglob", r"set histchars = '\!^'"],
    evaluate: r#"eval "`cat $STATEMENTS`""#,
    read_back: posix_read_back,
    refuses: &['\n', '\r'],
    ascii_outside_utf8: true,
};
const ELVISH: RealShell = RealShell {
    program: "elvish",
    flags: &["-norc"],
    writer: Shell::Elvish,
    options: &[""],
    evaluate: "eval (slurp < $E:STATEMENTS)",
    read_back: |names| {
        let vars: String = names.iter().map(|n| format!(" $E:{n}")).collect();
        format!("for v [{vars}] {{ print $v\"\\x00\" }}\ne:env -0\n")
    },
    refuses: &[],
    ascii_outside_utf8: false,
};
const XONSH: RealShell = RealShell {
    program: "xonsh",
    flags: &["--no-rc"],
    writer: Shell::Xonsh,
    options: &[""],
    // Read by Python rather than captured with $(cat …): xonsh 0.13's capture can drop a
    // program's output on a busy machine, and what is tested here is the quoting.
    evaluate: "execx(open($STATEMENTS).read())",
    read_back: |names| {
        let names: Vec<String> = names.iter().map(|n| format!("{n:?}")).collect();
        format!(
            "import sys\nfor n in [{}]: sys.stdout.buffer.write(${{...}}[n].encode('utf-8', 'surrogateescape') + b'\\0')\nsys.stdout.flush()\nenv -0\n",
            names.join(", ")
        )
    },
    refuses: &[],
    ascii_outside_utf8: false,
};
const NU: RealShell = RealShell {
    program: "nu",
    flags: &["--no-config-file"],
    writer: Shell::Nu,
    options: &[""],
    // `source` takes a path fixed when the script is parsed.
    evaluate: "source '{file}'",
    read_back: |names| {
        let vars: String = names.iter().map(|n| format!(" $env.{n}")).collect();
        format!("[{vars}] | each {{|v| $v + (char nul) }} | str join | print -n\n^env -0\n")
    },
    refuses: &[],
    ascii_outside_utf8: false,
};

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
    check(&BASH);
}

#[test]
fn zsh_evaluates_every_value_byte_for_byte() {
    check(&ZSH);
}

#[test]
fn dash_evaluates_every_value_byte_for_byte() {
    check(&DASH);
}

#[test]
fn fish_evaluates_every_value_byte_for_byte() {
    check(&FISH);
}

#[test]
fn tcsh_evaluates_every_value_byte_for_byte() {
    check(&TCSH);
}

#[test]
fn elvish_evaluates_every_value_byte_for_byte() {
    check(&ELVISH);
}

#[test]
fn xonsh_evaluates_every_value_byte_for_byte() {
    check(&XONSH);
}

#[test]
fn nu_evaluates_every_value_byte_for_byte() {
    check(&NU);
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

// ---------------------------------------------------------------------------------------
// The exact text of every writer, and `env --unset` in every shell.
// ---------------------------------------------------------------------------------------

/// A session as STS could hand it out, at a fixed time.
fn fixed_session(profile: &str, token: &str) -> Session {
    Session {
        profile: profile.to_owned(),
        region: Some("eu-west-1".to_owned()),
        credentials: Credentials {
            access_key_id: "ASIAEXAMPLE000000001".to_owned(),
            secret_access_key: Secret::new("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"),
            session_token: Secret::new(token),
            expiration: UNIX_EPOCH + Duration::from_secs(1_795_863_600),
        },
        profile_env: Default::default(),
    }
}

const WRITERS: [(Shell, &str); 10] = [
    (Shell::Bash, "bash"),
    (Shell::Zsh, "zsh"),
    (Shell::Sh, "sh"),
    (Shell::Fish, "fish"),
    (Shell::Pwsh, "pwsh"),
    (Shell::Tcsh, "tcsh"),
    (Shell::Elvish, "elvish"),
    (Shell::Xonsh, "xonsh"),
    (Shell::Nu, "nu"),
    (Shell::Json, "json"),
];

/// The statements (in a UTF-8 locale), or the refusal of a value the shell cannot carry.
fn rendered(shell: Shell, session: &Session) -> String {
    shell
        .render_in_locale(&session.env_changes(), true)
        .unwrap_or_else(|e| format!("refused: {e}\n"))
}

#[test]
fn every_writer_prints_exactly_these_statements() {
    let plain = fixed_session("work", "IQoJb3JpZ2luX2VjEXAMPLE+/=");
    let tricky = fixed_session(
        "o'brien",
        "it\u{2019}s $(x) `y` ${z} \"q\" \\ tab\there\nline é 😀 \\",
    );
    let one_line = fixed_session("o'brien!", "it's !! `y` $z \\ tab\there \u{e9} \\");
    let env = TestEnv::new();
    for (shell, name) in WRITERS {
        let unset = env.run(&["env", "--unset", "--shell", name]);
        unset.assert_success();
        let text = format!(
            "# a session\n{}\n# values that need quoting\n{}\n# on one line, with `!`\n{}\n# env --unset\n{}",
            rendered(shell, &plain),
            rendered(shell, &tricky),
            rendered(shell, &one_line),
            unset.stdout
        );
        insta::assert_snapshot!(name, text);
    }
}

#[test]
fn unset_removes_every_session_variable_in_every_shell_and_succeeds() {
    let env = TestEnv::new();
    let posix_set: String = SESSION_VARIABLES
        .iter()
        .map(|v| format!("export {v}=stale; "))
        .collect();
    let fish_set: String = SESSION_VARIABLES
        .iter()
        .map(|v| format!("set -gx {v} stale; "))
        .collect();
    // Twice: once with every variable there, once with none (removing nothing is fine too).
    let shells = [
        (
            "bash",
            &[][..],
            format!(
                r#"{posix_set} for i in 1 2; do eval "$("$AWS_MFA" env --unset)" || exit 9; done; env -0"#
            ),
        ),
        (
            "zsh",
            &["-f"][..],
            format!(
                r#"{posix_set} for i in 1 2; do eval "$("$AWS_MFA" env --unset)" || exit 9; done; env -0"#
            ),
        ),
        (
            "dash",
            &[][..],
            format!(
                r#"{posix_set} for i in 1 2; do eval "$("$AWS_MFA" env --unset)" || exit 9; done; env -0"#
            ),
        ),
        (
            "fish",
            &["--no-config"][..],
            format!(
                r#"{fish_set} for i in 1 2; "$AWS_MFA" env --unset | source; or exit 9; end; env -0"#
            ),
        ),
        (
            "tcsh",
            &["-f"][..],
            format!(
                "{} eval \"`$AWS_MFA env --unset`\"; eval \"`$AWS_MFA env --unset`\"; env -0",
                SESSION_VARIABLES
                    .iter()
                    .map(|v| format!("setenv {v} stale;"))
                    .collect::<String>()
            ),
        ),
        (
            "elvish",
            &["-norc"][..],
            format!(
                "{} for i [1 2] {{ eval ((external $E:AWS_MFA) env --unset | slurp) }}; e:env -0",
                SESSION_VARIABLES
                    .iter()
                    .map(|v| format!("set-env {v} stale; "))
                    .collect::<String>()
            ),
        ),
        (
            "xonsh",
            &["--no-rc"][..],
            format!(
                "{}{unset}\n{unset}\nenv -0",
                SESSION_VARIABLES
                    .iter()
                    .map(|v| format!("${v} = 'stale'\n"))
                    .collect::<String>(),
                unset = execx_output_of("@($AWS_MFA) env --unset"),
            ),
        ),
    ];
    for (program, flags, script) in shells {
        let Some(path) = require(program) else {
            continue;
        };
        let out = env.shell(&path, flags, &script);
        out.assert_success();
        assert_eq!(out.stderr, "", "{program}");
        let vars = parse_env0(&out.stdout);
        let left: Vec<&str> = SESSION_VARIABLES
            .into_iter()
            .filter(|v| vars.contains_key(*v))
            .collect();
        assert!(left.is_empty(), "{program} kept {left:?}");
    }
    // PowerShell, as its rules read the statements.
    let out = env.run(&["env", "--unset", "--shell", "pwsh"]);
    out.assert_success();
    let removed: Vec<(String, Option<String>)> = SESSION_VARIABLES
        .iter()
        .map(|v| ((*v).to_owned(), None))
        .collect();
    assert_eq!(read_pwsh(&out.stdout).unwrap(), removed);
}

#[test]
fn a_session_evaluates_with_status_zero_in_every_shell() {
    // `aws-mfa env | source; and terraform apply` must go on after a good session, also
    // when none of the removed variables existed (fish's `set -e` returns 4 for those).
    let fake = FakeSts::start();
    let env = TestEnv::new().sts(&fake);
    let shells = [
        (
            "bash",
            &[][..],
            format!(r#"eval "$("$AWS_MFA" env -t {CODE})" && echo ok"#),
        ),
        (
            "zsh",
            &["-f"][..],
            format!(r#"eval "$("$AWS_MFA" env -t {CODE})" && echo ok"#),
        ),
        (
            "dash",
            &[][..],
            format!(r#"eval "$("$AWS_MFA" env -t {CODE})" && echo ok"#),
        ),
        (
            "fish",
            &["--no-config"][..],
            format!(r#""$AWS_MFA" env -t {CODE} | source; and echo ok"#),
        ),
        (
            "tcsh",
            &["-f"][..],
            format!("eval \"`$AWS_MFA env -t {CODE}`\" && echo ok"),
        ),
        (
            "elvish",
            &["-norc"][..],
            format!("eval ((external $E:AWS_MFA) env -t {CODE} | slurp); echo ok"),
        ),
        (
            "xonsh",
            &["--no-rc"][..],
            format!(
                "{}\necho ok",
                execx_output_of(&format!("@($AWS_MFA) env -t {CODE}"))
            ),
        ),
    ];
    for (program, flags, script) in shells {
        let Some(path) = require(program) else {
            continue;
        };
        let out = env.shell(&path, flags, &script);
        out.assert_success();
        assert_eq!(out.stdout, "ok\n", "{program}: {}", out.stderr);
    }
    // nushell sources the file `env` writes (a parse-time path), then goes on.
    if let Some(nu) = require("nu") {
        let session = env.run(&["env", "--shell", "nushell", "-t", CODE]);
        session.assert_success();
        std::fs::write(env.path().join("session.nu"), &session.stdout).unwrap();
        let out = env.shell(&nu, &["--no-config-file"], "source session.nu; print ok");
        assert_eq!(
            (out.code, out.stdout.as_str()),
            (Some(0), "ok\n"),
            "nu: {out:#?}"
        );
    }
}

#[test]
fn json_holds_the_session_and_null_for_each_removed_variable() {
    let fake = FakeSts::start();
    let env = TestEnv::new().sts(&fake);
    let out = env.run(&["env", "--shell", "json", "-t", CODE]);
    out.assert_success();
    let object: serde_json::Map<String, serde_json::Value> =
        serde_json::from_str(&out.stdout).expect("one JSON object");
    let issued = fake.keys(1);
    assert_eq!(object["AWS_ACCESS_KEY_ID"], issued.access_key_id.as_str());
    assert_eq!(
        object["AWS_SECRET_ACCESS_KEY"],
        issued.secret_access_key.as_str()
    );
    assert_eq!(
        object["AWS_SESSION_TOKEN"].as_str(),
        issued.session_token.as_deref()
    );
    assert_eq!(object["AWS_MFA_PROFILE"], "default");
    assert_eq!(object["AWS_REGION"], "eu-west-1");
    for removed in [
        "AWS_PROFILE",
        "AWS_DEFAULT_PROFILE",
        "AWS_SECURITY_TOKEN",
        "AWS_ACCOUNT_ID",
    ] {
        assert!(object[removed].is_null(), "{removed}");
    }
    let out = env.run(&["env", "--shell", "json", "--unset"]);
    out.assert_success();
    let object: serde_json::Map<String, serde_json::Value> =
        serde_json::from_str(&out.stdout).expect("one JSON object");
    let mut names: Vec<&str> = object.keys().map(String::as_str).collect();
    let mut expected = SESSION_VARIABLES.to_vec();
    names.sort_unstable();
    expected.sort_unstable();
    assert_eq!(names, expected);
    assert!(object.values().all(serde_json::Value::is_null));
}

#[test]
fn fish_never_erases_a_universal_aws_profile_and_says_so() {
    let Some(fish) = require("fish") else {
        return;
    };
    // Universal variables live in the (temporary) home's fish config; `--no-config` would
    // not keep them, and this home has no config.fish to read.
    let env = TestEnv::new();
    env.shell(&fish, &[], "set -Ux AWS_PROFILE work")
        .assert_success();
    let store = env.home().join(".config/fish/fish_variables");
    let before = std::fs::read_to_string(&store).expect("fish keeps its universal variables");
    assert!(before.contains("AWS_PROFILE:work"), "{before}");

    let out = env.shell(
        &fish,
        &[],
        r#"set -gx AWS_PROFILE global; "$AWS_MFA" env --unset | source
set -q -U AWS_PROFILE; and echo "universal $AWS_PROFILE""#,
    );
    out.assert_success();
    assert_eq!(out.stdout, "universal work\n");
    assert!(
        out.stderr.contains(
            "aws-mfa: warning: a universal AWS_PROFILE is set and still reaches child processes"
        ) && out.stderr.contains("set -e -U AWS_PROFILE"),
        "{}",
        out.stderr
    );
    assert_eq!(std::fs::read_to_string(&store).unwrap(), before);
}

// ---------------------------------------------------------------------------------------
// nushell's files, and what tcsh cannot carry, through the real program.
// ---------------------------------------------------------------------------------------

#[test]
fn nushell_sources_env_unset_twice_and_keeps_nothing() {
    let Some(nu) = require("nu") else {
        return;
    };
    let env = TestEnv::new();
    let out = env.run(&["env", "--unset", "--shell", "nushell"]);
    out.assert_success();
    std::fs::write(env.path().join("unset.nu"), &out.stdout).unwrap();
    let set: String = SESSION_VARIABLES
        .iter()
        .map(|v| format!("$env.{v} = 'stale'; "))
        .collect();
    let out = env.shell(
        &nu,
        &["--no-config-file"],
        &format!("{set} source unset.nu; source unset.nu; ^env -0"),
    );
    assert_eq!((out.code, out.stderr.as_str()), (Some(0), ""), "{out:#?}");
    let vars = parse_env0(&out.stdout);
    let left: Vec<&str> = SESSION_VARIABLES
        .into_iter()
        .filter(|v| vars.contains_key(*v))
        .collect();
    assert!(left.is_empty(), "nu kept {left:?}");
}

/// What STS may hand out as it is: a token with `!` (tcsh's history substitution) and `é`.
const BANG_TOKEN: &str = concat!(
    r#"<GetSessionTokenResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><GetSessionTokenResult>"#,
    "<Credentials><AccessKeyId>ASIAFAKE000000000001</AccessKeyId>",
    "<SecretAccessKey>FAKESECRET!x</SecretAccessKey><SessionToken>FAKETOKEN!!caf\u{e9}</SessionToken>",
    "<Expiration>2099-01-01T00:00:00Z</Expiration></Credentials></GetSessionTokenResult>",
    "<ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></GetSessionTokenResponse>",
);

#[test]
fn tcsh_carries_a_bang_and_refuses_non_ascii_outside_a_utf8_locale() {
    let Some(tcsh) = require("tcsh") else {
        return;
    };
    let fake = FakeSts::start();
    fake.then(Reply::Raw {
        status: 200,
        body: BANG_TOKEN,
    });
    let mut env = TestEnv::new().sts(&fake);
    let script = format!("eval \"`$AWS_MFA env -t {CODE}`\"; env -0");
    let out = env.shell(&tcsh, &["-f"], &script);
    assert_eq!((out.code, out.stderr.as_str()), (Some(0), ""), "{out:#?}");
    let vars = parse_env0(&out.stdout);
    assert_eq!(vars["AWS_SESSION_TOKEN"], "FAKETOKEN!!caf\u{e9}");
    assert_eq!(vars["AWS_SECRET_ACCESS_KEY"], "FAKESECRET!x");

    // In the C locale tcsh garbles non-ASCII text on its read boundaries: refused, named,
    // and the value itself (a secret) is not shown.
    env.set("LANG", "C");
    let out = env.run(&["env", "--shell", "csh", "-t", CODE]);
    out.assert_failure(
        "aws-mfa: cannot write AWS_SESSION_TOKEN for tcsh: its value holds U+00E9, a non-ASCII character, and the locale is not UTF-8, which tcsh cannot carry",
    )
    .assert_failure("hint: run the command with 'aws-mfa exec -- CMD'");
    assert_eq!(out.stdout, "");
    assert!(!out.stderr.contains("FAKETOKEN"), "{}", out.stderr);
    assert_eq!(
        fake.count("GetSessionToken"),
        1,
        "the cached session was used"
    );
}
