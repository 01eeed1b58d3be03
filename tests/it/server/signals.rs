//! Signals under `--server` (DESIGN §10): SIGINT and SIGQUIT sent to aws-mfa alone leave
//! the child and the server running, SIGTERM and SIGHUP are passed on, and the exit status
//! is the child's. The child is a real program, not a shell that would hide an inherited
//! signal mask: python and a plain ELF (`sleep`) must start with nothing blocked and
//! nothing ignored, die of the SIGTERM or SIGHUP aws-mfa passes on, and stop at once on a
//! Ctrl-C typed at the terminal. The same holds for an `mfa_process` the endpoint starts.

use std::process::Child;
use std::time::{Duration, Instant};

use super::role_env;
use crate::support::peers::require;
use crate::support::pty::Pty;
use crate::support::server::{
    Served, child_running, parse_credentials, send_signal, server_command,
};
use crate::support::*;

/// `SigBlk` and `SigIgn` from a `/proc/PID/status` text.
fn blocked_and_ignored(status: &str) -> (u64, u64) {
    let field = |name: &str| {
        let line = status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .unwrap_or_else(|| panic!("no {name} in {status}"));
        u64::from_str_radix(line.trim(), 16).unwrap()
    };
    (field("SigBlk:"), field("SigIgn:"))
}

/// The bits of the signals a terminal or aws-mfa's forwarding sends.
const SENT: u64 = 1 << (libc::SIGHUP - 1)
    | 1 << (libc::SIGINT - 1)
    | 1 << (libc::SIGQUIT - 1)
    | 1 << (libc::SIGTERM - 1);

/// `aws-mfa exec --server -t CODE -- CHILD…` as a terminal starts it.
fn start(env: &TestEnv, child: &[&str]) -> Child {
    server_command(env, &["-t", CODE], child)
        .spawn()
        .expect("start aws-mfa")
}

#[test]
fn sigint_and_sigquit_sent_to_aws_mfa_alone_leave_the_child_and_the_server_running() {
    let fake = FakeSts::start();
    let env = TestEnv::new().sts(&fake);
    let mut served = Served::start(
        &env,
        &["-t", CODE],
        "trap 'echo got TERM; exit 42' TERM\n: > trapped\nwhile :; do sleep 0.1; done",
    );
    served.wait_for_file(&env, "trapped");
    served.signal(libc::SIGINT);
    served.signal(libc::SIGQUIT);
    // Given time to die, it does not.
    std::thread::sleep(Duration::from_millis(500));
    assert!(served.is_running(), "aws-mfa survived SIGINT and SIGQUIT");
    parse_credentials(&fake, &served.endpoint().credentials());
    // SIGTERM is passed on: the child's trap decides the status.
    served.signal(libc::SIGTERM);
    let out = served.finish(&env);
    assert_eq!(
        out.code,
        Some(42),
        "the child got SIGTERM and nothing else: {out:#?}"
    );
    assert_eq!(out.stdout, "got TERM\n");
}

#[test]
fn sighup_is_passed_on_to_the_child() {
    let fake = FakeSts::start();
    let env = TestEnv::new().sts(&fake);
    let mut served = Served::start(
        &env,
        &["-t", CODE],
        "trap 'echo got HUP; exit 41' HUP\n: > trapped\nwhile :; do sleep 0.1; done",
    );
    // The child starts with nothing blocked: a signal before its trap would end it.
    served.wait_for_file(&env, "trapped");
    served.signal(libc::SIGHUP);
    let out = served.finish(&env);
    assert_eq!(out.code, Some(41), "{out:#?}");
    assert_eq!(out.stdout, "got HUP\n");
}

#[test]
fn the_exit_status_is_the_childs_and_the_child_has_default_signals() {
    let fake = FakeSts::start();
    let env = TestEnv::new().sts(&fake);
    let run = |script: &str| {
        let mut served = Served::start(&env, &["-t", CODE], script);
        let outcome = served.process.wait().unwrap();
        drop(served.stdin.take());
        use std::os::unix::process::ExitStatusExt;
        (outcome.code(), outcome.signal())
    };
    assert_eq!(run("exit 7"), (Some(7), None));
    assert_eq!(run("kill -TERM $$"), (Some(128 + 15), None), "128+SIGTERM");
    // The parent ignores SIGINT while it waits; the child must not inherit that.
    assert_eq!(
        run("kill -INT $$; exit 3"),
        (Some(128 + 2), None),
        "the child's SIGINT is not ignored"
    );
}

#[test]
fn a_python_child_starts_with_no_signal_blocked_or_ignored() {
    let Some(_python) = require("python3") else {
        return;
    };
    let fake = FakeSts::start();
    let env = TestEnv::new().sts(&fake);
    let mut child = start(
        &env,
        &["python3", "-c", "print(open('/proc/self/status').read())"],
    );
    child.stdin.take();
    let out = env.output_of(child);
    out.assert_success();
    let (blocked, ignored) = blocked_and_ignored(&out.stdout);
    assert_eq!(blocked, 0, "SigBlk of the child: {blocked:x}");
    assert_eq!(ignored & SENT, 0, "SigIgn of the child: {ignored:x}");
}

