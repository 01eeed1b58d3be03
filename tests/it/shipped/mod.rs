//! What we ship for shells: the `shell/` scripts (`aws-mfa init`), the completion scripts
//! (`completions`) and the manual page and help (`manual`), each checked by the real tool
//! that reads it.

mod completions;
mod manual;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, SystemTime};

use crate::support::peers::require;
use crate::support::shells::SHELLS;
use crate::support::xonsh::execx_output_of;
use crate::support::*;

fn shipped(file: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("shell")
        .join(file)
}

/// A command in `env` that finds `aws-mfa` on PATH, as the scripts call it.
pub(super) fn with_aws_mfa_on_path(env: &TestEnv, program: &Path) -> Command {
    let bin_dir = Path::new(BIN).parent().unwrap();
    let path = std::env::join_paths(std::iter::once(bin_dir.to_owned()).chain(
        std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default()),
    ))
    .unwrap();
    let mut command = env.command(program);
    command.env("PATH", path);
    command
}

/// Runs `script` in `program` with `flags`, `aws-mfa` on PATH.
pub(super) fn run_in(env: &TestEnv, program: &Path, flags: &[&str], script: &str) -> Outcome {
    env.output(
        with_aws_mfa_on_path(env, program)
            .args(flags)
            .arg("-c")
            .arg(script),
    )
}

/// Strict modes: the scripts must not trip over them, nor print anything when loaded.
pub(super) const BASH_STRICT: &[&str] = &["--norc", "--noprofile", "-e", "-u", "-o", "pipefail"];
pub(super) const ZSH_STRICT: &[&str] = &[
    "-f",
    "-e",
    "-u",
    "-o",
    "pipefail",
    "-o",
    "warn_create_global",
];
pub(super) const FISH_CLEAN: &[&str] = &["--no-config"];

#[test]
fn init_prints_the_shipped_files() {
    let env = TestEnv::new();
    let shipped_files = SHELLS.iter().filter_map(|s| Some((s.name, s.init?)));
    for (shell, file) in shipped_files {
        let out = env.run(&["init", shell]);
        out.assert_success();
        assert_eq!(out.stdout, std::fs::read_to_string(shipped(file)).unwrap());
    }
    let out = env.run(&["init", "powershell"]);
    out.assert_success();
    assert!(out.stdout.contains("function aws-mfa-session {"));
    for (alias, shell) in [("csh", "tcsh"), ("nushell", "nu")] {
        assert_eq!(
            env.run(&["init", alias]).stdout,
            env.run(&["init", shell]).stdout
        );
    }
    // No shell with functions of its own: a usage error, nothing on stdout.
    let out = env.run(&["init", "sh"]);
    assert_eq!(out.code, Some(2));
    assert_eq!(out.stdout, "");
    assert!(
        out.stderr
            .contains("possible values: bash, zsh, fish, pwsh"),
        "{}",
        out.stderr
    );
}

#[test]
fn the_shipped_scripts_pass_shellcheck_zsh_n_and_fish_no_execute() {
    let env = TestEnv::new();
    if let Some(shellcheck) = require("shellcheck") {
        let out = env.output(
            Command::new(shellcheck)
                .args(["--enable=all", "--shell=bash"])
                .arg(shipped("aws-mfa.bash")),
        );
        assert_eq!(
            out.code,
            Some(0),
            "shellcheck: {}{}",
            out.stdout,
            out.stderr
        );
    }
    if let Some(zsh) = require("zsh") {
        let out = env.output(Command::new(zsh).arg("-n").arg(shipped("aws-mfa.zsh")));
        assert_eq!((out.code, out.stderr.as_str()), (Some(0), ""), "zsh -n");
    }
    if let Some(fish) = require("fish") {
        let out = env.output(
            Command::new(fish)
                .arg("--no-execute")
                .arg(shipped("aws-mfa.fish")),
        );
        assert_eq!((out.code, out.stderr.as_str()), (Some(0), ""), "fish -n");
    }
    if let Some(elvish) = require("elvish") {
        let out = env.output(
            Command::new(elvish)
                .args(["-norc", "-compileonly"])
                .arg(shipped("aws-mfa.elv")),
        );
        assert_eq!((out.code, out.stderr.as_str()), (Some(0), ""), "elvish");
    }
    if let Some(nu) = require("nu") {
        let out = env.output(Command::new(nu).args([
            "--no-config-file",
            "-c",
            &format!("nu-check --debug '{}'", shipped("aws-mfa.nu").display()),
        ]));
        assert_eq!(
            (out.code, out.stdout.trim(), out.stderr.as_str()),
            (Some(0), "true", ""),
            "nu-check"
        );
    }
}

