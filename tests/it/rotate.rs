//! `aws-mfa rotate PROFILE` against moto's IAM and a real gnome-keyring: a full rotation,
//! `--keep-old`, and each failure that must lose nothing (the keychain write failing, a
//! second key already there, a key left by an interrupted run). Then `doctor`'s key age,
//! against the in-process fake (its ListAccessKeys gives keys of any age).

use std::path::PathBuf;
use std::time::{Duration, SystemTime};

use crate::support::fake_sts::Call;
use crate::support::keyring::Keyring;
use crate::support::peers::{Moto, require, require_python_module};
use crate::support::*;

const SERIAL_LINE: &str = "mfa_serial = arn:aws:iam::123456789012:mfa/tester\n";

/// The IAM side, as an administrator would see it in moto (boto3).
const IAM_TOOL: &str = r#"
import sys, time, boto3
iam = boto3.client("iam")
what = sys.argv[1]
if what == "user":
    iam.create_user(UserName="tester")
elif what == "key":
    time.sleep(1.1)  # creation times one second apart at least: IAM shows seconds
    key = iam.create_access_key(UserName="tester")["AccessKey"]
    print(key["AccessKeyId"], key["SecretAccessKey"])
elif what == "list":
    keys = iam.list_access_keys(UserName="tester")["AccessKeyMetadata"]
    for key in sorted(keys, key=lambda k: k["CreateDate"]):
        print(key["AccessKeyId"], key["Status"])
elif what == "whoami":
    sts = boto3.client("sts", aws_access_key_id=sys.argv[2], aws_secret_access_key=sys.argv[3])
    print(sts.get_caller_identity()["Arn"])
"#;

struct Rotation {
    env: TestEnv,
    keyring: Keyring,
    python: PathBuf,
    // Dropped last: the server outlives every call.
    _moto: Moto,
}

impl Rotation {
    /// moto as STS and IAM, a keyring, an IAM user `tester` in moto, and a `work` profile
    /// whose config is `config` (its keys go into the keychain with `add_key`).
    fn start(config: &str) -> Option<Self> {
        let (Some(moto), Some(python)) = (Moto::start(), require_python_module("boto3")) else {
            return None;
        };
        let mut env = TestEnv::with_files(config, "");
        env.set("AWS_ENDPOINT_URL", &moto.url);
        let keyring = Keyring::start(&mut env)?;
        let rotation = Rotation {
            env,
            keyring,
            python,
            _moto: moto,
        };
        rotation.iam(&["user"]);
        Some(rotation)
    }

    fn iam(&self, args: &[&str]) -> String {
        let out = self.env.output(
            self.env
                .command(&self.python)
                .args(["-c", IAM_TOOL])
                .args(args)
                .env("AWS_ACCESS_KEY_ID", "AKIAADMINISTRATOR001")
                .env("AWS_SECRET_ACCESS_KEY", "administrator-secret")
                .env("AWS_DEFAULT_REGION", "us-east-1"),
        );
        out.assert_success();
        out.stdout
    }

    /// A new key of `tester` in moto: its id and secret.
    fn new_key(&self) -> (String, String) {
        let line = self.iam(&["key"]);
        let (id, secret) = line.trim().split_once(' ').expect("id and secret");
        (id.to_owned(), secret.to_owned())
    }

    /// The user's keys in moto, oldest first: `ID Status` lines.
    fn keys(&self) -> Vec<String> {
        self.iam(&["list"]).lines().map(str::to_owned).collect()
    }

    /// A key of `tester` made and stored for `work` with `aws-mfa add`.
    fn add_key(&self) -> (String, String) {
        let (id, secret) = self.new_key();
        self.env
            .output(
                self.env
                    .command(BIN)
                    .args(["add", "work", "--from-env"])
                    .env("AWS_ACCESS_KEY_ID", &id)
                    .env("AWS_SECRET_ACCESS_KEY", &secret),
            )
            .assert_success();
        (id, secret)
    }

    /// The keychain entry of `work`, as libsecret's own tool reads it.
    fn stored(&self) -> String {
        self.keyring
            .lookup(&self.env, "work")
            .expect("the keychain holds work's keys")
    }
}

fn work_config() -> String {
    format!("[profile work]\n{SERIAL_LINE}region = eu-west-1\n")
}

/// `AKIA…WXYZ`, as -v and doctor show a key id.
fn short(id: &str) -> String {
    format!("{}…{}", &id[..4], &id[16..])
}

