//! Keys in the OS keychain: `add`, `remove`, sessions signed with the keychain's key, the
//! cached path with no keychain at all, a locked and a stuck keychain, and the hidden
//! prompt on a real terminal. The keychain is a real gnome-keyring on a private bus.

use std::path::PathBuf;
use std::time::Duration;

use crate::support::failure_matrix::{make_fifo, run_bounded};
use crate::support::keyring::Keyring;
use crate::support::pty::Pty;
use crate::support::*;

const KC_KEY: &str = "AKIAKEYCHAINTEST0001";
const KC_SECRET: &str = "KEYCHAINSECRET/neverInAFile+000000000001";
/// `work` holds no keys in the files: they live in the keychain.
const WORK_CONFIG: &str =
    "[profile work]\nmfa_serial = arn:aws:iam::123456789012:mfa/tester\nregion = eu-west-1\n";

/// A home whose `work` profile has its settings in the config and no keys in the files,
/// with a keyring running.
fn keychain_env(fake: &FakeSts) -> Option<(TestEnv, Keyring)> {
    fake.knows(KC_KEY, KC_SECRET);
    let mut env = TestEnv::with_files(WORK_CONFIG, "").sts(fake);
    let keyring = Keyring::start(&mut env)?;
    Some((env, keyring))
}

/// The keychain's keys, as the fake verifies signatures with them.
fn kc() -> Option<Keys> {
    Some(Keys::long_term(KC_KEY, KC_SECRET))
}

/// `keychain_env` with `work`'s keys added to the keychain.
fn work_in_keychain(fake: &FakeSts) -> Option<(TestEnv, Keyring)> {
    let (env, keyring) = keychain_env(fake)?;
    add_from_env(&env, "work", KC_KEY, KC_SECRET).assert_success();
    Some((env, keyring))
}

fn add_from_env(env: &TestEnv, profile: &str, key: &str, secret: &str) -> Outcome {
    env.output(
        env.command(BIN)
            .args(["add", profile, "--from-env"])
            .env("AWS_ACCESS_KEY_ID", key)
            .env("AWS_SECRET_ACCESS_KEY", secret),
    )
}

/// `aws-mfa env -p work` with a generous bound: a hang fails the test instead of stalling it.
fn env_for_work_bounded(env: &TestEnv) -> Outcome {
    let args = ["env", "-p", "work", "--shell", "bash", "-t", CODE];
    run_bounded(env, &args, Duration::from_secs(90))
}

fn no_stderr_secret(out: &Outcome) {
    assert!(!out.stderr.contains(KC_SECRET), "{}", out.stderr);
    assert!(!out.stdout.contains(KC_SECRET), "{}", out.stdout);
}

#[test]
fn add_stores_the_keys_and_the_session_is_signed_with_them() {
    let fake = FakeSts::start();
    let Some((env, keyring)) = keychain_env(&fake) else {
        return;
    };
    let out = add_from_env(&env, "work", KC_KEY, KC_SECRET);
    out.assert_success();
    no_stderr_secret(&out);
    assert_eq!(out.stdout, "");
    assert!(
        out.stderr.contains(
            "stored the keys of profile 'work' (AKIA…0001) in the Secret Service keychain"
        ),
        "{}",
        out.stderr
    );
    assert!(!out.stderr.contains("delete these lines"), "{}", out.stderr);
    // libsecret's own tool finds them under aws-mfa's service.
    let stored = keyring.lookup(&env, "work").expect("an entry for work");
    assert!(stored.contains(KC_KEY) && stored.contains(KC_SECRET));

    let out = env.run(&["env", "-p", "work", "--shell", "bash", "-t", CODE, "-v"]);
    out.assert_success();
    no_stderr_secret(&out);
    assert!(out.stdout.contains("export AWS_ACCESS_KEY_ID='ASIAFAKE"));
    assert!(
        out.stderr
            .contains("keys=AKIA…0001 from the Secret Service keychain (profile 'work'"),
        "-v says where the keys came from: {}",
        out.stderr
    );
    let calls = fake.mints();
    assert_eq!(calls.len(), 1);
    assert_eq!(calls[0].action, "GetSessionToken");
    assert_eq!(
        calls[0].signed_with,
        kc(),
        "signed with the keychain's keys"
    );

    // The secret is in the keychain (encrypted by gnome-keyring) and nowhere else.
    for dir in [env.home(), env.cache_dir()] {
        assert_eq!(
            files_holding(&dir, KC_SECRET),
            Vec::<PathBuf>::new(),
            "a plain-text copy of the secret"
        );
    }
}

