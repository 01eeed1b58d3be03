//! `aws-mfa env`: what a shell holds after evaluating the output.

use std::collections::BTreeMap;
use std::time::{Duration, SystemTime};

use crate::support::peers::require;
use crate::support::*;

/// Runs `script` in real bash (strict mode) and returns the environment it ends with.
fn bash_env(env: &TestEnv, script: &str) -> BTreeMap<String, String> {
    let bash = require("bash").expect("bash is part of every test machine");
    let out = env.shell(&bash, &["-euo", "pipefail"], &format!("{script}\nenv -0"));
    out.assert_success();
    parse_env0(&out.stdout)
}

#[track_caller]
fn assert_session(
    fake: &FakeSts,
    vars: &BTreeMap<String, String>,
    profile: &str,
    region: Option<&str>,
) {
    assert_eq!(assert_issued_vars(fake, vars), fake.keys(1));
    assert_eq!(
        vars["AWS_CREDENTIAL_EXPIRATION"],
        humantime::format_rfc3339_seconds(fake.issued()[0].expiration).to_string(),
        "STS's expiry, to the second"
    );
    let expiry = humantime::parse_rfc3339(&vars["AWS_CREDENTIAL_EXPIRATION"])
        .expect("AWS_CREDENTIAL_EXPIRATION is RFC 3339");
    assert!(vars["AWS_CREDENTIAL_EXPIRATION"].ends_with('Z'));
    assert!(expiry > SystemTime::now() + Duration::from_secs(3600));
    assert_eq!(vars.get("AWS_REGION").map(String::as_str), region);
    assert_eq!(vars.get("AWS_DEFAULT_REGION").map(String::as_str), region);
    assert_eq!(vars["AWS_MFA_PROFILE"], profile);
    for removed in [
        "AWS_PROFILE",
        "AWS_DEFAULT_PROFILE",
        "AWS_SECURITY_TOKEN",
        "AWS_ACCOUNT_ID",
    ] {
        assert!(!vars.contains_key(removed), "{removed} must be removed");
    }
}

#[test]
fn eval_in_bash_holds_the_session_and_drops_the_profile_variables() {
    let fake = FakeSts::start();
    fake.region("eu-west-1");
    let env = TestEnv::new().sts(&fake);
    let vars = bash_env(
        &env,
        r#"export AWS_PROFILE=default AWS_DEFAULT_PROFILE=x AWS_SECURITY_TOKEN=old AWS_ACCOUNT_ID=111
out=$("$AWS_MFA" env --shell bash -t 314159) || exit 9
eval "$out" || exit 8"#,
    );
    assert_session(&fake, &vars, "default", Some("eu-west-1"));

    let calls = fake.mints();
    assert_eq!(calls.len(), 1, "{calls:?}");
    let call = &calls[0];
    assert_eq!(call.action, "GetSessionToken");
    assert_eq!(
        call.signed_with,
        Some(long_term()),
        "signed with the profile's long-term keys"
    );
    assert_eq!(call.region, "eu-west-1", "for the profile's region");
    assert!(!call.with_session_token);
    assert_eq!(call.param("SerialNumber"), Some(SERIAL));
    assert_eq!(call.param("TokenCode"), Some(CODE));
    assert_eq!(call.param("DurationSeconds"), Some("43200"));
}

#[test]
fn every_shell_writer_is_understood_by_its_shell() {
    let fake = FakeSts::start();
    let env = TestEnv::new().sts(&fake);
    let scripts = [
        (
            "bash",
            "bash",
            r#"out=$("$AWS_MFA" env --shell bash -t 314159) || exit 9; eval "$out" || exit 8; env -0"#,
        ),
        (
            "zsh",
            "zsh",
            r#"out=$("$AWS_MFA" env --shell zsh -t 314159) || exit 9; eval "$out" || exit 8; env -0"#,
        ),
        (
            "dash",
            "sh",
            r#"out=$("$AWS_MFA" env --shell sh -t 314159) || exit 9; eval "$out" || exit 8; env -0"#,
        ),
        (
            "fish",
            "fish",
            r#""$AWS_MFA" env --shell fish -t 314159 | source; test "$pipestatus" = "0 0"; or exit 9; env -0"#,
        ),
    ];
    for (program, shell, script) in scripts {
        let Some(path) = require(program) else {
            continue;
        };
        let flags: &[&str] = if program == "fish" {
            &["--no-config"]
        } else {
            &[]
        };
        let out = env.shell(&path, flags, script);
        out.assert_success();
        assert_eq!(out.stderr, "", "{shell}: evaluating prints nothing");
        assert_session(
            &fake,
            &parse_env0(&out.stdout),
            "default",
            Some("eu-west-1"),
        );
    }
}

#[test]
fn powershell_output_sets_and_removes_every_variable_in_order() {
    let fake = FakeSts::start();
    let env = TestEnv::new().sts(&fake);
    let out = env.run(&["env", "--shell", "powershell", "-t", CODE]);
    out.assert_success();
    assert!(out.stdout.is_ascii());
    let names: Vec<&str> = out
        .stdout
        .lines()
        .map(|line| {
            line.strip_prefix("$Env:")
                .and_then(|rest| rest.split(" = '").next())
                .or_else(|| {
                    line.strip_prefix("Remove-Item -LiteralPath Env:")
                        .and_then(|rest| rest.strip_suffix(" -ErrorAction SilentlyContinue"))
                })
                .unwrap_or_else(|| panic!("not a PowerShell statement: {line}"))
        })
        .collect();
    assert_eq!(names, SESSION_VARIABLES);
}

