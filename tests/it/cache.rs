//! The session cache: one prompt per session lifetime, private files, safe across
//! terminals, and never trusting an entry it did not write.

use std::os::unix::fs::{MetadataExt, PermissionsExt, symlink};
use std::path::PathBuf;
use std::time::Duration;

use crate::support::*;

const ENV: &[&str] = &["env", "--shell", "bash"];
const ENV_CODE: &[&str] = &["env", "--shell", "bash", "-t", CODE];
/// A fresh session after the first one needs the next code.
const ENV_CODE2: &[&str] = &["env", "--shell", "bash", "-t", CODE2];

/// The cache entries (not locks, not temp files) in the cache directory.
fn entries(env: &TestEnv) -> Vec<PathBuf> {
    let Ok(dir) = std::fs::read_dir(env.cache_dir()) else {
        return Vec::new();
    };
    let mut found: Vec<PathBuf> = dir
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    found.sort();
    found
}

fn only_entry(env: &TestEnv) -> PathBuf {
    let found = entries(env);
    assert_eq!(found.len(), 1, "{found:?}");
    found[0].clone()
}

#[test]
fn a_second_run_needs_no_code_and_no_call() {
    let fake = FakeSts::start();
    let env = TestEnv::new().sts(&fake);
    let first = env.run(ENV_CODE);
    first.assert_success();
    // No terminal and no code: only the cache can answer.
    let second = env.run(ENV);
    second.assert_success();
    assert_eq!(first.stdout, second.stdout);
    // A code given while a good session is cached is not spent.
    env.run(ENV_CODE).assert_success();
    assert_eq!(fake.count("GetSessionToken"), 1);
}

#[test]
fn a_cache_hit_starts_no_sdk() {
    let fake = FakeSts::start();
    let mut env = TestEnv::new().sts(&fake);
    env.run(ENV_CODE).assert_success();
    // Both would fail the moment an SDK client were built.
    env.set("AWS_CA_BUNDLE", "/nonexistent/ca.pem")
        .set("AWS_ENDPOINT_URL_STS", "http://127.0.0.1:1");
    env.run(ENV).assert_success();
}

#[test]
fn refresh_asks_again_and_no_cache_keeps_nothing() {
    let fake = FakeSts::start();
    let env = TestEnv::new().sts(&fake);
    let first = env.run(ENV_CODE);
    let refreshed = env.run(&["env", "--shell", "bash", "-t", CODE2, "--refresh"]);
    refreshed.assert_success();
    assert_ne!(first.stdout, refreshed.stdout, "a new session");
    assert_eq!(fake.count("GetSessionToken"), 2);
    // The refreshed session is what the cache serves now.
    assert_eq!(env.run(ENV).stdout, refreshed.stdout);

    let fake = FakeSts::start();
    let env = TestEnv::new().sts(&fake);
    env.run(&["env", "--shell", "bash", "-t", CODE, "--no-cache"])
        .assert_success();
    assert!(entries(&env).is_empty(), "--no-cache writes nothing");
    env.run(ENV).assert_failure("no MFA code");
}

#[test]
fn a_session_with_five_minutes_or_less_left_is_not_reused() {
    let fake = FakeSts::start();
    fake.lifetime(Duration::from_secs(290));
    let env = TestEnv::new().sts(&fake);
    env.run(ENV_CODE).assert_success();
    env.run(ENV).assert_failure("no MFA code");
    env.run(ENV_CODE2).assert_success();
    assert_eq!(fake.count("GetSessionToken"), 2);
}

#[test]
fn rotating_the_long_term_key_misses_the_old_entry() {
    let fake = FakeSts::start();
    let mut env = TestEnv::new().sts(&fake);
    env.run(ENV_CODE).assert_success();
    env.write_aws_file(
        "credentials",
        "[default]\naws_access_key_id = AKIAROTATED000000001\naws_secret_access_key = rotated\n",
    );
    env.run(ENV).assert_failure("no MFA code");
    env.run(ENV_CODE2).assert_success();
    assert_eq!(fake.calls()[1].signer, "AKIAROTATED000000001");
}

#[test]
fn files_are_private_whatever_the_umask() {
    let fake = FakeSts::start();
    let env = TestEnv::new().sts(&fake);
    let out = env.output(env.command("sh").args([
        "-c",
        r#"umask 000; exec "$AWS_MFA" env --shell bash -t 314159"#,
    ]));
    out.assert_success();
    let dir_mode = std::fs::metadata(env.cache_dir()).unwrap().mode() & 0o777;
    assert_eq!(dir_mode, 0o700);
    for entry in std::fs::read_dir(env.cache_dir()).unwrap().flatten() {
        let mode = entry.metadata().unwrap().mode() & 0o777;
        assert_eq!(mode, 0o600, "{}", entry.path().display());
    }
    let entry = std::fs::read_to_string(only_entry(&env)).unwrap();
    assert!(
        entry.contains("\"expiration\": \"20"),
        "times in RFC 3339: {entry}"
    );
    assert!(entry.contains("Z\""), "UTC: {entry}");

    // A loose directory of ours is tightened.
    std::fs::set_permissions(env.cache_dir(), std::fs::Permissions::from_mode(0o755)).unwrap();
    env.run(ENV).assert_success();
    assert_eq!(
        std::fs::metadata(env.cache_dir()).unwrap().mode() & 0o777,
        0o700
    );
}

