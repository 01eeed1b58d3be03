//! `aws-mfa doctor`: one line per check, the fix beside each problem, non-zero when
//! something blocks getting a session.

use crate::support::*;

fn doctor(env: &TestEnv, args: &[&str]) -> Outcome {
    let mut all = vec!["doctor"];
    all.extend_from_slice(args);
    let out = env.run(&all);
    assert_no_secrets(&out.stdout);
    assert!(!out.stdout.contains(ACCESS_KEY), "the key id is shortened");
    out
}

#[test]
fn a_sound_setup_is_all_ticks() {
    let fake = FakeSts::start();
    let env = TestEnv::new().sts(&fake);
    let out = doctor(&env, &[]);
    out.assert_success();
    let lines: Vec<&str> = out.stdout.lines().collect();
    for expected in [
        "✓ profile 'default' resolves; long-term key AKIA…0001 in profile 'default'",
        "✓ region eu-west-1",
        "✓ STS accepts the keys: arn:aws:iam::123456789012:user/tester",
        &format!("✓ MFA device {SERIAL}"),
        "- no cached MFA session: the next run asks for a code",
    ] {
        assert!(
            lines.contains(&expected),
            "missing {expected:?} in:\n{}",
            out.stdout
        );
    }
    assert!(
        out.stdout
            .contains("✓ this clock is within a minute of STS's")
    );
    assert!(!out.stdout.contains('✗'), "{}", out.stdout);
    assert_eq!(
        fake.count("GetSessionToken"),
        0,
        "doctor asks for no session"
    );

    env.run(&["env", "--shell", "bash", "-t", CODE])
        .assert_success();
    let out = doctor(&env, &[]);
    assert!(
        out.stdout.contains("✓ cached MFA session, 11h59m left"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout.contains("is private and writable"),
        "{}",
        out.stdout
    );
}

#[test]
fn what_blocks_use_is_crossed_with_the_fix_and_fails() {
    let fake = FakeSts::start();
    let env = TestEnv::new().sts(&fake);
    let out = doctor(&env, &["-p", "nope"]);
    assert_eq!(out.code, Some(1));
    assert!(
        out.stdout.contains("✗ unknown profile 'nope'"),
        "{}",
        out.stdout
    );
    assert!(out.stdout.contains("    fix: known profiles: default"));

    let temporary = "[default]\naws_access_key_id = ASIATEMPORARY0000001\naws_secret_access_key = x\naws_session_token = y\n";
    let env = TestEnv::with_files(DEFAULT_CONFIG, temporary).sts(&fake);
    let out = doctor(&env, &[]);
    assert_eq!(out.code, Some(1));
    assert!(
        out.stdout
            .contains("✗ cannot start a session from temporary keys")
    );

    fake.then(Reply::Error {
        status: 403,
        code: "InvalidClientTokenId",
        message: "The security token included in the request is invalid.",
    });
    let env = TestEnv::new().sts(&fake);
    let out = doctor(&env, &[]);
    assert_eq!(out.code, Some(1));
    assert!(
        out.stdout
            .contains("✗ GetCallerIdentity failed: InvalidClientTokenId")
    );
    assert!(out.stdout.contains("fix: the access key is not valid"));
}

#[test]
fn a_device_is_found_when_none_is_configured() {
    let fake = FakeSts::start();
    fake.mfa_devices(&["arn:aws:iam::123456789012:mfa/phone"]);
    let env =
        TestEnv::with_files("[default]\nregion = eu-west-1\n", DEFAULT_CREDENTIALS).sts(&fake);
    let out = doctor(&env, &[]);
    out.assert_success();
    assert!(out.stdout.contains(
        "✓ MFA device arn:aws:iam::123456789012:mfa/phone, found with ListMFADevices (add 'mfa_serial = arn:aws:iam::123456789012:mfa/phone' under profile 'default'"
    ), "{}", out.stdout);
    // Getting a session prints the config line and keeps the device; a diagnosis does not.
    assert!(!out.stderr.contains("mfa_serial = "), "{}", out.stderr);
    assert!(!env.cache_dir().exists(), "doctor made the cache directory");
    let looked_up = |calls: &[crate::support::fake_sts::Call]| {
        calls
            .iter()
            .filter(|c| c.action == "ListMFADevices")
            .count()
    };
    let before = looked_up(&fake.calls());
    env.run(&["env", "--shell", "bash", "-t", CODE])
        .assert_success();
    assert_eq!(
        looked_up(&fake.calls()),
        before + 1,
        "doctor kept the device: env did not look it up"
    );

    let fake = FakeSts::start();
    let env = TestEnv::with_files("[default]\n", DEFAULT_CREDENTIALS).sts(&fake);
    let out = doctor(&env, &[]);
    assert_eq!(out.code, Some(1));
    assert!(
        out.stdout
            .contains("✗ no mfa_serial is set, and IAM lists no TOTP device")
    );
    assert!(out.stdout.contains("✗ profile 'default' names no region"));
}

#[test]
fn a_skewed_clock_is_reported() {
    let fake = FakeSts::start();
    fake.clock_offset(600);
    let env = TestEnv::new().sts(&fake);
    let out = doctor(&env, &[]);
    out.assert_success();
    assert!(out.stdout.contains("s behind STS's"), "{}", out.stdout);
    assert!(
        out.stdout
            .contains("fix: turn on time synchronisation (NTP)")
    );

    fake.clock_offset(-3600);
    let out = doctor(&env, &[]);
    assert_eq!(out.code, Some(1), "an hour off: AWS refuses the signatures");
    assert!(out.stdout.contains("s ahead of STS's"), "{}", out.stdout);
}

#[test]
fn settings_that_shadow_the_session_are_named() {
    let fake = FakeSts::start();
    let mut env = TestEnv::new().sts(&fake);
    let fish = env.home().join(".config/fish");
    std::fs::create_dir_all(&fish).unwrap();
    std::fs::write(
        fish.join("fish_variables"),
        "# This file contains fish universal variable definitions.\nSETUVAR --export AWS_PROFILE:work\n",
    )
    .unwrap();
    env.set("AWS_PROFILE", "default");
    std::fs::create_dir_all(env.cache_dir()).unwrap();
    std::fs::set_permissions(
        env.cache_dir(),
        std::os::unix::fs::PermissionsExt::from_mode(0o755),
    )
    .unwrap();
    let out = doctor(&env, &[]);
    out.assert_success();
    for expected in [
        "✗ AWS_PROFILE is set",
        "fix: unset AWS_PROFILE",
        "✗ fish has a universal AWS_PROFILE",
        "fix: in fish: set -e -U AWS_PROFILE",
        "others can enter it (mode 755)",
    ] {
        assert!(
            out.stdout.contains(expected),
            "missing {expected:?}:\n{}",
            out.stdout
        );
    }
}