#[test]
fn a_session_already_in_the_environment_never_signs_the_next_one() {
    let fake = FakeSts::start();
    let mut env = TestEnv::new().sts(&fake);
    env.set("AWS_ACCESS_KEY_ID", "ASIAOLDSESSION000001")
        .set("AWS_SECRET_ACCESS_KEY", "old-session-secret")
        .set("AWS_SESSION_TOKEN", "old-session-token")
        .set("AWS_MFA_PROFILE", "default");
    env.run(&["env", "--shell", "bash", "-t", CODE])
        .assert_success();
    assert_eq!(fake.calls()[0].signed_with, Some(long_term()));
}

#[test]
fn long_term_keys_in_the_environment_serve_when_no_profile_has_keys() {
    let fake = FakeSts::start();
    fake.knows("AKIAENVIRONMENT00001", "environment-secret");
    let mut env = TestEnv::with_files("", "").sts(&fake);
    env.set("AWS_ACCESS_KEY_ID", "AKIAENVIRONMENT00001")
        .set("AWS_SECRET_ACCESS_KEY", "environment-secret");
    let out = env.run(&["env", "--shell", "bash", "-t", CODE, "--mfa-serial", SERIAL]);
    out.assert_success();
    assert_eq!(
        fake.calls()[0].signed_with,
        Some(Keys::long_term(
            "AKIAENVIRONMENT00001",
            "environment-secret"
        ))
    );
    // No region anywhere: the region variables are left as they are.
    assert!(!out.stdout.contains("AWS_REGION"), "{}", out.stdout);
}

#[test]
fn the_profile_comes_from_the_flag_then_aws_profile_then_the_held_session() {
    let fake = FakeSts::start();
    let config = "[profile work]\nmfa_serial = arn:aws:iam::222222222222:mfa/work\nregion = us-west-2\n[profile home]\nmfa_serial = arn:aws:iam::333333333333:mfa/home\n";
    let credentials = "[work]\naws_access_key_id = AKIAWORK000000000001\naws_secret_access_key = work-secret\n[home]\naws_access_key_id = AKIAHOME000000000001\naws_secret_access_key = home-secret\n";
    fake.knows("AKIAWORK000000000001", "work-secret")
        .knows("AKIAHOME000000000001", "home-secret");
    let mut env = TestEnv::with_files(config, credentials).sts(&fake);
    env.set("AWS_MFA_PROFILE", "home");
    env.run(&["env", "--shell", "sh", "-t", CODE])
        .assert_success();
    env.set("AWS_PROFILE", "work");
    let out = env.run(&["env", "--shell", "sh", "-t", CODE]);
    out.assert_success();
    assert!(out.stdout.contains("export AWS_MFA_PROFILE='work';"));
    assert!(out.stdout.contains("export AWS_REGION='us-west-2';"));
    env.run(&[
        "env",
        "--shell",
        "sh",
        "-t",
        CODE2,
        "-p",
        "home",
        "-r",
        "ap-south-1",
        "--refresh",
    ])
    .assert_success();
    let signers: Vec<Option<Keys>> = fake.mints().into_iter().map(|c| c.signed_with).collect();
    let (home, work) = (
        Some(Keys::long_term("AKIAHOME000000000001", "home-secret")),
        Some(Keys::long_term("AKIAWORK000000000001", "work-secret")),
    );
    assert_eq!(signers, [home.clone(), work, home]);
    // Each signed for its profile's region, or the one `-r` names.
    let regions: Vec<String> = fake.mints().into_iter().map(|c| c.region).collect();
    assert_eq!(regions[1..], ["us-west-2", "ap-south-1"]);
}

#[test]
fn duration_comes_from_the_flag_or_the_profile() {
    let fake = FakeSts::start();
    let config = format!("{DEFAULT_CONFIG}duration_seconds = 7200\n");
    let env = TestEnv::with_files(&config, DEFAULT_CREDENTIALS).sts(&fake);
    env.run(&["env", "--shell", "bash", "-t", CODE])
        .assert_success();
    env.run(&[
        "env",
        "--shell",
        "bash",
        "-t",
        CODE2,
        "-d",
        "15m",
        "--no-cache",
    ])
    .assert_success();
    env.run(&[
        "env",
        "--shell",
        "bash",
        "-t",
        CODE3,
        "-d",
        "129600",
        "--no-cache",
    ])
    .assert_success();
    let durations: Vec<String> = fake
        .mints()
        .iter()
        .map(|c| c.param("DurationSeconds").unwrap().to_owned())
        .collect();
    assert_eq!(durations, ["7200", "900", "129600"]);
}

#[test]
fn a_shorter_session_than_asked_is_reported() {
    let fake = FakeSts::start();
    fake.lifetime(Duration::from_secs(3600));
    let env = TestEnv::new().sts(&fake);
    let out = env.run(&["env", "--shell", "bash", "-t", CODE]);
    out.assert_success();
    assert!(
        out.stderr
            .contains("STS granted a session of 1h instead of the 12h asked for"),
        "{}",
        out.stderr
    );
}