#[test]
fn eight_terminals_at_once_make_one_call() {
    let fake = FakeSts::start();
    fake.delay(Duration::from_millis(400));
    let env = TestEnv::new().sts(&fake);
    let children: Vec<_> = (0..8)
        .map(|_| {
            env.command(BIN)
                .args(ENV_CODE)
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    let outs: Vec<Outcome> = children.into_iter().map(|c| env.output_of(c)).collect();
    for out in &outs {
        out.assert_success();
        assert_eq!(out.stdout, outs[0].stdout, "all print the same session");
    }
    assert!(
        outs[0]
            .stdout
            .contains("export AWS_SESSION_TOKEN='FAKETOKEN1")
    );
    assert_eq!(fake.count("GetSessionToken"), 1);
}

/// Runs with a tampered entry: a warning naming why, a fresh session, a sound entry after.
fn survives(tamper: impl FnOnce(&PathBuf), why: &str) {
    let fake = FakeSts::start();
    let env = TestEnv::new().sts(&fake);
    env.run(ENV_CODE).assert_success();
    let entry = only_entry(&env);
    tamper(&entry);
    let out = env.run(ENV_CODE2);
    out.assert_success();
    assert!(
        out.stderr
            .contains("aws-mfa: warning: ignoring cache entry")
            && out.stderr.contains(why),
        "expected a warning about {why:?}: {}",
        out.stderr
    );
    assert_eq!(
        out.stderr.matches("warning").count(),
        1,
        "said once: {}",
        out.stderr
    );
    assert!(
        out.stdout.contains("FAKETOKEN2"),
        "a fresh session: {}",
        out.stdout
    );
    assert_eq!(fake.count("GetSessionToken"), 2);
    let meta = std::fs::symlink_metadata(&entry).unwrap();
    assert!(meta.is_file(), "the entry is a regular file again");
    assert_eq!(meta.mode() & 0o777, 0o600);
    let third = env.run(ENV);
    third.assert_success();
    assert_eq!(third.stderr, "", "the rewritten entry is trusted");
}

#[test]
fn a_truncated_entry_is_a_miss() {
    survives(
        |p| {
            let text = std::fs::read(p).unwrap();
            std::fs::write(p, &text[..text.len() / 2]).unwrap();
        },
        "corrupt or not ours",
    );
}

#[test]
fn a_foreign_entry_is_a_miss() {
    survives(
        |p| std::fs::write(p, "{\"hello\": \"world\"}").unwrap(),
        "corrupt or not ours",
    );
    survives(|p| std::fs::write(p, [0xff, 0xfe, 0x00, 0x01]).unwrap(), "");
    survives(
        |p| {
            let text = std::fs::read_to_string(p).unwrap();
            std::fs::write(p, text.replace("\"version\": 1", "\"version\": 99")).unwrap();
        },
        "format 99",
    );
}

#[test]
fn an_entry_others_can_read_is_a_miss() {
    for (mode, why) in [
        (0o640, "other users can read it (mode 640)"),
        (0o604, "other users can read it (mode 604)"),
        (0o660, "other users can read it (mode 660)"),
    ] {
        survives(
            |p| std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode)).unwrap(),
            why,
        );
    }
}

#[test]
fn a_symbolic_link_in_place_of_an_entry_is_never_followed() {
    // A link to a perfectly good entry (the real one, moved aside): following it would be
    // a cache hit. It is refused, and the new entry replaces the link, not its target.
    let elsewhere = tempfile::tempdir().unwrap();
    let moved = elsewhere.path().join("entry.json");
    let mut before = Vec::new();
    survives(
        |p| {
            std::fs::rename(p, &moved).unwrap();
            symlink(&moved, p).unwrap();
            before = std::fs::read(&moved).unwrap();
        },
        "symbolic link",
    );
    assert_eq!(std::fs::read(&moved).unwrap(), before, "target untouched");
}

#[test]
fn a_dangling_symbolic_link_is_never_written_through() {
    let elsewhere = tempfile::tempdir().unwrap();
    let target = elsewhere.path().join("planted.json");
    survives(
        |p| {
            std::fs::remove_file(p).unwrap();
            symlink(&target, p).unwrap();
        },
        "symbolic link",
    );
    assert!(
        !target.exists(),
        "nothing was written where the link pointed"
    );
}

