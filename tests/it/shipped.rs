//! What we ship for shells: the `shell/` scripts (`aws-mfa init`), the completion scripts
//! and the manual page, each checked by the real tool that reads it.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, SystemTime};

use crate::support::peers::require;
use crate::support::pty::Pty;
use crate::support::shells::SHELLS;
use crate::support::xonsh::execx_output_of;
use crate::support::*;

fn shipped(file: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("shell")
        .join(file)
}

/// A command in `env` that finds `aws-mfa` on PATH, as the scripts call it.
fn with_aws_mfa_on_path(env: &TestEnv, program: &Path) -> Command {
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
fn run_in(env: &TestEnv, program: &Path, flags: &[&str], script: &str) -> Outcome {
    env.output(
        with_aws_mfa_on_path(env, program)
            .args(flags)
            .arg("-c")
            .arg(script),
    )
}

/// Strict modes: the scripts must not trip over them, nor print anything when loaded.
const BASH_STRICT: &[&str] = &["--norc", "--noprofile", "-e", "-u", "-o", "pipefail"];
const ZSH_STRICT: &[&str] = &[
    "-f",
    "-e",
    "-u",
    "-o",
    "pipefail",
    "-o",
    "warn_create_global",
];
const FISH_CLEAN: &[&str] = &["--no-config"];

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
    for program in ["bash", "zsh", "fish", "tcsh", "elvish", "xonsh", "nu"] {
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
fn expiry_in(seconds: i64) -> String {
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

#[test]
fn profiles_lists_every_profile_of_both_files() {
    let env = TestEnv::with_files(
        "[default]\nregion = eu-west-1\n[profile work]\nregion = us-west-2\n",
        "[ci]\naws_access_key_id = AKIACI00000000000001\naws_secret_access_key = x\n",
    );
    let out = env.run(&["__profiles"]);
    out.assert_success();
    assert_eq!(out.stdout, "ci\ndefault\nwork\n");
}

/// The home for completion tests: profiles `default`, `dev-eu`, `work`.
fn completion_home() -> TestEnv {
    TestEnv::with_files(
        "[default]\nregion = eu-west-1\n[profile work]\nregion = us-west-2\n[profile dev-eu]\n",
        "",
    )
}

#[test]
fn bash_completes_commands_options_and_profile_names() {
    let Some(bash) = require("bash") else {
        return;
    };
    let env = completion_home();
    // Calls the function `complete -p aws-mfa` names, as bash does on TAB.
    let complete = |words: &str| -> Vec<String> {
        let script = format!(
            r#"source <(aws-mfa completions bash)
COMP_WORDS=({words})
COMP_CWORD=$(( ${{#COMP_WORDS[@]}} - 1 ))
COMP_LINE="${{COMP_WORDS[*]}}"; COMP_POINT=${{#COMP_LINE}}
function=$(complete -p aws-mfa | sed -n 's/.*-F \([^ ]*\) .*/\1/p')
"$function" aws-mfa "${{COMP_WORDS[COMP_CWORD]}}" "${{COMP_WORDS[COMP_CWORD-1]}}"
printf '%s\n' "${{COMPREPLY[@]}}""#
        );
        let out = run_in(&env, &bash, &["--norc", "--noprofile"], &script);
        out.assert_success();
        out.stdout.lines().map(str::to_owned).collect()
    };
    assert_eq!(complete("aws-mfa env -p ''"), ["default", "dev-eu", "work"]);
    assert_eq!(complete("aws-mfa exec --profile w"), ["work"]);
    assert_eq!(complete("aws-mfa env --sh"), ["--shell"]);
    assert_eq!(complete("aws-mfa env --shell f"), ["fish"]);
    let commands = complete("aws-mfa ''");
    for command in ["env", "exec", "init", "completions"] {
        assert!(commands.iter().any(|c| c == command), "{commands:?}");
    }
    assert!(
        !commands.iter().any(|c| c == "__profiles"),
        "hidden commands stay hidden: {commands:?}"
    );
    assert!(commands.iter().any(|c| c == "man"), "{commands:?}");
}

#[test]
fn fish_completes_profile_names() {
    let Some(fish) = require("fish") else {
        return;
    };
    let env = completion_home();
    let complete = |line: &str| -> Vec<String> {
        let script = format!("aws-mfa completions fish | source; complete --do-complete='{line}'");
        let out = run_in(&env, &fish, FISH_CLEAN, &script);
        out.assert_success();
        out.stdout
            .lines()
            .map(|l| l.split('\t').next().unwrap().to_owned())
            .collect()
    };
    assert_eq!(complete("aws-mfa env -p "), ["default", "dev-eu", "work"]);
    assert_eq!(complete("aws-mfa exec --profile w"), ["work"]);
    let commands = complete("aws-mfa ");
    assert!(commands.iter().any(|c| c == "init"), "{commands:?}");
    assert!(!commands.iter().any(|c| c == "__profiles"), "{commands:?}");
}

#[test]
fn zsh_completes_profile_names_at_a_real_prompt() {
    let Some(zsh) = require("zsh") else {
        return;
    };
    let env = completion_home();
    let pty = Pty::open();
    let mut command = with_aws_mfa_on_path(&env, &zsh);
    command
        .args(["-f", "-i"])
        .env("PS1", "zsh> ")
        .env("TERM", "dumb");
    let mut child = pty.attach(&mut command);
    pty.wait_for("zsh> ");
    pty.type_keys(
        "autoload -Uz compinit && compinit -u -D && source <(aws-mfa completions zsh) && echo loaded\n",
    );
    pty.wait_for("loaded");
    pty.type_keys("aws-mfa env --profile w\t");
    pty.wait_for("aws-mfa env --profile work");
    pty.type_keys("\x15aws-mfa exec -p dev\t");
    pty.wait_for("aws-mfa exec -p dev-eu");
    pty.type_keys("\x15exit\n");
    let _ = child.kill();
    let _ = child.wait();
}

#[test]
fn the_manual_page_covers_every_command_and_renders_cleanly() {
    let env = TestEnv::new();
    let out = env.run(&["man"]);
    out.assert_success();
    let page = &out.stdout;
    assert!(page.contains(".TH aws-mfa 1"), "{page}");
    for section in [
        "AWS-MFA ENV",
        "AWS-MFA EXEC",
        "AWS-MFA INIT",
        "AWS-MFA COMPLETIONS",
        "AWS-MFA MAN",
        "EXAMPLES",
        "ENVIRONMENT",
        "FILES",
        "EXIT STATUS",
        "DIAGNOSTICS",
    ] {
        assert!(
            page.contains(&format!(".SH \"{section}\"\n"))
                || page.contains(&format!(".SH {section}\n")),
            "{section}"
        );
    }
    for option in [
        "token\\-code",
        "mfa\\-serial",
        "unset",
        "aws\\-mfa init fish | source",
    ] {
        assert!(page.contains(option), "{option}");
    }
    assert!(
        !page.contains("__profiles"),
        "hidden commands stay out of the page"
    );
    for text in [
        "mfa_process",
        "AWS_MFA_CACHE_DIR",
        "credential_process = aws\\-mfa credential\\-process",
        "terraform plan",
        "role_arn",
        "aws\\-mfa init elvish",
    ] {
        assert!(page.contains(text), "{text}");
    }
    // What a reader sees: the sections in order, under man itself when it is installed.
    if let Some(man) = require("man") {
        let file = env.path().join("aws-mfa.1");
        std::fs::write(&file, page).unwrap();
        let mut command = env.command(man);
        command
            .arg("-l")
            .arg(&file)
            .env("MANPAGER", "cat")
            .env("MANWIDTH", "100");
        let shown = env.output(&mut command);
        assert_eq!((shown.code, shown.stderr.as_str()), (Some(0), ""), "man -l");
        let heads: Vec<&str> = shown
            .stdout
            .lines()
            .filter(|l| !l.is_empty() && !l.starts_with(' '))
            .collect();
        let at = |head: &str| {
            heads
                .iter()
                .position(|h| *h == head)
                .unwrap_or_else(|| panic!("{head} not in {heads:?}"))
        };
        assert!(at("SYNOPSIS") < at("EXAMPLES"));
        assert!(at("EXAMPLES") < at("ENVIRONMENT"));
        assert!(at("ENVIRONMENT") < at("FILES"));
        assert!(at("FILES") < at("EXIT STATUS"));
        assert!(at("EXIT STATUS") < at("DIAGNOSTICS"));
        assert!(shown.stdout.contains("SignatureDoesNotMatch"));
        assert!(shown.stdout.contains("AWS_MFA_CACHE_DIR"));
        assert!(shown.stdout.contains("mfa_process = op item get AWS --otp"));
    }
    if let Some(groff) = require("groff") {
        let mut child = env
            .command(groff)
            .args(["-man", "-Tutf8", "-ww", "-z"])
            .stdin(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        std::io::Write::write_all(&mut child.stdin.take().unwrap(), page.as_bytes()).unwrap();
        let rendered = env.output_of(child);
        assert_eq!(
            (rendered.code, rendered.stderr.as_str()),
            (Some(0), ""),
            "groff warnings"
        );
    }
}

#[test]
fn the_starship_module_in_the_docs_shows_the_session() {
    let Some(bash) = require("bash") else {
        return;
    };
    let page = include_str!("../../docs/shell-integration.md");
    let block = page
        .split("[custom.aws_mfa]\n")
        .nth(1)
        .and_then(|rest| rest.split("```").next())
        .expect("docs/shell-integration.md has a starship custom module");
    let setting = |key: &str| -> String {
        let line = block
            .lines()
            .find_map(|l| l.strip_prefix(&format!("{key} = '")))
            .unwrap_or_else(|| panic!("{key} in {block}"));
        line.strip_suffix('\'').unwrap().to_owned()
    };
    let (when, command) = (setting("when"), setting("command"));
    let mut env = TestEnv::new();
    assert_ne!(
        run_in(&env, &bash, &[], &when).code,
        Some(0),
        "hidden without a session"
    );
    env.set("AWS_MFA_PROFILE", "work")
        .set("AWS_CREDENTIAL_EXPIRATION", &expiry_in(42 * 60 + 30));
    assert_eq!(run_in(&env, &bash, &[], &when).code, Some(0));
    let out = run_in(&env, &bash, &[], &command);
    assert_eq!(
        (out.code, out.stdout.as_str()),
        (Some(0), "work 42m"),
        "{out:#?}"
    );
}

#[test]
fn nushell_completes_commands_options_and_profile_names() {
    let Some(nu) = require("nu") else {
        return;
    };
    let env = completion_home();
    let script = env.run(&["completions", "nushell"]);
    script.assert_success();
    std::fs::write(env.path().join("completions.nu"), &script.stdout).unwrap();
    // What nu's line editor would offer with the cursor at the end of `line`.
    let complete = |line: &str| -> serde_json::Value {
        let file = env.path().join("line.nu");
        let text = format!("source completions.nu\n{line}");
        std::fs::write(&file, &text).unwrap();
        let out = env.output(with_aws_mfa_on_path(&env, &nu).args([
            "--no-config-file",
            "--ide-complete",
            &text.len().to_string(),
            file.to_str().unwrap(),
        ]));
        out.assert_success();
        serde_json::from_str::<serde_json::Value>(&out.stdout).unwrap()["completions"].clone()
    };
    assert_eq!(
        complete("aws-mfa env --profile w"),
        serde_json::json!(["work"])
    );
    assert_eq!(
        complete("aws-mfa exec -p "),
        serde_json::json!(["default", "dev-eu", "work"])
    );
    assert_eq!(complete("aws-mfa env --sh"), serde_json::json!(["--shell"]));
    assert_eq!(
        complete("aws-mfa env --shell xo"),
        serde_json::json!(["xonsh"])
    );
}

#[test]
fn elvish_completes_commands_and_profile_names_at_a_real_prompt() {
    let Some(elvish) = require("elvish") else {
        return;
    };
    let env = completion_home();
    let pty = Pty::open();
    let mut command = with_aws_mfa_on_path(&env, &elvish);
    command.args(["-norc"]).env("TERM", "dumb");
    // The completer the line editor calls on TAB, given the words before the cursor (the
    // shell's stdout is a pipe here: what it shows goes to the terminal).
    std::fs::write(
        env.path().join("complete.elv"),
        "eval (aws-mfa completions elvish | slurp)
var complete~ = $edit:completion:arg-completer[aws-mfa]
complete aws-mfa env --profile '' | each {|c| echo profile:$c > /dev/tty }
complete aws-mfa '' | each {|c| echo command:$c[stem] > /dev/tty }
",
    )
    .unwrap();
    let mut child = pty.attach(&mut command);
    pty.type_keys("eval (slurp < complete.elv)\n");
    pty.wait_for("profile:default");
    pty.wait_for("profile:dev-eu");
    pty.wait_for("profile:work");
    pty.wait_for("command:completions");
    pty.type_keys("exit\n");
    let _ = child.kill();
    let _ = child.wait();
}

#[test]
fn help_ends_with_the_lines_people_copy() {
    let env = TestEnv::new();
    for flag in ["-h", "--help"] {
        let out = env.run(&[flag]);
        out.assert_success();
        let examples = out
            .stdout
            .split_once("\nExamples:\n")
            .unwrap_or_else(|| panic!("{flag}: no examples in {}", out.stdout))
            .1;
        for line in [
            r#"eval "$(aws-mfa env)""#,
            "aws-mfa env | source",
            "aws-mfa env | Out-String | Invoke-Expression",
            "aws-mfa exec -- terraform plan",
            "aws-mfa exec -p admin -- aws s3 ls",
            "credential_process = aws-mfa credential-process --profile admin",
            "aws-mfa man | man -l -",
        ] {
            assert!(examples.contains(line), "{flag}: {line}");
        }
    }
    // `man` is listed with the other commands.
    let out = env.run(&["--help"]);
    assert!(out.stdout.contains("\n  man "), "{}", out.stdout);
    // -d says both defaults.
    let out = env.run(&["env", "--help"]);
    assert!(
        out.stdout
            .contains("duration_seconds, else 12h (role: 1h)]"),
        "{}",
        out.stdout
    );
}