#[test]
fn the_cached_path_needs_no_keychain() {
    let fake = FakeSts::start();
    let Some((env, mut keyring)) = work_in_keychain(&fake) else {
        return;
    };
    env.run(&["env", "-p", "work", "--shell", "bash", "-t", CODE])
        .assert_success();
    keyring.stop();

    let out = env.run(&["env", "-p", "work", "--shell", "bash", "-v"]);
    out.assert_success();
    assert!(out.stdout.contains("export AWS_ACCESS_KEY_ID='ASIAFAKE"));
    assert!(out.stderr.contains("cache hit"), "{}", out.stderr);
    assert!(
        !out.stderr.contains("keychain: asking"),
        "no keychain call on the cached path: {}",
        out.stderr
    );
    assert_eq!(fake.mints().len(), 1, "no new STS call");

    // A new session does need the secret: with the daemon gone that is a clear error,
    // before any code is asked for or sent.
    let out = env.run(&[
        "env",
        "-p",
        "work",
        "--shell",
        "bash",
        "--refresh",
        "-t",
        CODE2,
    ]);
    out.assert_failure("cannot read the keys in the Secret Service keychain");
    assert!(
        out.stderr.contains("hint: unlock the keychain"),
        "{}",
        out.stderr
    );
    assert_eq!(fake.mints().len(), 1);
}

#[test]
fn remove_forgets_the_keys_and_the_cached_sessions() {
    let fake = FakeSts::start();
    let Some((env, keyring)) = work_in_keychain(&fake) else {
        return;
    };
    env.run(&["env", "-p", "work", "--shell", "bash", "-t", CODE])
        .assert_success();

    let out = env.run(&["remove", "work"]);
    out.assert_success();
    assert_eq!(out.stdout, "");
    assert!(
        out.stderr.contains(
            "removed the keys of profile 'work' from the Secret Service keychain; forgot 1 cached session(s)"
        ),
        "{}",
        out.stderr
    );
    assert_eq!(keyring.lookup(&env, "work"), None);
    let left: Vec<_> = std::fs::read_dir(env.cache_dir())
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".json") || n.starts_with("keychain-"))
        .collect();
    assert!(
        left.is_empty(),
        "no session and no key record left: {left:?}"
    );

    // Nothing left: the error says how to add keys again.
    env.run(&["env", "-p", "work", "--shell", "bash", "-t", CODE2])
        .assert_failure("no long-term keys for profile 'work'")
        .assert_failure("aws-mfa add work");
    env.run(&["remove", "work"])
        .assert_failure("no keys for profile 'work' in the Secret Service keychain");
    assert_eq!(fake.mints().len(), 1);
}

#[test]
fn add_refuses_temporary_and_malformed_keys_and_stores_nothing() {
    let fake = FakeSts::start();
    let Some((env, keyring)) = keychain_env(&fake) else {
        return;
    };
    add_from_env(&env, "work", "ASIATEMPORARY0000001", KC_SECRET).assert_failure(
        "cannot start a session from temporary keys (the key id ASIA…0001 starts with ASIA)",
    );
    add_from_env(&env, "work", "not-a-key", KC_SECRET)
        .assert_failure("not an access key id (9 characters)");
    let pasted_secret = add_from_env(&env, "work", KC_SECRET, KC_SECRET);
    pasted_secret.assert_failure("not an access key id");
    no_stderr_secret(&pasted_secret);
    add_from_env(&env, "work", KC_KEY, "two words")
        .assert_failure("secret access key")
        .assert_failure("spaces or control characters");
    let with_token = env.output(
        env.command(BIN)
            .args(["add", "work", "--from-env"])
            .env("AWS_ACCESS_KEY_ID", KC_KEY)
            .env("AWS_SECRET_ACCESS_KEY", KC_SECRET)
            .env("AWS_SESSION_TOKEN", "token"),
    );
    with_token.assert_failure("temporary keys");
    no_stderr_secret(&with_token);
    env.run(&["add", "work", "--from-env"])
        .assert_failure("AWS_ACCESS_KEY_ID is not set")
        .assert_failure("hint:");
    env.run(&["add", "bad name", "--from-env"])
        .assert_failure("profile 'bad name' cannot be used");
    assert_eq!(keyring.lookup(&env, "work"), None);
    assert!(files_holding(&env.cache_dir(), "AKIA").is_empty());
}