#[test]
fn a_cache_directory_that_cannot_be_made_still_works() {
    let fake = FakeSts::start();
    let mut env = TestEnv::new().sts(&fake);
    let file = env.path().join("a-file");
    std::fs::write(&file, "").unwrap();
    // Under a file, and a file itself.
    for dir in [file.join("cache"), file.clone()] {
        env.set("AWS_MFA_CACHE_DIR", dir.to_str().unwrap());
        let out = env.run(ENV_CODE);
        out.assert_success();
        assert!(out.stdout.contains("export AWS_SESSION_TOKEN="));
        assert!(
            out.stderr
                .contains("aws-mfa: warning: cannot use the cache directory")
                && out.stderr.contains("sessions will not be cached"),
            "{}",
            out.stderr
        );
        assert_eq!(out.stderr.lines().count(), 1, "{}", out.stderr);
        // Nothing cached: the next run needs a code again.
        env.run(ENV).assert_failure("no MFA code");
    }
    assert_eq!(std::fs::read(&file).unwrap(), b"", "the file is untouched");
    assert_eq!(fake.count("GetSessionToken"), 2);
}

#[test]
fn status_lists_sessions_without_secrets() {
    let fake = FakeSts::start();
    let env = TestEnv::new().sts(&fake);
    let out = env.run(&["status"]);
    out.assert_success();
    assert!(
        out.stdout.starts_with("no cached sessions in "),
        "{}",
        out.stdout
    );

    env.run(ENV_CODE).assert_success();
    let out = env.run(&["status"]);
    out.assert_success();
    let lines: Vec<&str> = out.stdout.lines().collect();
    assert_eq!(lines.len(), 2, "{}", out.stdout);
    assert!(lines[0].starts_with("PROFILE"));
    assert!(lines[1].starts_with("default"), "{}", lines[1]);
    assert!(lines[1].contains(SERIAL));
    assert!(lines[1].contains("11h 5"), "time left: {}", lines[1]);
    assert!(lines[1].contains("Z "), "UTC expiry: {}", lines[1]);
    assert_no_secrets(&out.stdout);
    assert!(!out.stdout.contains("ASIAFAKE"), "no key ids either");
}

#[test]
fn clear_makes_the_next_run_ask_again() {
    let fake = FakeSts::start();
    let config = format!(
        "{DEFAULT_CONFIG}[profile other]\nmfa_serial = arn:aws:iam::123456789012:mfa/other\n"
    );
    let credentials = format!(
        "{DEFAULT_CREDENTIALS}[other]\naws_access_key_id = AKIAOTHER00000000001\naws_secret_access_key = o\n"
    );
    let env = TestEnv::with_files(&config, &credentials).sts(&fake);
    env.run(ENV_CODE).assert_success();
    env.run(&["env", "--shell", "bash", "-t", CODE, "-p", "other"])
        .assert_success();
    assert_eq!(entries(&env).len(), 2);

    let out = env.run(&["clear"]);
    out.assert_success();
    assert!(
        out.stderr
            .contains("forgot 1 cached session(s) of profile 'default'")
    );
    env.run(ENV).assert_failure("no MFA code");
    env.run(&["env", "--shell", "bash", "-p", "other"])
        .assert_success();

    env.run(&["clear", "--all"]).assert_success();
    assert!(entries(&env).is_empty());
    env.run(&["env", "--shell", "bash", "-p", "other"])
        .assert_failure("no MFA code");
}

#[test]
fn temp_files_left_by_a_killed_writer_are_swept() {
    let fake = FakeSts::start();
    let env = TestEnv::new().sts(&fake);
    env.run(ENV_CODE).assert_success();
    let old = env.cache_dir().join(".tmp-left-by-a-kill");
    let young = env.cache_dir().join(".tmp-being-written");
    for path in [&old, &young] {
        std::fs::write(path, "credentials").unwrap();
    }
    std::fs::File::options()
        .write(true)
        .open(&old)
        .unwrap()
        .set_modified(std::time::SystemTime::now() - Duration::from_secs(3600))
        .unwrap();
    env.run(&["env", "--shell", "bash", "-t", CODE2, "--refresh"])
        .assert_success();
    assert!(!old.exists(), "an old leftover is removed");
    assert!(young.exists(), "a young one may be another writer's");
}

#[test]
fn clear_says_when_there_was_nothing_to_forget() {
    let fake = FakeSts::start();
    let env = TestEnv::new().sts(&fake);
    // A known profile with nothing cached: the state asked for already holds.
    let out = env.run(&["clear"]);
    out.assert_success();
    assert_eq!(
        out.stderr,
        "aws-mfa: nothing to forget: no cached session of profile 'default'\n"
    );
    let out = env.run(&["clear", "--all"]);
    out.assert_success();
    assert_eq!(
        out.stderr,
        "aws-mfa: nothing to forget: no session is cached\n"
    );
    // A name the files do not know is most likely a typo: an error, as for `env -p`.
    env.run(ENV_CODE).assert_success();
    let out = env.run(&["clear", "-p", "nope"]);
    out.assert_failure("aws-mfa: unknown profile 'nope': it is not in ")
        .assert_failure("hint: known profiles: default");
    assert_eq!(out.code, Some(1));
    assert_eq!(entries(&env).len(), 1, "nothing else was forgotten");
}