/// Runs `code` in `program` after loading the shipped integration the way its users do
/// (tcsh and nu `source` a saved file; nu reads it when the line is parsed, so the file is
/// saved first), `aws-mfa` on PATH.
fn with_init(env: &TestEnv, program: &str, path: &Path, code: &str) -> Outcome {
    match program {
        "tcsh" | "nu" => {
            let init = env.run(&["init", program]);
            init.assert_success();
            let file = env.path().join(format!("init.{program}"));
            std::fs::write(&file, &init.stdout).unwrap();
            let flags: &[&str] = if program == "nu" {
                &["--no-config-file"]
            } else {
                &["-f"]
            };
            run_in(
                env,
                path,
                flags,
                &format!("source '{}'\n{code}", file.display()),
            )
        }
        "elvish" => {
            // Functions live in the namespace of the code eval'd with them.
            let file = env.path().join("code.elv");
            std::fs::write(&file, code).unwrap();
            run_in(
                env,
                path,
                &["-norc"],
                &format!(
                    "eval (aws-mfa init elvish | slurp)\"\n\"(slurp < '{}')",
                    file.display()
                ),
            )
        }
        "xonsh" => run_in(
            env,
            path,
            &["--no-rc"],
            &format!("{}\n{code}", execx_output_of("aws-mfa init xonsh")),
        ),
        other => panic!("no loader for {other}"),
    }
}

#[test]
fn init_and_completion_scripts_load_silently_in_strict_mode() {
    let env = TestEnv::new();
    let loads = [
        (
            "bash",
            BASH_STRICT,
            r#"eval "$(aws-mfa init bash)"; source <(aws-mfa completions bash)
type aws-mfa-session aws-mfa-clear aws-mfa-prompt >/dev/null"#,
        ),
        (
            "zsh",
            ZSH_STRICT,
            r#"autoload -Uz compinit && compinit -u -D
eval "$(aws-mfa init zsh)"; source <(aws-mfa completions zsh)
whence -w aws-mfa-session aws-mfa-clear aws-mfa-prompt >/dev/null"#,
        ),
        (
            "fish",
            FISH_CLEAN,
            "aws-mfa init fish | source; aws-mfa completions fish | source
functions -q aws-mfa-session aws-mfa-clear aws-mfa-prompt; or exit 9",
        ),
    ];
    for (program, flags, script) in loads {
        let Some(path) = require(program) else {
            continue;
        };
        let out = run_in(&env, &path, flags, script);
        assert_eq!(
            (out.code, out.stdout.as_str(), out.stderr.as_str()),
            (Some(0), "", ""),
            "{program}"
        );
    }
    // PowerShell (7 and 5.1) loads both, under StrictMode, in the PowerShell jobs of
    // .github/workflows/ci.yml: real Windows, where CI can install it.
}

/// The home for the function tests: `default` and `work` profiles.
fn two_profiles(fake: &FakeSts) -> TestEnv {
    let config = format!(
        "{DEFAULT_CONFIG}[profile work]\nmfa_serial = arn:aws:iam::222222222222:mfa/work\nregion = us-west-2\n"
    );
    let credentials = format!(
        "{DEFAULT_CREDENTIALS}[work]\naws_access_key_id = AKIAWORK000000000001\naws_secret_access_key = work-secret\n"
    );
    fake.knows("AKIAWORK000000000001", "work-secret");
    TestEnv::with_files(&config, &credentials).sts(fake)
}

/// The script each shell runs: a failure changes nothing and stops `&&`; a profile given
/// first is used; the prompt helper shows it; clear removes it. Dumps go to files.
fn session_script(shell: &str, dir: &Path) -> String {
    let dir = dir.display();
    match shell {
        "fish" => format!(
            r#"aws-mfa init fish | source
set -gx AWS_ACCESS_KEY_ID before
aws-mfa-session nosuch -t {CODE}; and echo "went on after a failure"
echo "failed $status"
echo "key $AWS_ACCESS_KEY_ID"
aws-mfa-session work -t {CODE}; and echo "session ok"
echo "prompt [$(aws-mfa-prompt)]"
env -0 > {dir}/session
aws-mfa-clear; and echo "clear ok"
echo "prompt [$(aws-mfa-prompt)]"
env -0 > {dir}/cleared
aws-mfa-session --help | string match -q 'usage: aws-mfa-session *'; and echo "help ok"
"#
        ),
        _ => format!(
            r#"eval "$(aws-mfa init {shell})"
export AWS_ACCESS_KEY_ID=before
aws-mfa-session nosuch -t {CODE} && echo "went on after a failure"
echo "failed $?"
echo "key $AWS_ACCESS_KEY_ID"
aws-mfa-session work -t {CODE} && echo "session ok"
echo "prompt [$(aws-mfa-prompt)]"
env -0 > {dir}/session
aws-mfa-clear && echo "clear ok"
echo "prompt [$(aws-mfa-prompt)]"
env -0 > {dir}/cleared
aws-mfa-session --help | grep -q '^usage: aws-mfa-session ' && echo "help ok"
"#
        ),
    }
}

