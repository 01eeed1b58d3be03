//! Role profiles: one MFA prompt for every role, role credentials cached and re-minted,
//! the role-chaining limit, `--no-session`, and `credential-process`.

use std::time::Duration;

use crate::support::*;

/// ROLE_CONFIG and a role with its own options, and one chained from `admin`.
fn roles_config() -> String {
    format!(
        "{ROLE_CONFIG}
[profile readonly]
role_arn = arn:aws:iam::222222222222:role/readonly
source_profile = default
external_id = ext-123
role_session_name = me-readonly
region = us-east-2

[profile deep]
role_arn = arn:aws:iam::333333333333:role/deep
source_profile = admin
duration_seconds = 7200
"
    )
}

fn roles_env(fake: &FakeSts) -> TestEnv {
    TestEnv::with_files(&roles_config(), DEFAULT_CREDENTIALS).sts(fake)
}

fn env_for(env: &TestEnv, profile: &str, extra: &[&str]) -> Outcome {
    let mut args = vec!["env", "--shell", "bash", "-p", profile];
    args.extend_from_slice(extra);
    env.run(&args)
}

#[test]
fn one_prompt_covers_every_role_and_each_role_is_assumed_from_the_session() {
    let fake = FakeSts::start();
    let env = roles_env(&fake);
    env_for(&env, "admin", &["-t", CODE]).assert_success();
    // No code and no terminal from here on: only the cached session can serve.
    let readonly = env_for(&env, "readonly", &[]);
    readonly.assert_success();
    assert!(readonly.stdout.contains("export AWS_REGION='us-east-2';"));
    assert!(
        readonly
            .stdout
            .contains("export AWS_MFA_PROFILE='readonly';")
    );
    let deep = env_for(&env, "deep", &[]);
    deep.assert_success();
    assert!(
        deep.stderr.contains("role 'deep' gets 1h, not 2h") && deep.stderr.contains("--no-session"),
        "{}",
        deep.stderr
    );

    let calls = fake.mints();
    let actions: Vec<&str> = calls.iter().map(|c| c.action.as_str()).collect();
    assert_eq!(
        actions,
        ["GetSessionToken", "AssumeRole", "AssumeRole", "AssumeRole"]
    );
    assert_eq!(calls[0].signed_with, Some(long_term()));
    let (admin, readonly, deep) = (&calls[1], &calls[2], &calls[3]);
    for call in [admin, readonly] {
        assert_eq!(
            call.signed_with,
            Some(fake.keys(1)),
            "signed with the MFA session (its key, secret and token)"
        );
        assert!(call.with_session_token);
        assert_eq!(
            call.param("TokenCode"),
            None,
            "the session already carries MFA"
        );
    }
    assert_eq!(
        admin.param("RoleArn"),
        Some("arn:aws:iam::111111111111:role/admin")
    );
    // `aws-mfa-USER` (the tests run without USER: `user`).
    assert_eq!(admin.param("RoleSessionName"), Some("aws-mfa-user"));
    assert_eq!(admin.param("DurationSeconds"), Some("3600"));
    assert_eq!(readonly.param("ExternalId"), Some("ext-123"));
    assert_eq!(readonly.param("RoleSessionName"), Some("me-readonly"));
    // The chained role is assumed with the admin role's credentials, for one hour.
    assert_eq!(
        deep.param("RoleArn"),
        Some("arn:aws:iam::333333333333:role/deep")
    );
    assert_eq!(deep.signed_with, Some(fake.keys(2)), "the admin role's set");
    assert_eq!(deep.param("DurationSeconds"), Some("3600"));

    // A second round is served from the cache entirely.
    for profile in ["admin", "readonly", "deep"] {
        env_for(&env, profile, &[]).assert_success();
    }
    assert_eq!(fake.mints().len(), 4);

    let status = env.run(&["status"]);
    status.assert_success();
    for (profile, identity) in [
        ("default", "arn:aws:iam::123456789012:user/tester"),
        ("admin", "arn:aws:iam::111111111111:role/admin"),
        ("readonly", "arn:aws:iam::222222222222:role/readonly"),
        ("deep", "arn:aws:iam::333333333333:role/deep"),
    ] {
        assert!(
            status
                .stdout
                .lines()
                .any(|l| l.starts_with(profile) && l.contains(identity)),
            "status lists {profile}: {}",
            status.stdout
        );
    }
    assert_no_secrets(&status.stdout);
}

