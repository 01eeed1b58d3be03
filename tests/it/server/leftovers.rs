//! After `exec --server`, nothing left behind points at the dead endpoint or at a file
//! another user could make: what the command left running is ended with it, and its
//! credentials file is a path nobody can create.

use std::time::{Duration, Instant};

use crate::support::peers::require;
use crate::support::users::OtherUser;
use crate::support::*;

/// Whether `pid` still runs (a zombie has ended).
fn running(pid: u32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .ok()
        .and_then(|stat| {
            let state = stat.rsplit_once(") ")?.1.chars().next()?;
            Some(state != 'Z' && state != 'X')
        })
        .unwrap_or(false)
}

/// Ends `pid` if it still runs: a test that fails must not leave it behind either.
fn end(pid: u32) {
    if running(pid) {
        // SAFETY: kill has no memory effects.
        unsafe { libc::kill(pid as libc::pid_t, libc::SIGKILL) };
    }
}

/// A Python daemon: forks, leaves the session, forks again, lets go of its standard
/// streams, ignores SIGTERM and SIGHUP, writes its pid to argv[1] and sleeps; the first
/// process exits at once.
const DAEMON: &str = r#"
import os, signal, sys, time
if os.fork():
    os._exit(0)
os.setsid()
if os.fork():
    os._exit(0)
null = os.open("/dev/null", os.O_RDWR)
for fd in (0, 1, 2):
    os.dup2(null, fd)
signal.signal(signal.SIGTERM, signal.SIG_IGN)
signal.signal(signal.SIGHUP, signal.SIG_IGN)
with open(sys.argv[1] + ".tmp", "w") as f:
    f.write(str(os.getpid()))
os.rename(sys.argv[1] + ".tmp", sys.argv[1])
time.sleep(300)
"#;

#[test]
fn what_the_command_left_running_is_gone_within_seconds_of_its_exit() {
    let Some(python) = require("python3") else {
        return;
    };
    let fake = FakeSts::start();
    let env = TestEnv::new().sts(&fake);
    let nohup_pid = env.path().join("nohup.pid");
    let daemon_pid = env.path().join("daemon.pid");
    let script = format!(
        "nohup sleep 300 >/dev/null 2>&1 &\necho $! > '{}'\n'{}' -c '{}' '{}'\nwhile [ ! -s '{}' ]; do sleep 0.05; done\nexit 3",
        nohup_pid.display(),
        python.display(),
        DAEMON.replace('\'', "'\\''"),
        daemon_pid.display(),
        daemon_pid.display(),
    );
    let started = Instant::now();
    let out = env.run(&["exec", "--server", "-t", CODE, "--", "sh", "-c", &script]);
    let took = started.elapsed();
    let pids: Vec<u32> = [&nohup_pid, &daemon_pid]
        .iter()
        .map(|p| std::fs::read_to_string(p).unwrap().trim().parse().unwrap())
        .collect();
    assert_eq!(out.code, Some(3), "the command's status: {out:#?}");
    assert_eq!(out.stdout, "");
    assert_no_secrets(&out.stderr);

    let deadline = Instant::now() + Duration::from_secs(10);
    while pids.iter().any(|&pid| running(pid)) && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    let left: Vec<u32> = pids.iter().copied().filter(|&pid| running(pid)).collect();
    pids.iter().for_each(|&pid| end(pid));
    assert!(
        left.is_empty(),
        "still running after the command exited: {left:?} (nohup sleep {}, daemon {})",
        pids[0],
        pids[1]
    );
    // One that ignores SIGTERM is given a grace period, then SIGKILL: not much longer.
    assert!(took < Duration::from_secs(20), "aws-mfa took {took:?}");
}

#[test]
fn the_childs_credentials_file_cannot_be_made_by_another_user_after_the_run() {
    let Some(python) = require("python3") else {
        return;
    };
    let Some(other) = OtherUser::create() else {
        return;
    };
    let fake = FakeSts::start();
    let env = TestEnv::new().sts(&fake);
    let out = env.run(&[
        "exec",
        "--server",
        "-t",
        CODE,
        "--",
        python.to_str().unwrap(),
        "-c",
        "import os; print(os.environ['AWS_SHARED_CREDENTIALS_FILE'])",
    ]);
    out.assert_success();
    let path = std::path::PathBuf::from(out.stdout.trim_end());
    assert!(path.is_absolute(), "{path:?}");
    assert_eq!(
        std::fs::read(&path).unwrap_or_default(),
        b"",
        "empty for the child"
    );

    // The other user makes the path (and the directories above it) with their own keys,
    // where they can.
    let mut attempt = std::process::Command::new("sh");
    attempt
        .args([
            "-c",
            "mkdir -p \"$(dirname \"$1\")\" 2>/dev/null; printf '[default]\\naws_access_key_id = AKIAOTHERUSER0000001\\naws_secret_access_key = theirs\\n' > \"$1\"",
            "sh",
        ])
        .arg(&path)
        .stderr(std::process::Stdio::null());
    other.runs(&mut attempt);
    let _ = attempt.status().expect("run sh as the other user");

    let now = std::fs::read(&path).unwrap_or_default();
    assert!(
        !String::from_utf8_lossy(&now).contains("AKIAOTHERUSER"),
        "another user put keys at {}",
        path.display()
    );
    use std::os::unix::fs::MetadataExt;
    if let Ok(meta) = std::fs::metadata(&path) {
        assert_ne!(meta.uid(), other.uid, "{} is theirs", path.display());
    }
    if path.starts_with(std::env::temp_dir()) {
        let _ = std::fs::remove_dir_all(path.parent().unwrap());
    }
}