#[test]
fn keys_in_the_credentials_file_come_first_and_add_names_the_lines_to_delete() {
    let fake = FakeSts::start();
    fake.knows("AKIAFILEKEY000000001", "file-secret");
    let mut env = TestEnv::with_files(
        WORK_CONFIG,
        "[work]\naws_access_key_id = AKIAFILEKEY000000001\n# rotated in March\naws_secret_access_key = file-secret\n",
    )
    .sts(&fake);
    let Some(keyring) = Keyring::start(&mut env) else {
        return;
    };
    let out = add_from_env(&env, "work", KC_KEY, KC_SECRET);
    out.assert_success();
    assert!(!out.stderr.contains("file-secret"), "{}", out.stderr);
    let credentials = env.home().join(".aws/credentials");
    let credentials = credentials.display();
    for line in [
        format!("{credentials} line 2: aws_access_key_id"),
        format!("{credentials} line 4: aws_secret_access_key"),
    ] {
        assert!(out.stderr.contains(&line), "{line}: {}", out.stderr);
    }
    assert!(keyring.lookup(&env, "work").is_some());

    let out = env.run(&["env", "-p", "work", "--shell", "bash", "-t", CODE]);
    out.assert_success();
    assert_eq!(
        fake.calls()[0].signed_with,
        Some(Keys::long_term("AKIAFILEKEY000000001", "file-secret"))
    );

    // doctor says where the keys are and suggests the keychain.
    let out = env.run(&["doctor", "-p", "work"]);
    assert!(
        out.stdout
            .contains("the keys of profile 'work' are in a plain-text file; 'aws-mfa add work'"),
        "{}",
        out.stdout
    );
}

#[test]
fn add_finds_the_plain_text_lines_where_the_profile_reader_looks() {
    let fake = FakeSts::start();
    let mut env = TestEnv::with_files("", "").sts(&fake);
    let Some(keyring) = Keyring::start(&mut env) else {
        return;
    };
    // A credentials file named with `~`, which the SDK expands, and a FIFO as the config
    // file: no writer ever opens it, so a plain read would hang `add` for good.
    std::fs::write(
        env.home().join("creds"),
        "[work]\naws_access_key_id = AKIAFILEKEY000000001\naws_secret_access_key = s\n",
    )
    .unwrap();
    let fifo = env.home().join("config.fifo");
    make_fifo(&fifo);
    env.set("AWS_SHARED_CREDENTIALS_FILE", "~/creds");
    env.set("AWS_CONFIG_FILE", fifo.to_str().unwrap());
    env.set("AWS_ACCESS_KEY_ID", KC_KEY);
    env.set("AWS_SECRET_ACCESS_KEY", KC_SECRET);
    let out = run_bounded(
        &env,
        &["add", "work", "--from-env"],
        Duration::from_secs(30),
    );
    out.assert_success();
    let line = format!(
        "{} line 2: aws_access_key_id",
        env.home().join("creds").display()
    );
    assert!(out.stderr.contains(&line), "{line}: {}", out.stderr);
    assert!(keyring.lookup(&env, "work").is_some());
}

#[test]
fn environment_keys_never_override_the_keychain_of_a_named_profile() {
    let fake = FakeSts::start();
    let Some((env, _keyring)) = work_in_keychain(&fake) else {
        return;
    };
    let out = env.output(
        env.command(BIN)
            .args(["env", "-p", "work", "--shell", "bash", "-t", CODE])
            .env("AWS_ACCESS_KEY_ID", "AKIAENVIRONMENT00001")
            .env("AWS_SECRET_ACCESS_KEY", "env-secret"),
    );
    out.assert_success();
    assert_eq!(fake.calls()[0].signed_with, kc());
    // doctor names the keychain as the source.
    let out = env.run(&["doctor", "-p", "work"]);
    assert!(
        out.stdout
            .contains("long-term key AKIA…0001 in the Secret Service keychain (profile 'work')"),
        "{}",
        out.stdout
    );
}