#[test]
fn role_credentials_near_expiry_are_reminted_silently() {
    let fake = FakeSts::start();
    fake.lifetime(Duration::from_secs(14 * 60));
    let env = roles_env(&fake);
    env_for(&env, "admin", &["-t", CODE]).assert_success();
    // Credentials of an hour and more, near their end.
    entries_granted(&env, Duration::from_secs(3600));
    let again = env_for(&env, "admin", &[]);
    again.assert_success();
    // Silently: no prompt, no warning; only the note that STS granted less than asked.
    assert!(
        again
            .stderr
            .lines()
            .all(|l| l.starts_with("aws-mfa: note: STS granted a session of 14m")),
        "{}",
        again.stderr
    );
    let third = fake.keys(3);
    assert!(
        again.stdout.contains(&format!(
            "export AWS_ACCESS_KEY_ID='{}';",
            third.access_key_id
        )) && again.stdout.contains(&format!(
            "export AWS_SESSION_TOKEN='{}';",
            third.session_token.as_deref().unwrap()
        )),
        "re-minted"
    );
    assert_eq!(
        fake.mints()[2].signed_with,
        Some(fake.keys(1)),
        "from the MFA session"
    );
    assert_eq!(
        fake.count("GetSessionToken"),
        1,
        "no new prompt, no new session"
    );
    assert_eq!(fake.count("AssumeRole"), 2);
}

#[test]
fn no_session_assumes_the_role_with_the_code_for_longer() {
    let fake = FakeSts::start();
    let env = roles_env(&fake);
    let out = env_for(&env, "admin", &["-t", CODE, "--no-session", "-d", "2h"]);
    out.assert_success();
    assert!(!out.stderr.contains("gets 1h"), "{}", out.stderr);
    let calls = fake.calls();
    assert_eq!(calls.len(), 1, "no GetSessionToken: {calls:?}");
    let call = &calls[0];
    assert_eq!(call.action, "AssumeRole");
    assert_eq!(
        call.signed_with,
        Some(long_term()),
        "signed with the long-term keys"
    );
    assert!(!call.with_session_token);
    assert_eq!(call.param("SerialNumber"), Some(SERIAL));
    assert_eq!(call.param("TokenCode"), Some(CODE));
    assert_eq!(call.param("DurationSeconds"), Some("7200"));
    // Cached on its own: the next run needs no code.
    env_for(&env, "admin", &["--no-session", "-d", "2h"]).assert_success();
    assert_eq!(fake.calls().len(), 1);
}

#[test]
fn a_longer_role_duration_is_capped_to_an_hour_with_a_notice() {
    let fake = FakeSts::start();
    let env = roles_env(&fake);
    let out = env_for(&env, "admin", &["-t", CODE, "-d", "3h"]);
    out.assert_success();
    assert!(
        out.stderr.contains("role 'admin' gets 1h, not 3h"),
        "{}",
        out.stderr
    );
    assert_eq!(fake.mints()[1].param("DurationSeconds"), Some("3600"));
    assert_eq!(
        fake.calls()[0].param("DurationSeconds"),
        Some("43200"),
        "-d is the role's length, not the MFA session's"
    );
}