/// `session_script` for the shells loaded by `with_init`.
fn later_session_script(shell: &str, dir: &Path) -> String {
    let dir = dir.display();
    match shell {
        "tcsh" => format!(
            r#"setenv AWS_ACCESS_KEY_ID before
aws-mfa-session nosuch -t {CODE} && echo "went on after a failure"
echo "failed $status"
echo "key $AWS_ACCESS_KEY_ID"
aws-mfa-session work -t {CODE} && echo "session ok"
echo "prompt [`aws-mfa-prompt`]"
env -0 > {dir}/session
aws-mfa-clear && echo "clear ok"
echo "prompt [`aws-mfa-prompt`]"
env -0 > {dir}/cleared
aws-mfa-session --help | grep -q '^usage: aws-mfa-session ' && echo "help ok"
"#
        ),
        "elvish" => format!(
            r#"set-env AWS_ACCESS_KEY_ID before
try {{ aws-mfa-session nosuch -t {CODE}; echo "went on after a failure" }} catch {{ echo "failed 1" }}
echo "key "$E:AWS_ACCESS_KEY_ID
aws-mfa-session work -t {CODE}; echo "session ok"
echo "prompt ["(aws-mfa-prompt | slurp)"]"
e:env -0 > {dir}/session
aws-mfa-clear; echo "clear ok"
echo "prompt ["(aws-mfa-prompt | slurp)"]"
e:env -0 > {dir}/cleared
if (re:match '^usage: aws-mfa-session ' (aws-mfa-session --help | slurp)) {{ echo "help ok" }}
"#
        ),
        "xonsh" => format!(
            r#"$AWS_ACCESS_KEY_ID = "before"
failed = ![aws-mfa-session nosuch -t {CODE}]
if failed.returncode == 0: print("went on after a failure")
print(f"failed {{failed.returncode}}")
print("key " + $AWS_ACCESS_KEY_ID)
if ![aws-mfa-session work -t {CODE}]: print("session ok")
print("prompt [" + $(aws-mfa-prompt) + "]")
env -0 > {dir}/session
if ![aws-mfa-clear]: print("clear ok")
print("prompt [" + $(aws-mfa-prompt) + "]")
env -0 > {dir}/cleared
if $(aws-mfa-session --help).startswith("usage: aws-mfa-session "): print("help ok")
"#
        ),
        "nu" => format!(
            r#"$env.AWS_ACCESS_KEY_ID = 'before'
try {{ aws-mfa-session nosuch -t {CODE}; print 'went on after a failure' }} catch {{ print 'failed 1' }}
print $'key ($env.AWS_ACCESS_KEY_ID)'
aws-mfa-session work -t {CODE}
print 'session ok'
print $'prompt [(aws-mfa-prompt)]'
^env -0 | save -f '{dir}/session'
aws-mfa-clear
print 'clear ok'
print $'prompt [(aws-mfa-prompt)]'
^env -0 | save -f '{dir}/cleared'
if (aws-mfa-session --help | str starts-with 'usage: aws-mfa-session ') {{ print 'help ok' }}
"#
        ),
        other => panic!("no script for {other}"),
    }
}