#[test]
fn a_profile_only_in_the_keychain_works_and_a_lost_record_is_made_again() {
    let fake = FakeSts::start();
    fake.knows(KC_KEY, KC_SECRET);
    let mut env = TestEnv::with_files("", "").sts(&fake);
    env.set("AWS_REGION", "eu-west-1");
    let Some(_keyring) = Keyring::start(&mut env) else {
        return;
    };
    add_from_env(&env, "solo", KC_KEY, KC_SECRET).assert_success();
    // The cache directory wiped: the key id on record is gone with it.
    std::fs::remove_dir_all(env.cache_dir()).unwrap();
    let out = env.run(&[
        "env",
        "-p",
        "solo",
        "--shell",
        "bash",
        "-t",
        CODE,
        "--mfa-serial",
        SERIAL,
    ]);
    out.assert_success();
    assert_eq!(fake.calls()[0].signed_with, kc());
    assert!(
        files_holding(&env.cache_dir(), KC_KEY).len() == 1,
        "the record is back (and only the key id): {:?}",
        files_holding(&env.cache_dir(), KC_KEY)
    );
    assert!(files_holding(&env.cache_dir(), KC_SECRET).is_empty());
}

#[test]
fn a_key_replaced_in_the_keychain_behind_our_back_is_noticed() {
    let fake = FakeSts::start();
    fake.knows("AKIAREPLACED00000001", "replaced");
    let Some((env, keyring)) = work_in_keychain(&fake) else {
        return;
    };
    // Another program puts a different key in the entry; the record still names the old.
    let out = env.output(
        env.command("secret-tool")
            .args([
                "store",
                "--label=aws-mfa work",
                "service",
                "aws-mfa",
                "username",
                "work",
            ])
            .stdin(
                std::fs::File::open({
                    let path = env.path().join("replacement");
                    std::fs::write(
                        &path,
                        r#"{"AccessKeyId":"AKIAREPLACED00000001","SecretAccessKey":"replaced"}"#,
                    )
                    .unwrap();
                    path
                })
                .unwrap(),
            ),
    );
    assert_eq!(out.code, Some(0), "{out:?}");
    assert!(
        keyring
            .lookup(&env, "work")
            .unwrap()
            .contains("AKIAREPLACED")
    );
    let out = env.run(&["env", "-p", "work", "--shell", "bash", "-t", CODE]);
    out.assert_success();
    let calls = fake.mints();
    assert_eq!(calls.len(), 1);
    assert_eq!(
        calls[0].signed_with,
        Some(Keys::long_term("AKIAREPLACED00000001", "replaced"))
    );
    // The session is filed under the key that made it: the next run finds it.
    let out = env.run(&["env", "-p", "work", "--shell", "bash"]);
    out.assert_success();
    assert_eq!(fake.mints().len(), 1);
}

#[test]
fn a_locked_keychain_is_a_clear_error_and_nothing_is_sent() {
    let fake = FakeSts::start();
    let Some((env, keyring)) = work_in_keychain(&fake) else {
        return;
    };
    keyring.lock(&env);
    let out = env_for_work_bounded(&env);
    out.assert_failure(
        "cannot read the keys in the Secret Service keychain: it is locked or refused access",
    );
    assert!(
        out.stderr.contains("hint: unlock the keychain"),
        "{}",
        out.stderr
    );
    assert!(fake.calls().is_empty());
}

#[test]
fn a_keychain_that_never_answers_is_given_up_on() {
    let fake = FakeSts::start();
    let Some((mut env, keyring)) = work_in_keychain(&fake) else {
        return;
    };
    keyring.freeze(true);
    env.set("AWS_MFA_KEYCHAIN_TIMEOUT", "3");
    let out = env_for_work_bounded(&env);
    keyring.freeze(false);
    out.assert_failure("cannot read the keys in the Secret Service keychain: no answer within 3 s");
    assert!(
        out.stderr
            .contains("waiting for the Secret Service keychain"),
        "{}",
        out.stderr
    );
    assert!(fake.calls().is_empty());

    env.set("AWS_MFA_KEYCHAIN_TIMEOUT", "soon");
    env.run(&["env", "-p", "work", "--shell", "bash", "-t", CODE])
        .assert_failure("invalid AWS_MFA_KEYCHAIN_TIMEOUT 'soon'");
}

