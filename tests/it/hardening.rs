//! The process holds secrets: no core dump, and on Linux no reading of its memory by the
//! user's other processes (not dumpable), while what it runs is left as it would be.
//!
//! As root the owner of `/proc/PID/mem` says nothing (root owns it either way), so aws-mfa
//! runs as another user there; as anyone else it runs as the test's own user.

use std::os::unix::fs::MetadataExt;
use std::os::unix::process::CommandExt;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::support::users::OtherUser;
use crate::support::*;

/// The core limit the test starts aws-mfa with: the hard limit itself, so any lower
/// value is aws-mfa's doing.
fn core_hard_limit() -> libc::rlim_t {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit on a local struct.
    assert_eq!(unsafe { libc::getrlimit(libc::RLIMIT_CORE, &mut limit) }, 0);
    limit.rlim_max
}

/// Who aws-mfa runs as in these tests: another user when the tests run as root (then
/// `env`'s files are theirs), else the test's own user.
struct Runner {
    other: Option<OtherUser>,
    uid: u32,
}

impl Runner {
    fn for_env(env: &TestEnv) -> Self {
        // SAFETY: geteuid has no preconditions.
        let me = unsafe { libc::geteuid() };
        if me != 0 {
            return Runner {
                other: None,
                uid: me,
            };
        }
        let other = OtherUser::create().expect("root can make a user");
        other.owns_tree(env.path());
        let uid = other.uid;
        Runner {
            other: Some(other),
            uid,
        }
    }

    /// `command` as this runner, started with its soft core limit at the hard limit.
    fn prepare(&self, command: &mut Command) {
        if let Some(other) = &self.other {
            other.runs(command);
        }
        // SAFETY: getrlimit and setrlimit are async-signal-safe.
        unsafe {
            command.pre_exec(|| {
                let mut limit = libc::rlimit {
                    rlim_cur: 0,
                    rlim_max: 0,
                };
                libc::getrlimit(libc::RLIMIT_CORE, &mut limit);
                limit.rlim_cur = limit.rlim_max;
                libc::setrlimit(libc::RLIMIT_CORE, &limit);
                Ok(())
            });
        }
    }
}

/// The soft "Max core file size" of `/proc/PID/limits`, as written there.
fn soft_core_limit(pid: u32) -> String {
    let limits = std::fs::read_to_string(format!("/proc/{pid}/limits")).unwrap();
    let line = limits
        .lines()
        .find(|l| l.starts_with("Max core file size"))
        .unwrap_or_else(|| panic!("{limits}"));
    line["Max core file size".len()..]
        .split_whitespace()
        .next()
        .unwrap()
        .to_owned()
}

/// The real uid in `/proc/PID/status`.
fn real_uid(pid: u32) -> u32 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let line = status.lines().find(|l| l.starts_with("Uid:")).unwrap();
    line.split_whitespace().nth(1).unwrap().parse().unwrap()
}

#[test]
fn aws_mfa_waiting_on_sts_writes_no_core_and_its_memory_is_not_the_users() {
    if !cfg!(target_os = "linux") {
        return;
    }
    let fake = FakeSts::start();
    // STS takes the request and never answers: aws-mfa waits, holding the code and keys.
    fake.then(Reply::Hang);
    let env = TestEnv::new().sts(&fake);
    let runner = Runner::for_env(&env);
    let mut command = env.command(BIN);
    command
        .args(["env", "--shell", "bash", "-t", CODE, "--timeout", "60"])
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    runner.prepare(&mut command);
    let mut aws_mfa = command.spawn().expect("start aws-mfa");
    let pid = aws_mfa.id();
    let started = Instant::now();
    while fake.count("GetSessionToken") == 0 {
        assert!(
            aws_mfa.try_wait().unwrap().is_none(),
            "aws-mfa ended before it reached STS"
        );
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "STS never asked"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    assert_eq!(real_uid(pid), runner.uid, "aws-mfa runs as the runner");
    let soft = soft_core_limit(pid);
    let mem_owner = std::fs::metadata(format!("/proc/{pid}/mem")).unwrap().uid();
    aws_mfa.kill().unwrap();
    aws_mfa.wait().unwrap();

    assert_eq!(
        soft, "0",
        "no core file, whatever the limit it was started with"
    );
    assert_ne!(core_hard_limit(), 0, "a limit that would have allowed one");
    assert_eq!(
        mem_owner, 0,
        "not dumpable: its memory is root's, not uid {}'s",
        runner.uid
    );
}

/// A child that reports whether it got its limits and its memory back: the soft core
/// limit, and whether its `/proc/self/mem` is its own user's (dumpable).
const CHILD_REPORT: &str = r#"
import os, resource
soft = resource.getrlimit(resource.RLIMIT_CORE)[0]
mine = os.stat("/proc/self/mem").st_uid == os.getuid()
print(soft == resource.RLIM_INFINITY and "unlimited" or soft, mine)
"#;

#[test]
fn what_aws_mfa_runs_gets_its_core_limit_and_its_memory_back() {
    if !cfg!(target_os = "linux") {
        return;
    }
    let Some(python) = crate::support::peers::require("python3") else {
        return;
    };
    // Another user may not reach the test user's own Python (under a private home).
    let system = std::path::PathBuf::from("/usr/bin/python3");
    let python = if system.exists() { system } else { python };
    let fake = FakeSts::start();
    let env = TestEnv::new().sts(&fake);
    let runner = Runner::for_env(&env);
    let python = python.to_str().unwrap();
    let expected = match core_hard_limit() {
        libc::RLIM_INFINITY => "unlimited".to_owned(),
        n => n.to_string(),
    };
    // Plain exec (aws-mfa becomes the child), then --server (aws-mfa stays beside it).
    for args in [
        &["exec", "-t", CODE, "--"][..],
        &["exec", "--server", "--"][..],
    ] {
        let mut command = env.command(BIN);
        command.args(args).args([python, "-c", CHILD_REPORT]);
        runner.prepare(&mut command);
        let out = env.output(&mut command);
        out.assert_success();
        assert_eq!(
            out.stdout,
            format!("{expected} True\n"),
            "{args:?}: {out:#?}"
        );
    }
}
