//! `clear` and `remove` forget every session entry of theirs, trusted or not: an entry
//! aws-mfa no longer trusts (swapped, corrupt, an older format, readable by others) may
//! still hold a live secret.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use crate::support::keyring::Keyring;
use crate::support::*;

/// The session entries in the cache directory, by name.
fn entry_names(env: &TestEnv) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(env.cache_dir())
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".json"))
        .collect();
    names.sort();
    names
}

/// Writes an entry file as aws-mfa would (0600) under `name`.
fn plant(env: &TestEnv, name: &str, contents: &str) -> PathBuf {
    let path = env.cache_dir().join(name);
    std::fs::write(&path, contents).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
    path
}

/// Untrusted entries of `profile`, each holding a live-looking secret: the trusted entry
/// `sound` copied under another key (swapped), the same in format 1, the same readable by
/// others; plus a corrupt one that names nobody.
fn plant_untrusted(env: &TestEnv, sound: &Path, profile: &str) -> Vec<PathBuf> {
    let text = std::fs::read_to_string(sound).unwrap();
    let mut doc: serde_json::Value = serde_json::from_str(&text).unwrap();
    doc["profile"] = profile.into();
    let swapped = plant(
        env,
        "role-0123456789abcdef0123456789abcdef.json",
        &doc.to_string(),
    );
    let mut older = doc.clone();
    older["version"] = 1.into();
    older.as_object_mut().unwrap().remove("key");
    let older = plant(
        env,
        "session-00000000000000000000000000000001.json",
        &older.to_string(),
    );
    let loose = plant(
        env,
        "direct-00000000000000000000000000000002.json",
        &doc.to_string(),
    );
    std::fs::set_permissions(&loose, std::fs::Permissions::from_mode(0o644)).unwrap();
    let corrupt = plant(
        env,
        "role-00000000000000000000000000000003.json",
        "{\"secret_access_key\": \"FAKESECRET9x/+abc\", \"profile\": ",
    );
    vec![swapped, older, loose, corrupt]
}

#[test]
fn clear_all_forgets_entries_it_cannot_trust_and_counts_them() {
    let fake = FakeSts::start();
    let env = TestEnv::new().sts(&fake);
    env.run(&["env", "--shell", "bash", "-t", CODE])
        .assert_success();
    let sound = env.cache_dir().join(&entry_names(&env)[0]);
    let untrusted = plant_untrusted(&env, &sound, "default");
    let out = env.run(&["clear", "--all"]);
    out.assert_success();
    assert_eq!(
        out.stderr,
        "aws-mfa: forgot 5 cached session(s) of all profiles\n"
    );
    assert_eq!(entry_names(&env), Vec::<String>::new(), "nothing left");
    for path in untrusted {
        assert!(!path.exists(), "{} removed", path.display());
        assert!(!path.with_extension("lock").exists());
    }
}

#[test]
fn clear_of_a_profile_forgets_its_untrusted_entries_and_leaves_the_others() {
    let fake = FakeSts::start();
    let env = TestEnv::new().sts(&fake);
    env.run(&["env", "--shell", "bash", "-t", CODE])
        .assert_success();
    let sound = env.cache_dir().join(&entry_names(&env)[0]);
    let someone_else = plant_untrusted(&env, &sound, "other")
        .into_iter()
        .map(|p| {
            let renamed = p.with_file_name(format!(
                "role-ffff{}",
                &p.file_name().unwrap().to_string_lossy()[9..]
            ));
            std::fs::rename(&p, &renamed).unwrap();
            renamed
        })
        .collect::<Vec<_>>();
    let untrusted = plant_untrusted(&env, &sound, "default");

    let out = env.run(&["clear"]);
    out.assert_success();
    // The sound entry and three untrusted ones name 'default'; the corrupt one names nobody.
    assert_eq!(
        out.stderr,
        "aws-mfa: forgot 4 cached session(s) of profile 'default'\n"
    );
    assert!(!sound.exists());
    for path in &untrusted[..3] {
        assert!(!path.exists(), "{} removed", path.display());
    }
    for path in untrusted[3..].iter().chain(&someone_else) {
        assert!(
            path.exists(),
            "{} is not said to be default's",
            path.display()
        );
    }
}

#[test]
fn remove_forgets_the_profiles_untrusted_entries_and_says_its_name_escaped() {
    let fake = FakeSts::start();
    let config =
        "[profile work]\nmfa_serial = arn:aws:iam::123456789012:mfa/tester\nregion = eu-west-1\n";
    let mut env = TestEnv::with_files(config, "").sts(&fake);
    let Some(keyring) = Keyring::start(&mut env) else {
        return;
    };
    fake.knows(
        "AKIAKEYCHAINTEST0001",
        "KEYCHAINSECRET/never+in+a+file/000000001",
    );
    let add = env.output(
        env.command(BIN)
            .args(["add", "work", "--from-env"])
            .env("AWS_ACCESS_KEY_ID", "AKIAKEYCHAINTEST0001")
            .env(
                "AWS_SECRET_ACCESS_KEY",
                "KEYCHAINSECRET/never+in+a+file/000000001",
            ),
    );
    add.assert_success();
    env.run(&["env", "-p", "work", "--shell", "bash", "-t", CODE])
        .assert_success();
    let sound = env.cache_dir().join(&entry_names(&env)[0]);
    let untrusted = plant_untrusted(&env, &sound, "work");

    let out = env.run(&["remove", "work"]);
    out.assert_success();
    assert_eq!(
        out.stderr,
        "aws-mfa: removed the keys of profile 'work' from the Secret Service keychain; forgot 4 cached session(s)\n"
    );
    for path in &untrusted[..3] {
        assert!(!path.exists(), "{} removed", path.display());
    }

    // A name another program filed under aws-mfa's service: shown escaped, never raw.
    let name = "evil\u{1b}]0;pwned\u{7}\u{1b}[2J";
    keyring.store(
        &env,
        name,
        r#"{"AccessKeyId":"AKIAKEYCHAINTEST0002","SecretAccessKey":"x"}"#,
    );
    let out = env.run(&["remove", name]);
    out.assert_success();
    assert!(!out.stderr.contains('\u{1b}'), "{:?}", out.stderr);
    assert!(
        out.stderr
            .contains("removed the keys of profile 'evil\\x1b]0;pwned\\x07\\x1b[2J'"),
        "{:?}",
        out.stderr
    );
    assert_eq!(keyring.lookup(&env, name), None);
}