#[test]
fn sigterm_and_sighup_to_aws_mfa_end_an_elf_child_with_128_plus_n() {
    let fake = FakeSts::start();
    let env = TestEnv::new().sts(&fake);
    for (signal, code) in [(libc::SIGTERM, 143), (libc::SIGHUP, 129)] {
        let mut served = start(&env, &["sleep", "120"]);
        let sleep = child_running(&mut served, "sleep");
        let status = std::fs::read_to_string(format!("/proc/{sleep}/status")).unwrap();
        let (blocked, ignored) = blocked_and_ignored(&status);
        assert_eq!(blocked, 0, "SigBlk of sleep: {blocked:x}");
        assert_eq!(ignored & SENT, 0, "SigIgn of sleep: {ignored:x}");
        send_signal(served.id(), signal);
        let out = env.output_of(served);
        assert_eq!(out.code, Some(code), "signal {signal}: {out:#?}");
        assert_eq!(out.stdout, "");
        assert_no_secrets(&out.stderr);
    }
}

#[test]
fn sigterm_to_aws_mfa_ends_a_python_child_at_once() {
    let Some(_python) = require("python3") else {
        return;
    };
    let fake = FakeSts::start();
    let env = TestEnv::new().sts(&fake);
    let mut served = start(&env, &["python3", "-c", "import time; time.sleep(120)"]);
    child_running(&mut served, "python3");
    send_signal(served.id(), libc::SIGTERM);
    let out = env.output_of(served);
    assert_eq!(out.code, Some(143), "{out:#?}");
}

#[test]
fn ctrl_c_on_the_terminal_stops_a_python_child_at_once() {
    let Some(_python) = require("python3") else {
        return;
    };
    let fake = FakeSts::start();
    let env = TestEnv::new().sts(&fake);
    let pty = Pty::open();
    let mut served = pty.attach(env.command(BIN).args([
        "exec",
        "--server",
        "-t",
        CODE,
        "--",
        "python3",
        "-c",
        "import sys, time; print('ready', file=sys.stderr, flush=True); time.sleep(120)",
    ]));
    pty.wait_for("ready");
    pty.type_keys("\x03");
    // Python ends by SIGINT on an uncaught KeyboardInterrupt; aws-mfa gives 128+2.
    let started = Instant::now();
    let status = loop {
        if let Some(status) = served.try_wait().unwrap() {
            break status;
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "the child ignored Ctrl-C: {}",
            pty.screen()
        );
        std::thread::sleep(Duration::from_millis(20));
    };
    assert_eq!(status.code(), Some(130), "{}", pty.screen());
    pty.wait_for("KeyboardInterrupt");
}

#[test]
fn no_command_starts_a_subshell_that_can_interrupt_what_it_runs() {
    let fake = FakeSts::start();
    let mut env = TestEnv::new().sts(&fake);
    env.set("SHELL", "/bin/sh");
    // The subshell runs an ELF that must die of the SIGTERM sent to it.
    // The subshell reads its commands from stdin: it starts sleep and kills it.
    let script = env.path().join("script");
    std::fs::write(
        &script,
        "sleep 120 & kill -TERM $!; wait $!; echo \"sleep: $?\"\n",
    )
    .unwrap();
    let out = env.output(
        env.command(BIN)
            .args(["exec", "--server", "-t", CODE])
            .stdin(std::fs::File::open(&script).unwrap()),
    );
    out.assert_success();
    assert_eq!(out.stdout, "sleep: 143\n", "{out:#?}");
}

#[test]
fn mfa_process_started_by_the_endpoint_has_no_signal_blocked_or_ignored() {
    let Some(_python) = require("python3") else {
        return;
    };
    let fake = FakeSts::start();
    // The MFA session runs out within seconds: the endpoint then runs mfa_process.
    fake.lifetime(Duration::from_secs(2));
    let mut env = role_env(&fake);
    let record = env.path().join("mfa-process-status");
    let script = env.path().join("code.py");
    std::fs::write(
        &script,
        format!(
            "import sys\nopen({:?}, 'w').write(open('/proc/self/status').read())\nprint('{CODE2}')\n",
            record.to_str().unwrap()
        ),
    )
    .unwrap();
    // Not ROLE_CONFIG: `[default]` gets the code from an `mfa_process` the endpoint starts.
    env.write_aws_file(
        "config",
        &format!(
            "[default]\nmfa_serial = {SERIAL}\nregion = eu-west-1\nmfa_process = python3 {}\n\n[profile admin]\nrole_arn = arn:aws:iam::111111111111:role/admin\nsource_profile = default\n",
            script.display()
        ),
    );
    let served = Served::start(&env, &["-p", "admin", "-t", CODE], "read _; exit 0");
    std::thread::sleep(Duration::from_secs(3));
    fake.lifetime(Duration::from_secs(3600));
    parse_credentials(&fake, &served.endpoint().credentials());
    let out = served.finish(&env);
    out.assert_success();
    let status = std::fs::read_to_string(&record).expect("mfa_process ran");
    let (blocked, ignored) = blocked_and_ignored(&status);
    assert_eq!(blocked, 0, "SigBlk of mfa_process: {blocked:x}");
    assert_eq!(ignored & SENT, 0, "SigIgn of mfa_process: {ignored:x}");
    assert_eq!(
        fake.count("GetSessionToken"),
        2,
        "the second from mfa_process's code"
    );
}

#[test]
fn a_script_without_a_shebang_runs_as_with_plain_exec() {
    let fake = FakeSts::start();
    let env = TestEnv::new().sts(&fake);
    let script = env.path().join("no-shebang");
    std::fs::write(&script, "echo \"ran with ${AWS_MFA_PROFILE}\"\nexit 4\n").unwrap();
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    let script = script.to_str().unwrap();
    for args in [
        &["exec", "-t", CODE, "--", script][..],
        &["exec", "--server", "--", script][..],
    ] {
        let out = env.run(args);
        assert_eq!(out.code, Some(4), "{args:?}: {out:#?}");
        assert_eq!(out.stdout, "ran with default\n", "{args:?}");
    }
}
