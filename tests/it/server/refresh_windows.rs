//! Credentials shorter than the SDKs' refresh windows: a 900-second MFA session serves the
//! child for its whole life, and a 900-second role costs a bounded number of AssumeRole
//! calls (not one per API call), under `--server` and through `credential_process`.

use std::time::{Duration, SystemTime};

use crate::support::peers::{require, require_python_module};
use crate::support::server::{Served, parse_credentials};
use crate::support::*;

/// ROLE_CONFIG with `admin`'s credentials lasting 900 seconds.
fn short_role_config() -> String {
    format!("{ROLE_CONFIG}duration_seconds = 900\n")
}

/// boto3 makes N calls; prints where its credentials came from.
const BOTO3_CALLS: &str = r#"
import boto3, sys
session = boto3.Session(profile_name=sys.argv[2] or None)
sts = session.client("sts")
for _ in range(int(sys.argv[1])):
    sts.get_caller_identity()
print(session.get_credentials().method)
"#;

/// boto3's 50 calls all reached the fake (aws-mfa's own identity lookups aside), and one
/// AssumeRole served them all (`why`: what answered the rest).
#[track_caller]
fn assert_50_calls_cost_one_assume_role(fake: &FakeSts, why: &str) {
    assert_eq!(
        fake.mints()
            .iter()
            .filter(|c| c.action == "GetCallerIdentity")
            .count(),
        50
    );
    assert_eq!(fake.count("AssumeRole"), 1, "{why}");
}

#[test]
fn a_15_minute_role_costs_one_assume_role_for_50_boto3_calls_under_server() {
    let Some(_python) = require_python_module("boto3") else {
        return;
    };
    let fake = FakeSts::start();
    let env = TestEnv::with_files(&short_role_config(), DEFAULT_CREDENTIALS).sts(&fake);
    let out = env.run(&[
        "exec",
        "--server",
        "-p",
        "admin",
        "-t",
        CODE,
        "--",
        "python3",
        "-c",
        BOTO3_CALLS,
        "50",
        "",
    ]);
    out.assert_success();
    assert_eq!(out.stdout.trim(), "container-role");
    assert_50_calls_cost_one_assume_role(
        &fake,
        "botocore asks on every call (900 s is inside its 15 minutes); the cache answers",
    );
}

#[test]
fn a_15_minute_role_costs_one_assume_role_for_50_boto3_calls_through_credential_process() {
    let Some(_python) = require_python_module("boto3") else {
        return;
    };
    let fake = FakeSts::start();
    let config = format!(
        "{}
[profile via-process]
region = eu-west-1
credential_process = {BIN} credential-process --profile admin
",
        short_role_config()
    );
    let env = TestEnv::with_files(&config, DEFAULT_CREDENTIALS).sts(&fake);
    env.run(&["env", "--shell", "bash", "-t", CODE])
        .assert_success();
    let out = env.output(
        env.command("python3")
            .args(["-c", BOTO3_CALLS, "50", "via-process"]),
    );
    out.assert_success();
    assert_eq!(out.stdout.trim(), "custom-process");
    assert_50_calls_cost_one_assume_role(&fake, "re-minted per half-life, not per call");
}

#[test]
fn a_15_minute_mfa_session_serves_the_aws_cli_under_server() {
    let Some(_aws) = require("aws") else {
        return;
    };
    let fake = FakeSts::start();
    let env = TestEnv::new().sts(&fake);
    let out = env.run(
        &[
            &["exec", "--server", "-d", "15m", "-t", CODE, "--"][..],
            &AWS_CLI_ACCOUNT,
        ]
        .concat(),
    );
    out.assert_success();
    assert_eq!(out.stdout.trim(), "123456789012");
    let session = fake.calls()[0].clone();
    assert_eq!(session.param("DurationSeconds"), Some("900"));
    assert_eq!(fake.count("GetSessionToken"), 1, "the code is not wasted");
}

#[test]
fn an_mfa_session_that_cannot_be_renewed_serves_until_it_runs_out() {
    let fake = FakeSts::start();
    // Two minutes: inside every SDK's window, and no mfa_process to renew it with.
    fake.lifetime(Duration::from_secs(120));
    let env = TestEnv::new().sts(&fake);
    let served = Served::start(&env, &["-t", CODE], "read _; exit 0");
    let endpoint = served.endpoint();
    for _ in 0..3 {
        let (key, expiration) = parse_credentials(&fake, &endpoint.credentials());
        assert_eq!(key, fake.keys(1), "the session from the start");
        assert!(expiration > SystemTime::now() + Duration::from_secs(60));
    }
    let out = served.finish(&env);
    out.assert_success();
    assert_eq!(fake.count("GetSessionToken"), 1);
}
