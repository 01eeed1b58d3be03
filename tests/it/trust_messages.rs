//! What messages may show: an `mfa_process` line past its program, a key id that is really
//! a secret, a secret `add` would store, control characters in a note; and the terminal a
//! signal leaves behind while `add` hides the secret.

use std::time::{Duration, Instant};

use crate::support::peers::require;
use crate::support::pty::Pty;
use crate::support::*;

/// A TOTP seed, as people put it on the `mfa_process` line.
const SEED: &str = "JBSWY3DPEHPK3PXPSEEDSEEDSEED";

fn with_mfa_process(fake: &FakeSts, line: &str) -> TestEnv {
    let mut env = TestEnv::new().sts(fake);
    env.write_aws_file("config", &format!("{DEFAULT_CONFIG}mfa_process = {line}\n"));
    env
}

#[track_caller]
fn assert_no_seed(out: &Outcome) {
    for text in [&out.stdout, &out.stderr] {
        assert!(!text.contains(SEED), "the seed was shown: {text}");
        assert!(!text.contains("--totp"), "the line was shown: {text}");
    }
}

#[test]
fn an_mfa_process_line_is_shown_no_further_than_its_program_and_doctor_checks_it() {
    let fake = FakeSts::start();
    for (line, why) in [
        (
            format!("\"oathtool --totp -b {SEED}\""),
            "mfa_process failed: its first word is not a program (is the whole command in quotes?)",
        ),
        (
            format!("'/usr/local/bin/oathtool --totp -b {SEED}'"),
            "mfa_process failed: its first word is not a program",
        ),
        (
            format!("SEED={SEED} oathtool --totp -b $SEED"),
            "mfa_process failed: its first word sets a variable (NAME=value), which takes a shell",
        ),
    ] {
        let env = with_mfa_process(&fake, &line);
        let out = env.run(&["env", "--shell", "bash"]);
        out.assert_failure(why)
            .assert_failure("keep a TOTP seed in a file or a password manager")
            .assert_failure("ps");
        assert_no_seed(&out);

        let out = env.run(&["doctor"]);
        assert_ne!(out.code, Some(0), "{out:?}");
        assert!(
            out.stdout
                .contains("✗ mfa_process cannot run: its first word"),
            "{}",
            out.stdout
        );
        assert!(!out.stdout.contains("✓ codes come from"), "{}", out.stdout);
        assert_no_seed(&out);
    }
    assert_eq!(fake.count("GetSessionToken"), 0, "no code was had");

    // A program that is not there is named (its name is no secret), and doctor says so.
    let env = with_mfa_process(&fake, &format!("otp-tool-not-installed --totp -b {SEED}"));
    let out = env.run(&["env", "--shell", "bash"]);
    out.assert_failure("mfa_process 'otp-tool-not-installed' failed: cannot start it");
    assert_no_seed(&out);
    let out = env.run(&["doctor"]);
    assert_ne!(out.code, Some(0), "{out:?}");
    assert!(
        out.stdout.contains(
            "✗ mfa_process program 'otp-tool-not-installed' cannot be started: it is not found (PATH)"
        ),
        "{}",
        out.stdout
    );
    assert_no_seed(&out);

    // A real one gets its tick, named by its program only.
    let env = with_mfa_process(&fake, &format!("echo {CODE} --totp {SEED}"));
    let out = env.run(&["doctor"]);
    assert!(
        out.stdout.contains("✓ codes come from mfa_process: echo …"),
        "{}",
        out.stdout
    );
    assert_no_seed(&out);
}

/// A secret key of the shape AWS issues, distinct at both ends.
const SWAPPED_SECRET: &str = "q7ZrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEW9xk";

#[test]
fn keys_swapped_in_the_credentials_file_show_nothing_of_the_secret() {
    let fake = FakeSts::start();
    let credentials = format!(
        "[default]\naws_access_key_id = {SWAPPED_SECRET}\naws_secret_access_key = {ACCESS_KEY}\n"
    );
    let env = TestEnv::with_files(DEFAULT_CONFIG, &credentials).sts(&fake);
    let verbose = env.run(&["env", "--shell", "bash", "-v", "-t", CODE]);
    let doctor = env.run(&["doctor"]);
    for text in [&verbose.stderr, &doctor.stdout, &doctor.stderr] {
        for end in [&SWAPPED_SECRET[..4], &SWAPPED_SECRET[36..]] {
            assert!(!text.contains(end), "{end} of the secret was shown: {text}");
        }
    }
    assert!(
        verbose.stderr.contains("(not an access key id)"),
        "{}",
        verbose.stderr
    );
    assert!(
        doctor
            .stdout
            .contains("long-term key (not an access key id) in profile 'default'"),
        "{}",
        doctor.stdout
    );
}

#[test]
fn add_takes_only_a_secret_of_the_shape_aws_issues_and_says_it_is_the_secret() {
    let env = TestEnv::new();
    let add = |secret: &str| {
        env.output(
            env.command(BIN)
                .args(["add", "work", "--from-env"])
                .env("AWS_ACCESS_KEY_ID", "AKIAIOSFODNN7EXAMPLE")
                .env("AWS_SECRET_ACCESS_KEY", secret),
        )
    };
    let shape = "a secret access key is 40 characters: letters, digits, + and /";
    for (secret, what, why) in [
        (
            "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEé".to_owned(),
            "(40 characters)",
            "not ASCII",
        ),
        (
            "wJalrXUtnFEMI/K7MDENG\u{202e}bPxRfiCYEXAMPLEKEY".to_owned(),
            "(40 characters)",
            "not ASCII",
        ),
        ("A".repeat(120 * 1024), "(122880 characters)", shape),
        ("short-secret".to_owned(), "(12 characters)", shape),
    ] {
        let out = add(&secret);
        out.assert_failure(&format!("not a secret access key {what}: "))
            .assert_failure(why)
            .assert_failure("hint: give the secret access key AWS showed once");
        assert!(
            !out.stderr.contains("not an access key id"),
            "{}",
            out.stderr
        );
        assert!(!out.stderr.contains(&secret), "{}", out.stderr);
    }
}

