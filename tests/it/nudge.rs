//! An `mfa_process` that waits on a person (a security key waiting for a touch) is
//! announced after a second: on the terminal when there is one (a real PTY here), else as a
//! desktop notification (a stand-in `notify-send` on PATH, run with no terminal under
//! `setsid`), naming the profile and the program and never the rest of its line.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::support::peers::require;
use crate::support::pty::Pty;
use crate::support::*;

/// In the mfa_process line: must never be shown.
const SEED: &str = "JBSWY3DPEHPK3PXPNUDGESEED";

const WAITING: &str = "waiting for slow-otp (touch your security key?)";

/// A home whose profile `work` gets its code from `slow-otp --seed SEED`, a Python program
/// that takes two seconds (a key waiting for a touch) and prints the code, or with `fast`
/// from `printf`; a stand-in `notify-send` first on PATH records its
/// arguments in `notified`.
fn nudge_env(fake: &FakeSts, fast: bool) -> Option<TestEnv> {
    let python = require("python3")?;
    let mut env = TestEnv::new().sts(fake);
    let bin = env.path().join("bin");
    std::fs::create_dir(&bin).unwrap();
    let otp = bin.join("slow-otp");
    executable(
        &otp,
        &format!(
            "#!{}\nimport time\ntime.sleep(2)\nprint('{CODE}')\n",
            python.display()
        ),
    );
    executable(
        &bin.join("notify-send"),
        &format!(
            "#!/bin/sh\nprintf '%s\\n' \"$@\" > '{}.part' && mv '{0}.part' '{0}'\n",
            env.path().join("notified").display()
        ),
    );
    let process = match fast {
        // An ELF that answers at once.
        true => format!("printf '%s\\n' {CODE}"),
        false => format!("{} --seed {SEED}", otp.display()),
    };
    let config = format!(
        "[profile work]\nmfa_serial = {SERIAL}\nregion = eu-west-1\nmfa_process = {process}\n"
    );
    let credentials = DEFAULT_CREDENTIALS.replace("[default]", "[work]");
    env.write_aws_file("config", &config);
    env.write_aws_file("credentials", &credentials);
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    env.set("PATH", &path);
    Some(env)
}

fn executable(path: &Path, text: &str) {
    std::fs::write(path, text).unwrap();
    std::fs::set_permissions(path, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
}

fn notified(env: &TestEnv) -> PathBuf {
    env.path().join("notified")
}

#[test]
fn without_a_terminal_a_slow_code_source_is_announced_by_a_desktop_notification() {
    let fake = FakeSts::start();
    let Some(env) = nudge_env(&fake, false) else {
        return;
    };
    // TestEnv::command runs it under setsid: no controlling terminal.
    let started = Instant::now();
    let out = env.run(&["env", "-p", "work", "--shell", "bash"]);
    out.assert_success();
    assert!(started.elapsed() >= Duration::from_secs(2));
    assert_eq!(fake.calls()[0].param("TokenCode"), Some(CODE));
    let args = std::fs::read_to_string(notified(&env)).expect("notify-send was run");
    assert_eq!(
        args,
        format!("--app-name=aws-mfa\naws-mfa: profile 'work'\n{WAITING}\n")
    );
    assert!(!out.stderr.contains(SEED) && !args.contains(SEED));
}

#[test]
fn on_a_terminal_a_slow_code_source_is_announced_there() {
    let fake = FakeSts::start();
    let Some(env) = nudge_env(&fake, false) else {
        return;
    };
    let pty = Pty::open();
    let child = pty.attach(
        env.command(BIN)
            .args(["env", "-p", "work", "--shell", "bash"]),
    );
    let started = Instant::now();
    pty.wait_for(&format!("aws-mfa: {WAITING}"));
    let shown_after = started.elapsed();
    let out = env.output_of(child);
    out.assert_success();
    assert!(
        shown_after >= Duration::from_millis(900) && shown_after < Duration::from_millis(1900),
        "after a second, while it still waits: {shown_after:?}"
    );
    assert!(out.stdout.starts_with("export AWS_ACCESS_KEY_ID='ASIAFAKE"));
    assert!(!out.stdout.contains("waiting for"), "not for eval");
    assert!(!pty.screen().contains(SEED));
    assert!(
        !notified(&env).exists(),
        "no notification when the terminal says it"
    );
}

#[test]
fn a_code_source_that_answers_at_once_is_not_announced() {
    let fake = FakeSts::start();
    // No terminal.
    let Some(quiet) = nudge_env(&fake, true) else {
        return;
    };
    quiet
        .run(&["env", "-p", "work", "--shell", "bash"])
        .assert_success();
    // A terminal (a fresh home: no cached session, no used code).
    let Some(env) = nudge_env(&fake, true) else {
        return;
    };
    let pty = Pty::open();
    let child = pty.attach(
        env.command(BIN)
            .args(["env", "-p", "work", "--shell", "bash"]),
    );
    env.output_of(child).assert_success();
    assert_eq!(fake.count("GetSessionToken"), 2);
    // A notifier started late would still be writing.
    std::thread::sleep(Duration::from_millis(300));
    assert!(!pty.screen().contains("waiting for"), "{}", pty.screen());
    assert!(!notified(&env).exists() && !notified(&quiet).exists());
}
