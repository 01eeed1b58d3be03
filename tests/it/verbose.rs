//! `-v`: each step on stderr, every secret redacted. (The fault matrix in `failures` runs
//! every failing case with `-v` too.)

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::time::Duration;

use crate::support::*;

/// What a `-v` run may show: aws-mfa's own lines only, key ids shortened, no secret.
#[track_caller]
fn assert_redacted(out: &Outcome) {
    assert_no_secrets(&out.stderr);
    assert!(
        !out.stderr.contains(ACCESS_KEY) && !out.stderr.contains("ASIAFAKE0"),
        "key ids are shortened: {}",
        out.stderr
    );
    for line in out.stderr.lines() {
        assert!(
            line.starts_with("aws-mfa [") || line.starts_with("aws-mfa: "),
            "only aws-mfa's own lines, never the SDK's: {line:?}"
        );
    }
}

/// Asserts `steps` appear on stderr, each on a line of its own, in this order. A `*` in a
/// step stands for anything on that line.
#[track_caller]
fn assert_steps(out: &Outcome, steps: &[&str]) {
    let lines: Vec<&str> = out.stderr.lines().collect();
    let matches = |line: &str, step: &str| {
        let mut rest = line;
        step.split('*').all(|part| match rest.find(part) {
            Some(i) => {
                rest = &rest[i + part.len()..];
                true
            }
            None => false,
        })
    };
    let mut at = 0;
    for step in steps {
        match lines[at..].iter().position(|l| matches(l, step)) {
            // The next step is looked for after this one's line.
            Some(i) => at += i + 1,
            None => panic!("-v should show {step:?} (in order): {}", out.stderr),
        }
    }
}

#[test]
fn each_step_is_shown_with_every_secret_redacted() {
    let fake = FakeSts::start();
    let env = TestEnv::new().sts(&fake);
    let fresh = env.run(&["env", "--shell", "bash", "-t", CODE, "-v"]);
    fresh.assert_success();
    assert!(
        fresh
            .stdout
            .contains("export AWS_SESSION_TOKEN='FAKETOKEN1")
    );
    assert_redacted(&fresh);
    assert_steps(
        &fresh,
        &[
            "] profile 'default' resolved keys=AKIA…0001 from profile 'default' mfa_serial=arn:aws:iam::123456789012:mfa/tester region=eu-west-1 roles=none",
            "MFA session for arn:aws:iam::123456789012:mfa/tester: no usable cache entry",
            "MFA code for arn:aws:iam::123456789012:mfa/tester from --token-code",
            "GetSessionToken: asking STS key=AKIA…0001 mfa_serial=arn:aws:iam::123456789012:mfa/tester duration=12h",
            "GetSessionToken: answered: credentials ASIA…0001 until 20",
            "cache: wrote session-",
            "printing for bash: set AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN AWS_CREDENTIAL_EXPIRATION AWS_REGION AWS_DEFAULT_REGION AWS_MFA_PROFILE; unset AWS_PROFILE",
        ],
    );
    // The call's time is measured and shown in seconds (however long a loaded machine takes).
    let took = fresh
        .stderr
        .split(" took=")
        .nth(1)
        .and_then(|rest| rest.split('s').next())
        .and_then(|seconds| seconds.parse::<f64>().ok());
    assert!(
        took.is_some_and(|s| s > 0.0 && s < 60.0),
        "{}",
        fresh.stderr
    );
    assert!(
        fresh.stderr.lines().count() < 20,
        "aws-mfa's steps only: {}",
        fresh.stderr
    );

    let cached = env.run(&["env", "--shell", "bash", "-v"]);
    cached.assert_success();
    assert_eq!(cached.stdout, fresh.stdout, "-v changes nothing on stdout");
    assert_redacted(&cached);
    assert_steps(
        &cached,
        &[
            "profile 'default' resolved",
            "MFA session for arn:aws:iam::123456789012:mfa/tester: cache hit, 11h5",
            "printing for bash",
        ],
    );
    assert!(
        !cached.stderr.contains("GetSessionToken"),
        "{}",
        cached.stderr
    );

    // Without -v, a good run says nothing at all.
    let quiet = env.run(&["env", "--shell", "bash"]);
    quiet.assert_success();
    assert_eq!(quiet.stderr, "");
}