#[test]
fn credential_process_hands_out_json_with_at_least_fifteen_minutes() {
    let fake = FakeSts::start();
    fake.lifetime(Duration::from_secs(10 * 60));
    let env = TestEnv::new().sts(&fake);
    let out = env.run(&["credential-process", "-t", CODE]);
    out.assert_success();
    let doc: serde_json::Value = serde_json::from_str(&out.stdout).expect("JSON");
    assert_eq!(doc["Version"], 1);
    let (first, _) = assert_fake_credentials(&fake, &doc, "SessionToken");
    assert_eq!(first, fake.keys(1));
    // A twelve-hour session near its end.
    entries_granted(&env, Duration::from_secs(12 * 3600));
    // Ten minutes left: fine for a shell (more than 5), not for an SDK (15): a code makes a
    // new session. With none to be had (no terminal), the SDK still gets the old one.
    env.run(&["env", "--shell", "bash"]).assert_success();
    let out = env.run(&["credential-process"]);
    out.assert_success();
    assert!(
        out.stderr
            .contains("handing out the cached one, which runs out in"),
        "{}",
        out.stderr
    );
    let doc: serde_json::Value = serde_json::from_str(&out.stdout).expect("JSON");
    assert_eq!(
        assert_fake_credentials(&fake, &doc, "SessionToken").0,
        first
    );
    assert_eq!(fake.count("GetSessionToken"), 1);
    env.run(&["credential-process", "-t", CODE2])
        .assert_success();
    assert_eq!(fake.count("GetSessionToken"), 2);
}

/// The AWS CLI does not take a role profile's region from its source profile: neither do
/// we. `admin` names none, so none is exported (the source's eu-west-1 is not).
#[test]
fn a_role_profile_without_a_region_does_not_inherit_its_sources() {
    let fake = FakeSts::start();
    let env = roles_env(&fake);
    let admin = env_for(&env, "admin", &["-t", CODE]);
    admin.assert_success();
    assert!(!admin.stdout.contains("AWS_REGION"), "{}", admin.stdout);
    assert!(
        !admin.stdout.contains("AWS_DEFAULT_REGION"),
        "{}",
        admin.stdout
    );
    // Its own region, or -r, still is.
    let readonly = env_for(&env, "readonly", &[]);
    assert!(readonly.stdout.contains("export AWS_REGION='us-east-2';"));
    let flagged = env_for(&env, "admin", &["-r", "ap-south-1"]);
    assert!(flagged.stdout.contains("export AWS_REGION='ap-south-1';"));
}

/// The default session name is `aws-mfa-USER` in the characters AWS allows, 64 at most:
/// the fake refuses any other, as STS does.
#[test]
fn an_odd_or_long_user_name_makes_a_valid_session_name() {
    let long_user = "u".repeat(70);
    for (user, expected) in [
        ("José O'Brien (ops)/x", "aws-mfa-JosOBrienopsx".to_owned()),
        (long_user.as_str(), format!("aws-mfa-{}", "u".repeat(56))),
    ] {
        let fake = FakeSts::start();
        let mut env = roles_env(&fake);
        env.set("USER", user);
        env_for(&env, "admin", &["-t", CODE]).assert_success();
        let role = &fake.mints()[1];
        assert_eq!(role.refused, None);
        assert_eq!(role.param("RoleSessionName"), Some(expected.as_str()));
        assert!(expected.len() <= 64);
    }
}

#[test]
fn a_session_sts_no_longer_takes_is_mended_with_refresh_not_the_credentials_file() {
    let fake = FakeSts::start();
    let env = roles_env(&fake);
    env_for(&env, "admin", &["-t", CODE]).assert_success();
    // The key that made the session was deleted: STS refuses the session's token.
    fake.then_for(
        "AssumeRole",
        Reply::Error {
            status: 403,
            code: "InvalidClientTokenId",
            message: "The security token included in the request is invalid.",
        },
    );
    let out = env_for(&env, "readonly", &[]);
    out.assert_failure("AssumeRole failed: InvalidClientTokenId")
        .assert_failure("run again with --refresh for a new one");
    assert!(
        !out.stderr.contains("aws_access_key_id"),
        "the file is not at fault: {}",
        out.stderr
    );
}
