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
fn assert_session(vars: &BTreeMap<String, String>, profile: &str, region: Option<&str>) {
    assert!(
        vars["AWS_ACCESS_KEY_ID"].starts_with("ASIAFAKE"),
        "{vars:?}"
    );
    assert!(vars["AWS_SECRET_ACCESS_KEY"].starts_with(fake_sts::SECRET_MARK));
    assert!(vars["AWS_SESSION_TOKEN"].starts_with(fake_sts::TOKEN_MARK));
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
    let env = TestEnv::new().sts(&fake);
    let vars = bash_env(
        &env,
        r#"export AWS_PROFILE=default AWS_DEFAULT_PROFILE=x AWS_SECURITY_TOKEN=old AWS_ACCOUNT_ID=111
eval "$("$AWS_MFA" env --shell bash -t 314159)""#,
    );
    assert_session(&vars, "default", Some("eu-west-1"));

    let calls = fake.mints();
    assert_eq!(calls.len(), 1, "{calls:?}");
    let call = &calls[0];
    assert_eq!(call.action, "GetSessionToken");
    assert_eq!(
        call.signer, ACCESS_KEY,
        "signed with the profile's long-term key"
    );
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
            r#"eval "$("$AWS_MFA" env --shell bash -t 314159)"; env -0"#,
        ),
        (
            "zsh",
            "zsh",
            r#"eval "$("$AWS_MFA" env --shell zsh -t 314159)"; env -0"#,
        ),
        (
            "dash",
            "sh",
            r#"eval "$("$AWS_MFA" env --shell sh -t 314159)"; env -0"#,
        ),
        (
            "fish",
            "fish",
            r#""$AWS_MFA" env --shell fish -t 314159 | source; env -0"#,
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
        assert_session(&parse_env0(&out.stdout), "default", Some("eu-west-1"));
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
    assert_eq!(fake.calls()[0].signer, ACCESS_KEY);
}

#[test]
fn long_term_keys_in_the_environment_serve_when_no_profile_has_keys() {
    let fake = FakeSts::start();
    let mut env = TestEnv::with_files("", "").sts(&fake);
    env.set("AWS_ACCESS_KEY_ID", "AKIAENVIRONMENT00001")
        .set("AWS_SECRET_ACCESS_KEY", "environment-secret");
    let out = env.run(&["env", "--shell", "bash", "-t", CODE, "--mfa-serial", SERIAL]);
    out.assert_success();
    assert_eq!(fake.calls()[0].signer, "AKIAENVIRONMENT00001");
    // No region anywhere: the region variables are left as they are.
    assert!(!out.stdout.contains("AWS_REGION"), "{}", out.stdout);
}

#[test]
fn the_profile_comes_from_the_flag_then_aws_profile_then_the_held_session() {
    let fake = FakeSts::start();
    let config = "[profile work]\nmfa_serial = arn:aws:iam::222222222222:mfa/work\nregion = us-west-2\n[profile home]\nmfa_serial = arn:aws:iam::333333333333:mfa/home\n";
    let credentials = "[work]\naws_access_key_id = AKIAWORK000000000001\naws_secret_access_key = work-secret\n[home]\naws_access_key_id = AKIAHOME000000000001\naws_secret_access_key = home-secret\n";
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
    let signers: Vec<String> = fake.mints().into_iter().map(|c| c.signer).collect();
    assert_eq!(
        signers,
        [
            "AKIAHOME000000000001",
            "AKIAWORK000000000001",
            "AKIAHOME000000000001"
        ]
    );
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
