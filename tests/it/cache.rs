//! The session cache: one prompt per session lifetime, private files, safe across
//! terminals, and never trusting an entry it did not write.

use std::os::unix::fs::{MetadataExt, PermissionsExt, symlink};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::time::Duration;

use crate::support::failure_matrix::{make_fifo, run_bounded};
use crate::support::users::OtherUser;
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
    // A twelve-hour session near its end.
    entries_granted(&env, Duration::from_secs(12 * 3600));
    env.run(ENV).assert_failure("no MFA code");
    env.run(ENV_CODE2).assert_success();
    assert_eq!(fake.count("GetSessionToken"), 2);
}

#[test]
fn rotating_the_long_term_key_misses_the_old_entry() {
    let fake = FakeSts::start();
    fake.knows("AKIAROTATED000000001", "rotated");
    let mut env = TestEnv::new().sts(&fake);
    env.run(ENV_CODE).assert_success();
    env.write_aws_file(
        "credentials",
        "[default]\naws_access_key_id = AKIAROTATED000000001\naws_secret_access_key = rotated\n",
    );
    env.run(ENV).assert_failure("no MFA code");
    env.run(ENV_CODE2).assert_success();
    assert_eq!(
        fake.mints()[1].signed_with,
        Some(Keys::long_term("AKIAROTATED000000001", "rotated"))
    );
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
    // The first caller's answer is held until the seven others are seen waiting on its
    // lock: they overlap however loaded the machine, and a lock that lets a second caller
    // through shows as a second request held.
    fake.hold(&["GetSessionToken"]);
    let env = TestEnv::new().sts(&fake);
    let waited = Arc::new(AtomicUsize::new(0));
    let runs: Vec<Watched> = (0..8)
        .map(|_| Watched::spawn(env.command(BIN).args(ENV_CODE), WAITING_NOTE, &waited))
        .collect();
    let overlapped =
        wait_until(|| fake.waiting() > 1 || (fake.waiting() == 1 && waited.load(SeqCst) == 7));
    let held = fake.waiting();
    fake.release();
    let outs: Vec<Outcome> = runs.into_iter().map(Watched::finish).collect();
    assert!(overlapped, "the eight never overlapped: {outs:#?}");
    assert_eq!(held, 1, "one request reached STS while the others waited");
    assert_eq!(
        waited.load(SeqCst),
        7,
        "seven waited on the lock: {outs:#?}"
    );
    for out in &outs {
        out.assert_success();
        assert_eq!(out.stdout, outs[0].stdout, "all print the same session");
    }
    let issued = fake.keys(1);
    assert!(outs[0].stdout.contains(&format!(
        "export AWS_SESSION_TOKEN='{}';",
        issued.session_token.unwrap()
    )));
    assert_eq!(fake.count("GetSessionToken"), 1);
}