#[test]
fn stale_entries_refresh_and_no_cache_are_shown() {
    let fake = FakeSts::start();
    fake.lifetime(Duration::from_secs(250));
    let env = TestEnv::new().sts(&fake);
    env.run(&["env", "--shell", "bash", "-t", CODE])
        .assert_success();
    // A twelve-hour session near its end.
    entries_granted(&env, Duration::from_secs(12 * 3600));
    let stale = env.run(&["env", "--shell", "bash", "-t", CODE2, "-v"]);
    stale.assert_success();
    assert_redacted(&stale);
    assert_steps(
        &stale,
        &[
            "cache entry stale: 4m*left, more than 5m needed",
            "GetSessionToken: answered",
        ],
    );

    let refresh = env.run(&["env", "--shell", "bash", "-t", CODE3, "-v", "--refresh"]);
    refresh.assert_success();
    assert_redacted(&refresh);
    assert_steps(
        &refresh,
        &[
            "cache: entries not read (--refresh)",
            "GetSessionToken: answered",
        ],
    );

    let fake = FakeSts::start();
    let env = TestEnv::new().sts(&fake);
    let no_cache = env.run(&["env", "--shell", "bash", "-t", CODE, "-v", "--no-cache"]);
    no_cache.assert_success();
    assert_redacted(&no_cache);
    assert_steps(
        &no_cache,
        &["cache: not used (--no-cache)", "GetSessionToken: answered"],
    );
    assert!(!no_cache.stderr.contains(".json"), "{}", no_cache.stderr);
}

#[test]
fn roles_exec_and_credential_process_show_their_steps() {
    let fake = FakeSts::start();
    let env = TestEnv::with_files(ROLE_CONFIG, DEFAULT_CREDENTIALS).sts(&fake);
    let exec = env.run(&["exec", "-p", "admin", "-t", CODE, "-v", "--", "true"]);
    exec.assert_success();
    assert_redacted(&exec);
    assert_steps(
        &exec,
        &[
            "profile 'admin' resolved keys=AKIA…0001 from profile 'default'*roles=arn:aws:iam::111111111111:role/admin",
            "GetSessionToken: answered: credentials ASIA…0001",
            "role arn:aws:iam::111111111111:role/admin: no usable cache entry",
            "AssumeRole: asking STS role=arn:aws:iam::111111111111:role/admin session_name=aws-mfa-*signed_by=session key ASIA…0001 mfa_serial=none",
            "AssumeRole: answered: credentials ASIA…0002",
            "running true: set AWS_ACCESS_KEY_ID",
        ],
    );

    let json = env.run(&["credential-process", "-p", "admin", "-v"]);
    json.assert_success();
    assert_redacted(&json);
    assert_steps(
        &json,
        &[
            "role arn:aws:iam::111111111111:role/admin: cache hit",
            "printing credential_process JSON: Version, AccessKeyId, SecretAccessKey, SessionToken, Expiration",
        ],
    );
}

#[test]
fn a_wait_for_another_process_is_shown() {
    let fake = FakeSts::start();
    // The first caller's answer waits until the two others are seen waiting on its lock.
    fake.hold(&["GetSessionToken"]);
    let env = TestEnv::new().sts(&fake);
    let waiting = Arc::new(AtomicUsize::new(0));
    let runs: Vec<Watched> = (0..3)
        .map(|_| {
            Watched::spawn(
                env.command(BIN)
                    .args(["env", "--shell", "bash", "-t", CODE, "-v"]),
                "cache: waiting for the lock",
                &waiting,
            )
        })
        .collect();
    let overlapped =
        wait_until(|| fake.waiting() > 1 || (fake.waiting() == 1 && waiting.load(SeqCst) == 2));
    let held = fake.waiting();
    fake.release();
    let outs: Vec<Outcome> = runs.into_iter().map(Watched::finish).collect();
    assert!(overlapped, "{outs:#?}");
    assert_eq!(held, 1);
    for out in &outs {
        out.assert_success();
        assert_redacted(out);
    }
    let waited: Vec<&Outcome> = outs
        .iter()
        .filter(|o| o.stderr.contains("cache: waiting for the lock"))
        .collect();
    assert_eq!(waited.len(), 2, "{outs:#?}");
    for out in waited {
        assert_steps(
            out,
            &[
                "cache: waiting for the lock",
                "cache: lock taken after ",
                "cache hit (made while waiting)",
            ],
        );
    }
    assert_eq!(fake.count("GetSessionToken"), 1);
}