#[test]
fn no_keys_anywhere_says_how_to_add_them() {
    // No keychain service at all (no session bus): the same error, not a keychain failure.
    let mut env = TestEnv::with_files(WORK_CONFIG, "");
    env.unset("DBUS_SESSION_BUS_ADDRESS");
    env.run(&["env", "-p", "work", "--shell", "bash", "-t", CODE])
        .assert_failure(
            "no long-term keys for profile 'work': the profile has no aws_access_key_id",
        )
        .assert_failure("hint: store them in the OS keychain with 'aws-mfa add work'");
}

#[test]
fn add_asks_on_the_terminal_and_hides_the_secret() {
    let fake = FakeSts::start();
    let Some((env, keyring)) = keychain_env(&fake) else {
        return;
    };
    let pty = Pty::open();
    let child = pty.attach(env.command(BIN).args(["add", "work"]));
    pty.wait_for("Access key ID: ");
    pty.type_keys(&format!("{KC_KEY}\n"));
    pty.wait_for("Secret access key (not shown): ");
    pty.type_keys(&format!("{KC_SECRET}\n"));
    let out = env.output_of(child);
    out.assert_success();
    assert_eq!(out.stdout, "");
    // Everything the terminal was sent, up to the last line.
    pty.wait_for("stored the keys of profile 'work'");
    let screen = pty.screen();
    assert!(screen.contains(KC_KEY), "the key id is shown: {screen}");
    assert!(!screen.contains(KC_SECRET), "the secret is not: {screen}");
    assert!(keyring.lookup(&env, "work").unwrap().contains(KC_SECRET));

    // An ASIA key id is refused as soon as it is typed, before the secret is asked for.
    let pty = Pty::open();
    let child = pty.attach(env.command(BIN).args(["add", "other"]));
    pty.wait_for("Access key ID: ");
    pty.type_keys("ASIATEMPORARY0000001\n");
    let out = env.output_of(child);
    assert_eq!(out.code, Some(1));
    pty.wait_for("temporary keys");
    assert!(!pty.screen().contains("Secret access key"));
    assert_eq!(keyring.lookup(&env, "other"), None);
}

#[test]
fn ctrl_c_at_the_hidden_prompt_leaves_the_terminal_as_it_was() {
    let fake = FakeSts::start();
    let Some((env, keyring)) = keychain_env(&fake) else {
        return;
    };
    let pty = Pty::open();
    let before = pty.mode();
    assert!(
        before.echo && before.line_mode && before.signals,
        "{before:?}"
    );
    let child = pty.attach(env.command(BIN).args(["add", "work"]));
    pty.wait_for("Access key ID: ");
    pty.type_keys(&format!("{KC_KEY}\n"));
    pty.wait_for("Secret access key (not shown): ");
    pty.type_keys("half-typed\x03");
    let out = env.output_of(child);
    assert_eq!(
        out.code,
        Some(128 + 2),
        "ended by SIGINT (the shell shows 130): {out:?}"
    );
    assert_eq!(out.stdout, "");
    assert_eq!(pty.mode(), before, "echo, line mode and signals are back");
    assert_eq!(keyring.lookup(&env, "work"), None, "nothing stored");
}

#[test]
fn a_role_can_take_its_source_keys_from_a_profile_only_in_the_keychain() {
    let fake = FakeSts::start();
    fake.knows(KC_KEY, KC_SECRET);
    // Not ROLE_CONFIG: the source profile, `solo`, is only in the keychain.
    let mut env = TestEnv::with_files(
        &format!(
            "[profile admin]\nrole_arn = arn:aws:iam::123456789012:role/admin\nsource_profile = solo\nmfa_serial = {SERIAL}\nregion = eu-west-1\n"
        ),
        "",
    )
    .sts(&fake);
    let Some(_keyring) = Keyring::start(&mut env) else {
        return;
    };
    add_from_env(&env, "solo", KC_KEY, KC_SECRET).assert_success();
    let out = env.run(&["env", "-p", "admin", "--shell", "bash", "-t", CODE]);
    out.assert_success();
    let calls = fake.mints();
    let actions: Vec<&str> = calls.iter().map(|c| c.action.as_str()).collect();
    assert_eq!(actions, ["GetSessionToken", "AssumeRole"]);
    assert_eq!(calls[0].signed_with, kc());
}