#[test]
fn aws_mfa_session_evaluates_only_after_success_and_clear_removes_it() {
    // Every shell with an init script that runs here: a new one fails until `with_init`
    // and `later_session_script` know it.
    let shells = SHELLS
        .iter()
        .filter(|s| s.init.is_some())
        .filter_map(|s| s.real);
    for program in shells.map(|real| real.program) {
        let Some(path) = require(program) else {
            continue;
        };
        let fake = FakeSts::start();
        let env = two_profiles(&fake);
        let out = match program {
            "bash" => run_in(
                &env,
                &path,
                BASH_STRICT,
                &session_script(program, env.path()),
            ),
            "zsh" => run_in(
                &env,
                &path,
                ZSH_STRICT,
                &session_script(program, env.path()),
            ),
            "fish" => run_in(
                &env,
                &path,
                FISH_CLEAN,
                &session_script(program, env.path()),
            ),
            _ => with_init(
                &env,
                program,
                &path,
                &later_session_script(program, env.path()),
            ),
        };
        assert_eq!(out.code, Some(0), "{program}: {out:#?}");
        let lines: Vec<&str> = out.stdout.lines().collect();
        assert_eq!(lines.len(), 7, "{program}: {out:#?}");
        assert_eq!(lines[0], "failed 1", "{program}");
        assert_eq!(
            lines[1], "key before",
            "{program}: a failure changes nothing"
        );
        assert_eq!(lines[2], "session ok", "{program}");
        assert!(
            lines[3].starts_with("prompt [work ") && lines[3].ends_with("m]"),
            "{program}: {}",
            lines[3]
        );
        assert_eq!(
            lines[4..],
            ["clear ok", "prompt []", "help ok"],
            "{program}"
        );
        // The only thing on stderr is aws-mfa's error for the unknown profile: no warning
        // from the shell about the functions themselves.
        assert!(
            out.stderr.starts_with("aws-mfa: unknown profile 'nosuch'")
                && out
                    .stderr
                    .lines()
                    .all(|l| l.starts_with("aws-mfa: unknown profile") || l.starts_with("  hint: ")),
            "{program}: {}",
            out.stderr
        );
        assert_no_secrets(&out.stderr);

        let session = parse_env0(&std::fs::read_to_string(env.path().join("session")).unwrap());
        // Byte for byte the set issued (a token of several KB), through the function's
        // capture of aws-mfa's output in a variable.
        assert_eq!(
            assert_issued_vars(&fake, &session),
            fake.keys(1),
            "{program}"
        );
        assert_eq!(
            session["AWS_MFA_PROFILE"], "work",
            "{program}: the first word is -p"
        );
        assert_eq!(session["AWS_REGION"], "us-west-2", "{program}");
        assert_eq!(
            fake.calls()[0].signed_with,
            Some(Keys::long_term("AKIAWORK000000000001", "work-secret")),
            "{program}"
        );
        let cleared = parse_env0(&std::fs::read_to_string(env.path().join("cleared")).unwrap());
        for gone in [
            "AWS_ACCESS_KEY_ID",
            "AWS_SESSION_TOKEN",
            "AWS_MFA_PROFILE",
            "AWS_REGION",
        ] {
            assert!(
                !cleared.contains_key(gone),
                "{program}: {gone} is still set"
            );
        }
    }
}

/// RFC 3339 UTC, `seconds` from now.
pub(super) fn expiry_in(seconds: i64) -> String {
    let now = SystemTime::now();
    let at = if seconds >= 0 {
        now + Duration::from_secs(seconds.unsigned_abs())
    } else {
        now - Duration::from_secs(seconds.unsigned_abs())
    };
    humantime::format_rfc3339_seconds(at).to_string()
}

#[test]
fn the_prompt_helper_shows_the_profile_and_the_time_left() {
    // (expires in, what the prompt shows)
    let cases = [
        (42 * 60 + 30, "work 42m"),
        (11 * 3600 + 5 * 60 + 30, "work 11h05m"),
        (-90, "work expired"),
    ];
    let shells = [
        (
            "bash",
            BASH_STRICT,
            "eval \"$(aws-mfa init bash)\"; aws-mfa-prompt",
        ),
        (
            "zsh",
            ZSH_STRICT,
            "eval \"$(aws-mfa init zsh)\"; aws-mfa-prompt",
        ),
        (
            "fish",
            FISH_CLEAN,
            "aws-mfa init fish | source; aws-mfa-prompt",
        ),
    ];
    for (program, flags, script) in shells {
        let Some(path) = require(program) else {
            continue;
        };
        for (seconds, shown) in cases {
            let mut env = TestEnv::new();
            env.set("AWS_MFA_PROFILE", "work")
                .set("AWS_CREDENTIAL_EXPIRATION", &expiry_in(seconds));
            let out = run_in(&env, &path, flags, script);
            assert_eq!(
                (out.code, out.stdout.as_str(), out.stderr.as_str()),
                (Some(0), shown, ""),
                "{program}"
            );
        }
        // No session: nothing at all.
        let out = run_in(&TestEnv::new(), &path, flags, script);
        assert_eq!((out.code, out.stdout.as_str()), (Some(0), ""), "{program}");
    }
    let later = [
        ("tcsh", "aws-mfa-prompt"),
        ("elvish", "aws-mfa-prompt"),
        ("xonsh", "aws-mfa-prompt"),
        ("nu", "print -n (aws-mfa-prompt)"),
    ];
    for (program, call) in later {
        let Some(path) = require(program) else {
            continue;
        };
        for (seconds, shown) in cases {
            let mut env = TestEnv::new();
            env.set("AWS_MFA_PROFILE", "work")
                .set("AWS_CREDENTIAL_EXPIRATION", &expiry_in(seconds));
            let out = with_init(&env, program, &path, call);
            assert_eq!(
                (out.code, out.stdout.as_str(), out.stderr.as_str()),
                (Some(0), shown, ""),
                "{program}"
            );
        }
        let out = with_init(&TestEnv::new(), program, &path, call);
        assert_eq!((out.code, out.stdout.as_str()), (Some(0), ""), "{program}");
    }
}