#[test]
fn rotate_replaces_the_key_in_iam_and_the_keychain_and_the_next_session_uses_it() {
    let Some(r) = Rotation::start(&work_config()) else {
        return;
    };
    let (old, old_secret) = r.add_key();
    // A session made from the old key: rotate reuses it (no code) and then forgets it.
    r.env
        .run(&["env", "-p", "work", "--shell", "bash", "-t", CODE])
        .assert_success();
    assert!(r.env.run(&["status"]).stdout.starts_with("PROFILE"));

    let out = r.env.run(&["rotate", "work"]);
    out.assert_success();
    let new = out
        .stdout
        .split("new key ")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .expect("the new key id")
        .to_owned();
    assert_ne!(new, old);
    assert_eq!(
        out.stdout,
        format!(
            "profile 'work': new key {new} (0 days old) in the Secret Service keychain; old key {old} deleted; 1 cached session(s) of the old key forgotten\n"
        )
    );

    // IAM: the new key only, and it is the user's.
    assert_eq!(r.keys(), [format!("{new} Active")]);
    let stored = r.stored();
    assert!(stored.contains(&new) && !stored.contains(&old), "{stored}");
    let new_secret = stored
        .split("\"SecretAccessKey\":\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("the stored secret")
        .to_owned();
    assert_ne!(new_secret, old_secret);
    assert_eq!(
        r.iam(&["whoami", &new, &new_secret]).trim(),
        "arn:aws:iam::123456789012:user/tester"
    );
    // The secret went from IAM to the keychain only.
    for text in [&out.stdout, &out.stderr] {
        assert!(!text.contains(&new_secret), "{text}");
    }
    for dir in [r.env.home(), r.env.cache_dir()] {
        assert_eq!(files_holding(&dir, &new_secret), Vec::<PathBuf>::new());
    }
    // The old key's session is gone.
    let status = r.env.run(&["status"]).stdout;
    assert!(status.starts_with("no cached sessions"), "{status}");

    // The next session is asked for with the new key, then doctor reads its age with it.
    let out = r
        .env
        .run(&["env", "-p", "work", "--shell", "bash", "-t", CODE2, "-v"]);
    out.assert_success();
    let asked = out
        .stderr
        .lines()
        .find(|l| l.contains("GetSessionToken: asking STS"))
        .unwrap_or_else(|| panic!("a fresh session was asked for:\n{}", out.stderr));
    assert!(asked.contains(&short(&new)), "{asked}");
    let out = r.env.run(&["doctor", "-p", "work"]);
    assert!(
        out.stdout
            .contains(&format!("✓ long-term key {} is 0 days old", short(&new))),
        "{}",
        out.stdout
    );
}

#[test]
fn keep_old_deactivates_the_old_key() {
    let Some(r) = Rotation::start(&work_config()) else {
        return;
    };
    let (old, _) = r.add_key();
    let out = r.env.run(&["rotate", "work", "--keep-old", "-t", CODE]);
    out.assert_success();
    assert!(
        out.stdout.contains(&format!("old key {old} deactivated")),
        "{}",
        out.stdout
    );
    let keys = r.keys();
    assert_eq!(keys.len(), 2, "{keys:?}");
    assert_eq!(keys[0], format!("{old} Inactive"));
    assert!(
        keys[1].ends_with(" Active") && r.stored().contains(keys[1].split(' ').next().unwrap())
    );
}

#[test]
fn a_keychain_that_refuses_the_new_key_gets_it_deleted_again_and_the_old_one_stays() {
    let Some(dbus_send) = require("dbus-send") else {
        return;
    };
    // The code comes from a program that locks the keychain first, as a screen lock would
    // while the rotation runs: the keys are read before the code, the write fails after.
    let dir = tempfile::tempdir().unwrap();
    let locker = dir.path().join("lock-then-code");
    std::fs::write(
        &locker,
        format!(
            "#!/bin/sh\n'{}' --session --print-reply --type=method_call --dest=org.freedesktop.secrets /org/freedesktop/secrets org.freedesktop.Secret.Service.Lock array:objpath:/org/freedesktop/secrets/collection/login >/dev/null || exit 1\necho {CODE}\n",
            dbus_send.display()
        ),
    )
    .unwrap();
    std::fs::set_permissions(&locker, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let config = format!("{}mfa_process = {}\n", work_config(), locker.display());
    let Some(r) = Rotation::start(&config) else {
        return;
    };
    let (old, _) = r.add_key();

    let out = r.env.run(&["rotate", "work"]);
    out.assert_failure("cannot store the keys in the Secret Service keychain: it is locked");
    let created = out
        .stderr
        .split("created key ")
        .nth(1)
        .and_then(|rest| rest.split(';').next())
        .unwrap_or_else(|| panic!("a key was created:\n{}", out.stderr))
        .to_owned();
    assert!(
        out.stderr.contains(&format!(
            "the new key {created} was deleted again; the old key {old} is unchanged"
        )),
        "{}",
        out.stderr
    );
    assert_eq!(r.keys(), [format!("{old} Active")]);
}

#[test]
fn a_user_with_two_keys_is_told_which_before_anything_changes() {
    let Some(r) = Rotation::start(&work_config()) else {
        return;
    };
    let (elsewhere, _) = r.new_key();
    let (old, _) = r.add_key();
    let out = r.env.run(&["rotate", "work", "-t", CODE]);
    out.assert_failure(&format!(
        "cannot rotate the keys of profile 'work': IAM user 'tester' already has two access keys, the most IAM allows: {old} (in the Secret Service keychain, active, 0 days old) and {elsewhere} (active, 0 days old, not in the Secret Service keychain)"
    ));
    assert!(
        out.stderr.contains(&format!(
            "hint: if nothing uses {elsewhere} any more, delete it, then rotate again: aws-mfa exec -p work -- aws iam delete-access-key --access-key-id {elsewhere} --user-name tester; aws-mfa rotate work"
        )),
        "{}",
        out.stderr
    );
    assert_eq!(
        r.keys(),
        [format!("{elsewhere} Active"), format!("{old} Active")]
    );
    assert!(r.stored().contains(&old));
}

#[test]
fn a_key_left_by_an_interrupted_rotation_is_named_with_the_command_that_clears_it() {
    let Some(bash) = require("bash") else {
        return;
    };
    if require("aws").is_none() {
        return;
    }
    let Some(r) = Rotation::start(&work_config()) else {
        return;
    };
    let (old, _) = r.add_key();
    // What an interrupted run leaves: a second key, newer, whose secret nobody kept.
    let (left, _) = r.new_key();

    let out = r.env.run(&["rotate", "work", "-t", CODE]);
    out.assert_failure(&format!(
        "IAM user 'tester' already has a second access key, {left} (active, 0 days old), made after the keychain's key {old}"
    ));
    assert!(out.stderr.contains("interrupted"), "{}", out.stderr);
    assert_eq!(r.keys().len(), 2, "nothing changed");
    // The hint's command, run as given, clears the way.
    let command = out
        .stderr
        .split("delete it, then rotate again: aws-mfa ")
        .nth(1)
        .and_then(|rest| rest.split("; aws-mfa rotate work").next())
        .unwrap_or_else(|| panic!("the command to run:\n{}", out.stderr))
        .to_owned();
    r.env
        .shell(&bash, &["-eu"], &format!("\"$AWS_MFA\" {command}"))
        .assert_success();
    assert_eq!(r.keys(), [format!("{old} Active")]);
    r.env.run(&["rotate", "work"]).assert_success();
    let keys = r.keys();
    assert_eq!(keys.len(), 1);
    assert!(!keys[0].contains(&old) && !keys[0].contains(&left));
}

#[test]
fn keys_in_the_credentials_file_are_refused_and_nothing_is_sent() {
    let fake = FakeSts::start();
    let env = TestEnv::new().sts(&fake);
    let out = env.run(&["rotate", "default", "-t", CODE]);
    out.assert_failure(
        "cannot rotate the keys of profile 'default': its keys are in the profile files (profile 'default'), which aws-mfa never writes",
    );
    assert!(
        out.stderr.contains("hint: move them into") && out.stderr.contains("aws-mfa add default"),
        "{}",
        out.stderr
    );
    assert!(fake.calls().is_empty(), "{:?}", fake.calls());
}

#[test]
fn rotate_waits_until_the_new_key_works_and_deletes_the_old_one_last() {
    const KC_KEY: &str = "AKIAKEYCHAINTEST0001";
    let fake = FakeSts::start();
    fake.access_keys(&[(KC_KEY, days_ago(100))]);
    fake.new_keys_valid_after(2);
    fake.knows(KC_KEY, "KEYCHAINSECRET/neverInAFile+000000000001");
    let mut env = TestEnv::with_files(&work_config(), "").sts(&fake);
    let Some(keyring) = Keyring::start(&mut env) else {
        return;
    };
    env.output(
        env.command(BIN)
            .args(["add", "work", "--from-env"])
            .env("AWS_ACCESS_KEY_ID", KC_KEY)
            .env(
                "AWS_SECRET_ACCESS_KEY",
                "KEYCHAINSECRET/neverInAFile+000000000001",
            ),
    )
    .assert_success();

    let started = std::time::Instant::now();
    let out = env.run(&["rotate", "work", "-t", CODE, "-v"]);
    out.assert_success();
    const NEW: &str = "AKIAFAKENEW000000001";
    assert!(
        out.stdout.contains(&format!("new key {NEW} (0 days old)")),
        "{}",
        out.stdout
    );
    assert_no_secrets(&out.stdout);
    assert_no_secrets(&out.stderr);
    assert!(
        out.stderr
            .contains("the new key is not valid yet; trying again in 0.500s"),
        "{}",
        out.stderr
    );
    assert!(keyring.lookup(&env, "work").unwrap().contains(NEW));

    // Refused twice, then accepted: pauses of 0.5 s and 1 s between the tries.
    let calls = fake.calls();
    let tries: Vec<usize> = (0..calls.len())
        .filter(|&i| calls[i].action == "GetCallerIdentity" && calls[i].signer == NEW)
        .collect();
    assert_eq!(tries.len(), 3, "{calls:#?}");
    assert!(started.elapsed() >= Duration::from_millis(1500));
    // Every IAM change signed with the MFA session; the old key deleted after the new one
    // worked (and was stored).
    let iam: Vec<&Call> = calls
        .iter()
        .filter(|c| c.action.contains("AccessKey"))
        .collect();
    let order: Vec<&str> = iam.iter().map(|c| c.action.as_str()).collect();
    assert_eq!(
        order,
        ["ListAccessKeys", "CreateAccessKey", "DeleteAccessKey"]
    );
    assert!(iam.iter().all(|c| c.with_session_token));
    let delete = calls
        .iter()
        .position(|c| c.action == "DeleteAccessKey")
        .unwrap();
    assert_eq!(calls[delete].param("AccessKeyId"), Some(KC_KEY));
    assert_eq!(calls[delete].param("UserName"), Some("tester"));
    assert!(delete > *tries.last().unwrap());
}

fn days_ago(days: u64) -> SystemTime {
    SystemTime::now() - Duration::from_secs(days * 86_400 + 3600)
}

#[test]
fn doctor_shows_the_key_age_and_suggests_rotate_past_90_days() {
    let fake = FakeSts::start();
    fake.access_keys(&[
        ("AKIAOTHERKEY00000001", days_ago(400)),
        (ACCESS_KEY, days_ago(120)),
    ]);
    let env = TestEnv::new().sts(&fake);
    env.run(&["env", "--shell", "bash", "-t", CODE])
        .assert_success();
    let out = env.run(&["doctor"]);
    out.assert_success();
    assert!(
        out.stdout.contains(
            "✗ long-term key AKIA…0001 is 120 days old: rotate it every 90 days\n    fix: aws-mfa add default (then delete the lines it names), then aws-mfa rotate default"
        ),
        "{}",
        out.stdout
    );
    let listed: Vec<_> = fake
        .calls()
        .into_iter()
        .filter(|c| c.action == "ListAccessKeys")
        .collect();
    assert_eq!(listed.len(), 1);
    assert!(listed[0].with_session_token, "signed with the MFA session");

    fake.access_keys(&[(ACCESS_KEY, days_ago(3))]);
    let out = env.run(&["doctor"]);
    assert!(
        out.stdout
            .contains("✓ long-term key AKIA…0001 is 3 days old"),
        "{}",
        out.stdout
    );
}

#[test]
fn doctor_without_a_cached_session_cannot_tell_the_age_and_asks_for_nothing() {
    let fake = FakeSts::start();
    fake.access_keys(&[(ACCESS_KEY, days_ago(120))]);
    let env = TestEnv::new().sts(&fake);
    let out = env.run(&["doctor"]);
    out.assert_success();
    assert!(
        out.stdout.contains(
            "- cannot tell the age of long-term key AKIA…0001: there is no cached MFA session to ask IAM with"
        ),
        "{}",
        out.stdout
    );
    assert_eq!(fake.count("ListAccessKeys"), 0);
    assert_eq!(fake.count("GetSessionToken"), 0);
}
