//! Where the code comes from: the prompt (driven on a real pseudo-terminal, the way a
//! person types), retries, the used-code record, and `mfa_process`.

use crate::support::pty::Pty;
use crate::support::*;

const NEXT_CODE: &str = "654321";

fn prompt_env(fake: &FakeSts) -> (TestEnv, Pty, std::process::Child) {
    let env = TestEnv::new().sts(fake);
    let pty = Pty::open();
    let child = pty.attach(env.command(BIN).args(["env", "--shell", "bash"]));
    pty.wait_for(&format!("Enter MFA code for {SERIAL}: "));
    (env, pty, child)
}

/// Waits for the `n`th prompt on the screen.
fn wait_for_prompt(pty: &Pty, n: usize) {
    let started = std::time::Instant::now();
    while pty.screen().matches("Enter MFA code for ").count() < n {
        assert!(
            started.elapsed() < std::time::Duration::from_secs(20),
            "no prompt #{n}: {}",
            pty.screen()
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

#[test]
fn the_code_is_asked_on_the_terminal_and_never_reaches_stdout() {
    let fake = FakeSts::start();
    let (env, pty, child) = prompt_env(&fake);
    pty.type_keys(&format!("{CODE}\n"));
    let out = env.output_of(child);
    out.assert_success();
    assert!(out.stdout.starts_with("export AWS_ACCESS_KEY_ID='ASIAFAKE"));
    assert!(
        !out.stdout.contains("Enter MFA code"),
        "the prompt is not for eval"
    );
    assert_eq!(fake.calls()[0].param("TokenCode"), Some(CODE));
}

#[test]
fn ctrl_c_at_the_prompt_ends_by_sigint_and_leaves_the_terminal_as_it_was() {
    let fake = FakeSts::start();
    let env = TestEnv::new().sts(&fake);
    let pty = Pty::open();
    let before = pty.mode();
    assert!(
        before.echo && before.line_mode && before.signals,
        "{before:?}"
    );
    let child = pty.attach(env.command(BIN).args(["env", "--shell", "bash"]));
    pty.wait_for("Enter MFA code for ");
    pty.type_keys("12\x03");
    let out = env.output_of(child);
    assert_eq!(
        out.code,
        Some(128 + 2),
        "ended by SIGINT (the shell shows 130)"
    );
    assert_eq!(out.stdout, "");
    assert_eq!(pty.mode(), before, "echo, line mode and signals are back");
    assert!(fake.calls().is_empty());
    let entries: Vec<_> = std::fs::read_dir(env.cache_dir())
        .map(|dir| dir.flatten().map(|e| e.path()).collect())
        .unwrap_or_default();
    assert!(
        entries
            .iter()
            .all(|p| p.extension().is_some_and(|x| x == "lock")),
        "no cache entry: {entries:?}"
    );
}

#[test]
fn a_malformed_code_is_refused_before_sts_and_asked_again() {
    let fake = FakeSts::start();
    let (env, pty, child) = prompt_env(&fake);
    pty.type_keys("12345\n");
    pty.wait_for("invalid MFA code: a code is 6 digits, not 5 digits");
    wait_for_prompt(&pty, 2);
    assert!(fake.calls().is_empty());
    pty.type_keys(&format!("{CODE}\n"));
    env.output_of(child).assert_success();
    assert_eq!(fake.count("GetSessionToken"), 1);
}

#[test]
fn a_rejected_code_gets_another_try() {
    let fake = FakeSts::start();
    fake.accept_only(NEXT_CODE);
    let (env, pty, child) = prompt_env(&fake);
    pty.type_keys(&format!("{CODE}\n"));
    pty.wait_for("STS rejected the MFA code");
    wait_for_prompt(&pty, 2);
    pty.type_keys(&format!("{NEXT_CODE}\n"));
    let out = env.output_of(child);
    out.assert_success();
    assert!(out.stdout.contains("export AWS_SESSION_TOKEN="));
    let codes: Vec<String> = fake
        .mints()
        .iter()
        .map(|c| c.param("TokenCode").unwrap().to_owned())
        .collect();
    assert_eq!(codes, [CODE, NEXT_CODE]);
}

#[test]
fn three_rejected_codes_end_with_the_reason() {
    let fake = FakeSts::start();
    fake.accept_only("000000");
    let (env, pty, child) = prompt_env(&fake);
    for (n, code) in ["111111", "222222", "333333"].iter().enumerate() {
        wait_for_prompt(&pty, n + 1);
        pty.type_keys(&format!("{code}\n"));
    }
    let out = env.output_of(child);
    assert_ne!(out.code, Some(0));
    assert_eq!(out.stdout, "");
    pty.wait_for("GetSessionToken failed: STS rejected the MFA code");
    assert_eq!(fake.count("GetSessionToken"), 3);
}

#[test]
fn an_unknown_device_is_not_retried() {
    let fake = FakeSts::start();
    fake.then(Reply::Error {
        status: 403,
        code: "AccessDenied",
        message: fake_sts::UNKNOWN_DEVICE_MESSAGE,
    });
    let (env, pty, child) = prompt_env(&fake);
    pty.type_keys(&format!("{CODE}\n"));
    let out = env.output_of(child);
    assert_ne!(out.code, Some(0));
    pty.wait_for("check mfa_serial");
    assert_eq!(pty.screen().matches("Enter MFA code for ").count(), 1);
    assert_eq!(fake.count("GetSessionToken"), 1);
}

#[test]
fn a_code_used_moments_ago_waits_for_the_next_one_before_any_call() {
    let fake = FakeSts::start();
    let env = TestEnv::new().sts(&fake);
    let no_cache = ["env", "--shell", "bash", "--no-cache", "-t", CODE];
    env.run(&no_cache).assert_success();
    env.run(&no_cache)
        .assert_failure("MFA code already used")
        .assert_failure("wait for the next code");
    assert_eq!(fake.count("GetSessionToken"), 1, "refused locally");

    // At the prompt: the same code is refused with a word, and the next one goes through.
    let pty = Pty::open();
    let child = pty.attach(
        env.command(BIN)
            .args(["env", "--shell", "bash", "--no-cache"]),
    );
    pty.wait_for("Enter MFA code for ");
    pty.type_keys(&format!("{CODE}\n"));
    pty.wait_for("that code was just used; wait for the next one");
    wait_for_prompt(&pty, 2);
    pty.type_keys(&format!("{NEXT_CODE}\n"));
    env.output_of(child).assert_success();
    assert_eq!(fake.count("GetSessionToken"), 2);

    // The record holds a hash, never the code.
    for entry in std::fs::read_dir(env.cache_dir()).unwrap().flatten() {
        let text = std::fs::read_to_string(entry.path()).unwrap_or_default();
        assert!(!text.contains(CODE) && !text.contains(NEXT_CODE), "{text}");
    }
}

/// A home whose profile gets its code from `mfa_process` = a script printing `output`.
fn mfa_process_env(fake: &FakeSts, script_body: &str) -> TestEnv {
    let mut env = TestEnv::new().sts(fake);
    let script = env.path().join("otp code.sh");
    std::fs::write(&script, format!("#!/bin/sh\n{script_body}\n")).unwrap();
    std::fs::set_permissions(&script, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let config = format!(
        "{DEFAULT_CONFIG}mfa_process = '{}' --account \"work laptop\"\n",
        script.display()
    );
    env.write_aws_file("config", &config);
    env
}

#[test]
fn mfa_process_supplies_the_code_without_a_shell() {
    let fake = FakeSts::start();
    let env = mfa_process_env(
        &fake,
        &format!("printf '%s|' \"$@\" >&2; echo 'touch your key' >&2; echo ' {CODE} '"),
    );
    let out = env.run(&["env", "--shell", "bash"]);
    out.assert_success();
    assert!(
        out.stderr.contains("--account|work laptop|"),
        "arguments split like a shell, no shell: {}",
        out.stderr
    );
    assert!(out.stderr.contains("touch your key"), "its stderr is ours");
    assert_eq!(fake.calls()[0].param("TokenCode"), Some(CODE));
}

#[test]
fn a_failing_mfa_process_is_named_with_its_status() {
    let fake = FakeSts::start();
    let env = mfa_process_env(&fake, "exit 3");
    env.run(&["env", "--shell", "bash"])
        .assert_failure("mfa_process '")
        .assert_failure("it exited with status 3");
    let env = mfa_process_env(&fake, "echo no-code-here");
    env.run(&["env", "--shell", "bash"])
        .assert_failure("it printed no code");
    assert!(fake.calls().is_empty());
}