#[test]
fn a_note_shows_control_characters_of_the_serial_escaped() {
    let fake = FakeSts::start();
    // The root user's device (STS gives it 1 hour at most): the note names it.
    let serial = "arn:aws:iam::123456789012\x1b]0;pwned\x07\x1b[2J:mfa/root-account-mfa-device";
    let config = format!("[default]\nmfa_serial = {serial}\nregion = eu-west-1\n");
    let env = TestEnv::with_files(&config, DEFAULT_CREDENTIALS).sts(&fake);
    let out = env.run(&["env", "--shell", "bash", "-d", "12h", "-t", CODE]);
    assert!(
        out.stderr
            .contains("aws-mfa: note: asking for 1h, not 12h: arn:aws:iam::123456789012\\x1b]0;pwned\\x07\\x1b[2J:mfa/root-account-mfa-device"),
        "{:?}",
        out.stderr
    );
    assert!(!out.stderr.contains('\x1b'), "{:?}", out.stderr);
    assert!(!out.stderr.contains('\x07'), "{:?}", out.stderr);
}

/// Starts `add` on a terminal, types the key id, and waits until echo is off for the secret.
fn at_the_hidden_prompt(env: &TestEnv, pty: &Pty) -> std::process::Child {
    let child = pty.attach(env.command(BIN).args(["add", "work"]));
    pty.wait_for("Access key ID: ");
    pty.type_keys("AKIAIOSFODNN7EXAMPLE\n");
    pty.wait_for("Secret access key (not shown): ");
    let started = Instant::now();
    while pty.mode().echo {
        assert!(started.elapsed() < Duration::from_secs(20), "echo stays on");
        std::thread::sleep(Duration::from_millis(10));
    }
    child
}

#[test]
fn sigterm_or_sighup_at_the_hidden_prompt_leaves_the_terminal_as_it_was() {
    for (signal, name) in [(libc::SIGTERM, "SIGTERM"), (libc::SIGHUP, "SIGHUP")] {
        let env = TestEnv::new();
        let pty = Pty::open();
        let before = pty.mode();
        assert!(
            before.echo && before.line_mode && before.signals,
            "{before:?}"
        );
        let child = at_the_hidden_prompt(&env, &pty);
        pty.type_keys("half-typed");
        // SAFETY: kill has no memory effects; the pid is our own child's.
        assert_eq!(unsafe { libc::kill(child.id() as libc::pid_t, signal) }, 0);
        let out = env.output_of(child);
        assert_eq!(out.code, Some(128 + signal), "{name} ends it: {out:?}");
        assert_eq!(out.stdout, "");
        assert_eq!(
            pty.mode(),
            before,
            "{name}: echo, line mode and signals are back"
        );
    }
}

#[test]
fn the_tcsh_prompt_helper_hands_no_part_of_a_crafted_expiry_to_arithmetic() {
    let (Some(tcsh), Some(bash)) = (require("tcsh"), require("bash")) else {
        return;
    };
    let mut env = TestEnv::new();
    let init = env.run(&["init", "tcsh"]);
    init.assert_success();
    std::fs::write(env.path().join("aws-mfa.tcsh"), &init.stdout).unwrap();
    // The helper's `sh` is bash, as on macOS, Fedora and Arch.
    let bin = env.path().join("bin");
    std::fs::create_dir(&bin).unwrap();
    std::os::unix::fs::symlink(&bash, bin.join("sh")).unwrap();
    let path = format!("{}:{}", bin.display(), std::env::var("PATH").unwrap());
    env.set("PATH", &path).set("AWS_MFA_PROFILE", "work");
    let script = env.path().join("prompt.csh");
    std::fs::write(&script, "source aws-mfa.tcsh\naws-mfa-prompt\necho\n").unwrap();
    let witness = env.path().join("ran");
    // Bash evaluates an array subscript inside $(( )), command substitutions and all.
    for crafted in [
        "2099-01-01T00:00:00+a[$(touch ran)]",
        "2099-01-01T00:00:00.5+a[$(touch ran)]",
        "2099-01-01T00:00:00Z+x[$(touch ran)]",
    ] {
        env.set("AWS_CREDENTIAL_EXPIRATION", crafted);
        let out = env.output(env.command(&tcsh).arg("-f").arg(&script));
        assert!(!witness.exists(), "{crafted:?} ran a command: {out:?}");
        assert!(out.stdout.starts_with("work "), "{crafted:?}: {out:?}");
    }
    // A well-formed expiry still shows the time left.
    let soon = std::time::SystemTime::now() + Duration::from_secs(90 * 60 + 30);
    let expiry = humantime::format_rfc3339_seconds(soon).to_string();
    env.set("AWS_CREDENTIAL_EXPIRATION", &expiry);
    let out = env.output(env.command(&tcsh).arg("-f").arg(&script));
    assert_eq!(out.stdout.trim_end(), "work 1h30m", "{out:?}");
}
