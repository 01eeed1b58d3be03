//! What the tests know of each shell, one entry a shell (in `env --help`'s order): the
//! name `--shell` takes, its writer, the file `init` prints, and, where it runs here, how
//! the real shell evaluates statements, prints variables back, sets a variable and takes a
//! session. A new shell is a line in `SHELLS` (and a `RealShell`); the `--shell` hint, the
//! snapshots, the `init` check, `env --unset`, a session, `aws_mfa_env` and detection with
//! no shell named follow from it.

use std::sync::LazyLock;

use aws_mfa::shell::Shell;

use super::xonsh::execx_output_of;

/// One shell as the tests see it.
pub struct ShellUnderTest {
    /// What `--shell`, `init` and `completions` take.
    pub name: &'static str,
    pub writer: Shell,
    /// The file under `shell/` that `init` prints (`None`: no functions).
    pub init: Option<&'static str>,
    /// The real shell that evaluates its statements (`None`: PowerShell and JSON, read by
    /// rules in the tests).
    pub real: Option<&'static RealShell>,
}

pub const SHELLS: [ShellUnderTest; 10] = [
    shell("bash", Shell::Bash, Some("aws-mfa.bash"), Some(&BASH)),
    shell("zsh", Shell::Zsh, Some("aws-mfa.zsh"), Some(&ZSH)),
    shell("fish", Shell::Fish, Some("aws-mfa.fish"), Some(&FISH)),
    shell("pwsh", Shell::Pwsh, Some("aws-mfa.ps1"), None),
    shell("sh", Shell::Sh, None, Some(&DASH)),
    shell("tcsh", Shell::Tcsh, Some("aws-mfa.tcsh"), Some(&TCSH)),
    shell("elvish", Shell::Elvish, Some("aws-mfa.elv"), Some(&ELVISH)),
    shell("xonsh", Shell::Xonsh, Some("aws-mfa.xsh"), Some(&XONSH)),
    shell("nu", Shell::Nu, Some("aws-mfa.nu"), Some(&NU)),
    shell("json", Shell::Json, None, None),
];

const fn shell(
    name: &'static str,
    writer: Shell,
    init: Option<&'static str>,
    real: Option<&'static RealShell>,
) -> ShellUnderTest {
    ShellUnderTest {
        name,
        writer,
        init,
        real,
    }
}

/// The real shell that evaluates `name`'s statements (`sh`'s: dash).
pub fn real_shell(name: &str) -> &'static RealShell {
    SHELLS
        .iter()
        .find(|s| s.name == name)
        .and_then(|s| s.real)
        .unwrap_or_else(|| panic!("no real shell for {name}"))
}

/// The real shells that take a session in one script (all but nu), and how.
pub fn shells_taking_env() -> impl Iterator<Item = (&'static RealShell, fn(&str) -> String)> {
    SHELLS
        .iter()
        .filter_map(|s| s.real)
        .filter_map(|real| Some((real, real.take_env?)))
}

/// The hint a user gets when aws-mfa cannot tell the shell: `--shell bash|zsh|…`.
pub static SHELL_HINT: LazyLock<String> = LazyLock::new(|| {
    let names: Vec<&str> = SHELLS.iter().map(|s| s.name).collect();
    format!("--shell {}", names.join("|"))
});

/// How a shell evaluates `aws-mfa env` output and prints the variables back.
pub struct RealShell {
    pub program: &'static str,
    pub flags: &'static [&'static str],
    pub writer: Shell,
    /// Options a user may have set, one picked per batch ("" for none).
    pub options: &'static [&'static str],
    /// Evaluates the statements in the file `$STATEMENTS` (or `{file}`, its path).
    pub evaluate: &'static str,
    /// Prints the named variables as the shell sees them, each followed by a NUL, then
    /// what a child inherits (`env -0`).
    pub read_back: fn(&[&str]) -> String,
    /// Characters the writer refuses for this shell (tested on their own).
    pub refuses: &'static [char],
    /// Whether the writer refuses non-ASCII characters outside a UTF-8 locale.
    pub ascii_outside_utf8: bool,
    /// The line that takes a session as its users write it: evaluates what `aws-mfa env
    /// ARGS` prints (the binary in `$AWS_MFA`). `None` for nu, whose `source` reads a file
    /// when the line is parsed: one process writes it, the next sources it.
    pub take_env: Option<fn(&str) -> String>,
    /// What joins two lines of a script: ` && ` where the shell has it, so a failure stops
    /// it; else a new line (in elvish a failure is an exception and stops it too).
    pub then: &'static str,
    /// `env -0` as this shell starts the program.
    pub env0: &'static str,
    /// The line that exports a variable with a value (plain characters only).
    pub set_env: fn(&str, &str) -> String,
}

impl RealShell {
    /// `lines` as one script, each run after the one before it (see `then`).
    pub fn script(&self, lines: impl IntoIterator<Item = String>) -> String {
        lines.into_iter().collect::<Vec<_>>().join(self.then)
    }
}

fn posix_take_env(args: &str) -> String {
    format!(r#"eval "$("$AWS_MFA" env {args})""#)
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
    take_env: Some(posix_take_env),
    then: " && ",
    env0: "env -0",
    set_env: |name, value| format!("export {name}={value}"),
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
    // The POSIX shells evaluate, read back and take a session as bash does.
    ..BASH
};
const DASH: RealShell = RealShell {
    program: "dash",
    flags: &[],
    writer: Shell::Sh,
    options: &[""],
    // The POSIX shells evaluate, read back and take a session as bash does.
    ..BASH
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
    take_env: Some(|args| format!(r#""$AWS_MFA" env {args} | source"#)),
    then: " && ",
    env0: "env -0",
    set_env: |name, value| format!("set -gx {name} {value}"),
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
    take_env: Some(|args| format!("eval \"`$AWS_MFA env {args}`\"")),
    then: " && ",
    env0: "env -0",
    set_env: |name, value| format!("setenv {name} {value}"),
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
    take_env: Some(|args| format!("eval ((external $E:AWS_MFA) env {args} | slurp)")),
    then: "\n",
    env0: "e:env -0",
    set_env: |name, value| format!("set-env {name} {value}"),
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
    take_env: Some(|args| execx_output_of(&format!("@($AWS_MFA) env {args}"))),
    then: "\n",
    env0: "env -0",
    set_env: |name, value| format!("${name} = '{value}'"),
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
    take_env: None,
    then: "\n",
    env0: "^env -0",
    set_env: |name, value| format!("$env.{name} = '{value}'"),
};