/// Runs with a tampered entry: a warning naming why, a fresh session, a sound entry after.
fn survives(tamper: impl FnOnce(&PathBuf), why: &str) {
    let fake = FakeSts::start();
    let env = TestEnv::new().sts(&fake);
    env.run(ENV_CODE).assert_success();
    let entry = only_entry(&env);
    tamper(&entry);
    // Bounded: an entry that hangs the read fails the test instead of hanging it.
    let out = run_bounded(&env, ENV_CODE2, Duration::from_secs(30));
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
    survives(
        |p| std::fs::write(p, [0xff, 0xfe, 0x00, 0x01]).unwrap(),
        "it is corrupt or not ours",
    );
    survives(
        |p| {
            let text = std::fs::read_to_string(p).unwrap();
            std::fs::write(p, text.replace("\"version\": 2", "\"version\": 99")).unwrap();
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
    for (dir, why) in [
        (file.join("cache"), "Not a directory"),
        (
            file.clone(),
            "it is a file, not a directory; remove it or set AWS_MFA_CACHE_DIR elsewhere",
        ),
    ] {
        not_cached_in(&mut env, dir.to_str().unwrap(), why);
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
    // GetSessionToken does not say whose session it is: one GetCallerIdentity, signed with
    // the new session, does, and status shows the IAM user rather than the device.
    let calls = fake.calls();
    let actions: Vec<&str> = calls.iter().map(|c| c.action.as_str()).collect();
    assert_eq!(actions, ["GetSessionToken", "GetCallerIdentity"]);
    assert!(calls[1].is_identity_lookup());
    assert_eq!(calls[1].signed_with, Some(fake.keys(1)));
    let out = env.run(&["status"]);
    out.assert_success();
    let lines: Vec<&str> = out.stdout.lines().collect();
    assert_eq!(lines.len(), 2, "{}", out.stdout);
    assert!(lines[0].starts_with("PROFILE"));
    assert!(lines[1].starts_with("default"), "{}", lines[1]);
    assert!(
        lines[1].contains("arn:aws:iam::123456789012:user/tester"),
        "{}",
        lines[1]
    );
    assert!(!lines[1].contains(SERIAL), "{}", lines[1]);
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
    fake.knows("AKIAOTHER00000000001", "o");
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
fn a_fifo_in_place_of_an_entry_hangs_nothing() {
    survives(
        |p| {
            std::fs::remove_file(p).unwrap();
            make_fifo(p);
        },
        "it is not a regular file but a FIFO (named pipe)",
    );
    // `status` reads every entry: a FIFO is skipped, not waited on.
    let fake = FakeSts::start();
    let env = TestEnv::new().sts(&fake);
    env.run(ENV_CODE).assert_success();
    let entry = only_entry(&env);
    std::fs::remove_file(&entry).unwrap();
    make_fifo(&entry);
    let out = run_bounded(&env, &["status"], Duration::from_secs(20));
    out.assert_success();
    assert!(
        out.stdout.starts_with("no cached sessions"),
        "{}",
        out.stdout
    );
}

#[test]
fn swapped_entries_are_misses_not_the_other_session() {
    let fake = FakeSts::start();
    let config =
        format!("{DEFAULT_CONFIG}[profile dev]\nmfa_serial = arn:aws:iam::123456789012:mfa/dev\n");
    let credentials = format!(
        "{DEFAULT_CREDENTIALS}[dev]\naws_access_key_id = AKIADEV0000000000001\naws_secret_access_key = d\n"
    );
    fake.knows("AKIADEV0000000000001", "d");
    let env = TestEnv::with_files(&config, &credentials).sts(&fake);
    let default = env.run(ENV_CODE);
    default.assert_success();
    env.run(&["env", "--shell", "bash", "-t", CODE, "-p", "dev"])
        .assert_success();
    let [a, b] = <[PathBuf; 2]>::try_from(entries(&env)).unwrap();
    let swap = a.with_extension("swap");
    std::fs::rename(&a, &swap).unwrap();
    std::fs::rename(&b, &a).unwrap();
    std::fs::rename(&swap, &b).unwrap();

    // Each file now holds the other profile's session: neither is handed out.
    for profile in ["dev", "default"] {
        let out = env.run(&["env", "--shell", "bash", "-p", profile]);
        out.assert_failure("no MFA code");
        assert!(
            out.stderr
                .contains("aws-mfa: warning: ignoring cache entry")
                && out.stderr.contains("it was made for another session"),
            "{}",
            out.stderr
        );
    }
    let status = env.run(&["status"]);
    assert!(
        status.stdout.starts_with("no cached sessions"),
        "{}",
        status.stdout
    );
    // A fresh session replaces the swapped entry.
    let out = env.run(&["env", "--shell", "bash", "-t", CODE2]);
    out.assert_success();
    assert!(out.stdout.contains("AWS_MFA_PROFILE='default'"));
    assert_ne!(out.stdout, default.stdout);
    env.run(ENV).assert_success();
}

/// Runs `env -t CODE` with `dir` as the cache directory: it works, says once why the
/// directory is not used, and caches nothing (the next run has no code to go on).
fn not_cached_in(env: &mut TestEnv, dir: &str, why: &str) {
    env.set("AWS_MFA_CACHE_DIR", dir);
    let out = env.run(ENV_CODE);
    out.assert_success();
    assert!(out.stdout.contains("export AWS_SESSION_TOKEN="));
    assert!(
        out.stderr
            .starts_with("aws-mfa: warning: cannot use the cache directory")
            && out.stderr.contains(why)
            && out.stderr.contains("sessions will not be cached"),
        "{why:?}: {}",
        out.stderr
    );
    assert_eq!(out.stderr.lines().count(), 1, "one warning: {}", out.stderr);
    env.run(ENV).assert_failure("no MFA code");
}

#[test]
fn a_cache_directory_others_can_swap_is_not_used() {
    let fake = FakeSts::start();
    let mut env = TestEnv::new().sts(&fake);
    let open = env.path().join("shared");
    std::fs::create_dir(&open).unwrap();
    std::fs::set_permissions(&open, std::fs::Permissions::from_mode(0o777)).unwrap();
    let dir = open.join("aws-mfa");
    not_cached_in(
        &mut env,
        dir.to_str().unwrap(),
        &format!(
            "other users can write in {} above it (mode 777)",
            open.display()
        ),
    );
    assert!(!dir.exists(), "nothing is made under it");

    // Group-writable counts too.
    std::fs::set_permissions(&open, std::fs::Permissions::from_mode(0o770)).unwrap();
    not_cached_in(&mut env, dir.to_str().unwrap(), "(mode 770)");

    // A sticky directory (as /tmp) is fine: nobody else can rename what is ours in it.
    std::fs::set_permissions(&open, std::fs::Permissions::from_mode(0o1777)).unwrap();
    env.set("AWS_MFA_CACHE_DIR", dir.to_str().unwrap());
    let out = env.run(ENV_CODE2);
    out.assert_success();
    assert_eq!(out.stderr, "");
    env.run(ENV).assert_success();
}

#[test]
fn a_relative_cache_directory_is_refused() {
    let fake = FakeSts::start();
    let mut env = TestEnv::new().sts(&fake);
    not_cached_in(
        &mut env,
        "relative-cache",
        "AWS_MFA_CACHE_DIR is a relative path, which would put sessions under the current directory",
    );
    assert!(!env.path().join("relative-cache").exists());
}

#[test]
fn a_cache_directory_of_another_user_is_not_used() {
    let Some(other) = OtherUser::create() else {
        return;
    };
    let fake = FakeSts::start();
    let mut env = TestEnv::new().sts(&fake);

    // The directory itself is theirs (they could read and plant sessions)…
    let theirs = env.path().join("their-cache");
    std::fs::create_dir(&theirs).unwrap();
    std::fs::set_permissions(&theirs, std::fs::Permissions::from_mode(0o755)).unwrap();
    other.owns(&theirs);
    not_cached_in(
        &mut env,
        theirs.to_str().unwrap(),
        &format!("it belongs to another user (uid {})", other.uid),
    );
    assert_eq!(
        std::fs::read_dir(&theirs).unwrap().count(),
        0,
        "nothing written in it"
    );

    // …or a directory above it is (they could swap it for a link of theirs).
    let above = env.path().join("their-home");
    std::fs::create_dir(&above).unwrap();
    std::fs::set_permissions(&above, std::fs::Permissions::from_mode(0o755)).unwrap();
    other.owns(&above);
    let dir = above.join("aws-mfa");
    not_cached_in(
        &mut env,
        dir.to_str().unwrap(),
        &format!(
            "{} above it belongs to another user (uid {})",
            above.display(),
            other.uid
        ),
    );
    assert!(!dir.exists(), "nothing is made under it");
}

/// The lock file of the only entry, held by the test as another aws-mfa would hold it.
fn hold_entry_lock(env: &TestEnv) -> std::fs::File {
    let lock = only_entry(env).with_extension("lock");
    let file = std::fs::File::options().write(true).open(lock).unwrap();
    file.lock().unwrap();
    file
}

#[test]
fn a_held_lock_is_waited_on_aloud() {
    let fake = FakeSts::start();
    let env = TestEnv::new().sts(&fake);
    env.run(ENV_CODE).assert_success();
    let held = hold_entry_lock(&env);
    // The lock is let go once the waiting run has said it waits, not after a fixed time.
    let said = Arc::new(AtomicUsize::new(0));
    let run = Watched::spawn(
        env.command(BIN)
            .args(["env", "--shell", "bash", "-t", CODE2, "--refresh"]),
        WAITING_NOTE,
        &said,
    );
    let waited_aloud = wait_until(|| said.load(SeqCst) > 0);
    let asked_while_held = fake.count("GetSessionToken");
    drop(held);
    let out = run.finish();
    assert!(waited_aloud, "{out:#?}");
    assert_eq!(asked_while_held, 1, "no call while the lock was held");
    out.assert_success();
    assert!(
        out.stderr
            .contains("aws-mfa: note: waiting for another aws-mfa that is making the same session"),
        "{}",
        out.stderr
    );
    assert_eq!(fake.count("GetSessionToken"), 2);
}

#[test]
fn a_lock_never_released_is_given_up_on() {
    let fake = FakeSts::start();
    let env = TestEnv::new().sts(&fake);
    env.run(ENV_CODE).assert_success();
    let _held = hold_entry_lock(&env);
    let out = run_bounded(
        &env,
        &["env", "--shell", "bash", "-t", CODE2, "--refresh"],
        Duration::from_secs(150),
    );
    out.assert_success();
    assert!(out.stdout.contains("FAKETOKEN2"), "{}", out.stdout);
    assert!(
        out.stderr.contains("waiting for another aws-mfa")
            && out.stderr.contains(
                "aws-mfa: warning: the other aws-mfa has not finished after 90 s; going on without waiting for it"
            ),
        "{}",
        out.stderr
    );
    // The session made without the lock is cached all the same.
    assert_eq!(env.run(ENV).stdout, out.stdout);
}

#[test]
fn clear_all_removes_temp_files_holding_sessions() {
    let fake = FakeSts::start();
    let env = TestEnv::new().sts(&fake);
    env.run(ENV_CODE).assert_success();
    let leftovers = [".tmp-killed-writer", ".tmp-just-now"].map(|n| env.cache_dir().join(n));
    for path in &leftovers {
        std::fs::write(path, "{\"secret_access_key\": \"x\"}").unwrap();
    }
    let out = env.run(&["clear", "--all"]);
    out.assert_success();
    assert!(
        out.stderr.contains(
            "forgot 1 cached session(s) of all profiles, and 2 temp file(s) a killed aws-mfa left behind"
        ),
        "{}",
        out.stderr
    );
    for path in &leftovers {
        assert!(!path.exists(), "{} removed", path.display());
    }
    assert!(entries(&env).is_empty());
}

/// What docs/troubleshooting.md says a run killed mid-way leaves: no session and no secret, only the
/// entry's empty lock file, kept on purpose (removing it could let two runs make the same
/// session).
#[test]
fn a_run_killed_while_sts_is_asked_leaves_only_an_empty_lock_file() {
    let fake = FakeSts::start();
    fake.then(Reply::Hang);
    let env = TestEnv::new().sts(&fake);
    let mut command = env.command(BIN);
    command
        .args(["env", "--shell", "bash", "-t", CODE])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    let child = command.spawn().unwrap();
    let started = std::time::Instant::now();
    while fake.calls().is_empty() {
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "STS never asked"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
    // SAFETY: kill on our own child's pid.
    unsafe { libc::kill(child.id() as libc::pid_t, libc::SIGTERM) };
    let out = env.output_of(child);
    assert_eq!(out.code, Some(143), "{out:#?}");
    let left: Vec<_> = std::fs::read_dir(env.cache_dir())
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .collect();
    assert_eq!(left.len(), 1, "{left:?}");
    let lock = &left[0];
    assert!(
        lock.file_name()
            .unwrap()
            .to_str()
            .unwrap()
            .starts_with("session-")
            && lock.extension().unwrap() == "lock",
        "{lock:?}"
    );
    let meta = std::fs::metadata(lock).unwrap();
    assert_eq!(meta.len(), 0, "the lock file holds nothing");
    assert_eq!(meta.permissions().mode() & 0o777, 0o600);
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

/// The cache directory's mode bits.
fn cache_dir_mode(env: &TestEnv) -> u32 {
    std::fs::metadata(env.cache_dir()).unwrap().mode() & 0o777
}

#[test]
fn doctor_and_status_leave_a_loose_cache_directory_as_they_found_it() {
    let fake = FakeSts::start();
    let env = TestEnv::new().sts(&fake);
    env.run(ENV_CODE).assert_success();
    std::fs::set_permissions(env.cache_dir(), std::fs::Permissions::from_mode(0o755)).unwrap();

    // doctor diagnoses the directory and reads the session in it, and changes neither.
    let out = env.run(&["doctor"]);
    out.assert_success();
    assert!(
        out.stdout.contains("others can enter it (mode 755)")
            && out.stdout.contains("✓ cached MFA session"),
        "{}",
        out.stdout
    );
    assert_eq!(
        cache_dir_mode(&env),
        0o755,
        "doctor changed what it diagnosed"
    );
    // And says the same the second time.
    let again = env.run(&["doctor"]);
    assert!(
        again.stdout.contains("others can enter it (mode 755)"),
        "{}",
        again.stdout
    );

    // status lists the session, and changes nothing either.
    let out = env.run(&["status"]);
    out.assert_success();
    assert!(
        out.stdout
            .lines()
            .nth(1)
            .is_some_and(|l| l.starts_with("default")),
        "{}",
        out.stdout
    );
    assert_eq!(cache_dir_mode(&env), 0o755, "status changed the directory");
    assert_eq!(out.stderr, "");

    // Using the cache is what tightens it.
    env.run(ENV).assert_success();
    assert_eq!(cache_dir_mode(&env), 0o700);
    assert_eq!(fake.count("GetSessionToken"), 1);
}
