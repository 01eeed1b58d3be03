//! Against real implementations: moto as STS, the aws CLI and boto3 consuming the session.

use crate::support::js;
use crate::support::peers::{Moto, require, require_python_module};
use crate::support::*;

/// A home whose STS and every other service is moto.
fn moto_env(moto: &Moto) -> TestEnv {
    let mut env = TestEnv::new();
    env.set("AWS_ENDPOINT_URL", &moto.url);
    env
}

/// botocore's view of where its credentials came from, and the token it holds.
const BOTO3_PROBE: &str = r#"
import boto3, os
session = boto3.Session()
creds = session.get_credentials()
assert creds.method == "env", creds.method
assert creds.token == os.environ["AWS_SESSION_TOKEN"]
assert session.region_name == "eu-west-1", session.region_name
print(session.client("sts").get_caller_identity()["Account"])
"#;

/// Not ROLE_CONFIG: the role is in moto's account (123456789012), which the tests read back,
/// and `role-via-process` serves it through credential_process; `more` comes before that.
fn moto_role_config(more: &str) -> String {
    format!(
        "{DEFAULT_CONFIG}
[profile admin]
role_arn = arn:aws:iam::123456789012:role/admin
source_profile = default

{more}
[profile role-via-process]
region = eu-west-1
credential_process = {BIN} credential-process --profile admin
"
    )
}

#[test]
fn aws_cli_and_boto3_use_the_session_after_eval_in_bash() {
    let (Some(moto), Some(bash), Some(_aws), Some(_python)) = (
        Moto::start(),
        require("bash"),
        require("aws"),
        require_python_module("boto3"),
    ) else {
        return;
    };
    let env = moto_env(&moto);
    let script = format!(
        r#"eval "$("$AWS_MFA" env --shell bash -t 314159)"
aws configure list
aws sts get-caller-identity --query Account --output text
python3 -c '{BOTO3_PROBE}'"#
    );
    let out = env.shell(&bash, &["-euo", "pipefail"], &script);
    out.assert_success();
    let access_key_line = out
        .stdout
        .lines()
        .find(|l| l.trim_start().starts_with("access_key"))
        .expect("aws configure list shows the access key");
    assert!(
        access_key_line.contains("env"),
        "the CLI uses the environment: {access_key_line}"
    );
    let accounts: Vec<&str> = out
        .stdout
        .lines()
        .filter(|l| *l == "123456789012")
        .collect();
    assert_eq!(
        accounts.len(),
        2,
        "the CLI and boto3 both called STS: {}",
        out.stdout
    );
}

#[test]
fn aws_cli_and_boto3_run_as_execs_child() {
    let (Some(moto), Some(_aws), Some(_python)) = (
        Moto::start(),
        require("aws"),
        require_python_module("boto3"),
    ) else {
        return;
    };
    let env = moto_env(&moto);
    let out = env.run(&[&["exec", "-t", CODE, "--"][..], &AWS_CLI_ACCOUNT].concat());
    out.assert_success();
    assert_eq!(out.stdout.trim(), "123456789012");
    let out = env.run(&["exec", "-t", CODE, "--", "python3", "-c", BOTO3_PROBE]);
    out.assert_success();
    assert_eq!(out.stdout.trim(), "123456789012");
}

#[test]
fn credential_process_serves_the_aws_cli_and_boto3() {
    let (Some(moto), Some(_aws), Some(_python)) = (
        Moto::start(),
        require("aws"),
        require_python_module("boto3"),
    ) else {
        return;
    };
    let config = moto_role_config(&format!(
        "[profile via-process]
region = eu-west-1
credential_process = {BIN} credential-process --profile default
"
    ));
    let mut env = TestEnv::with_files(&config, DEFAULT_CREDENTIALS);
    env.set("AWS_ENDPOINT_URL", &moto.url);
    // One code, once: the process reads the cached session from then on.
    env.run(&["env", "--shell", "bash", "-t", CODE])
        .assert_success();
    for profile in ["via-process", "role-via-process"] {
        let out = env.output(env.command("aws").args([
            "sts",
            "get-caller-identity",
            "--profile",
            profile,
            "--query",
            "Arn",
            "--output",
            "text",
        ]));
        out.assert_success();
        assert!(
            out.stdout.starts_with("arn:aws:"),
            "{profile}: {}",
            out.stdout
        );
        let probe = r#"
import boto3, sys
creds = boto3.Session(profile_name=sys.argv[1]).get_credentials()
assert creds.method == "custom-process", creds.method
assert creds.token
print(boto3.Session(profile_name=sys.argv[1]).client("sts").get_caller_identity()["Account"])
"#;
        let out = env.output(env.command("python3").args(["-c", probe, profile]));
        out.assert_success();
        assert_eq!(out.stdout.trim(), "123456789012");
    }
}

/// The JS SDK v3's view: where its credentials came from and the account STS names.
const JS_ENV_PROBE: &str = r#"
const client = new STSClient({});
const creds = await client.config.credentials();
if (creds.accessKeyId !== process.env.AWS_ACCESS_KEY_ID) throw new Error("not the environment's key");
if (creds.sessionToken !== process.env.AWS_SESSION_TOKEN) throw new Error("not the environment's token");
if ((await client.config.region()) !== "eu-west-1") throw new Error("region");
console.log((await client.send(new GetCallerIdentityCommand({}))).Account);
"#;

#[test]
fn the_js_sdk_v3_uses_the_session_as_execs_child() {
    let Some(moto) = Moto::start() else {
        return;
    };
    let mut env = moto_env(&moto);
    if !js::require_js_sdk(&mut env) {
        return;
    }
    let out = env.run(&[
        "exec",
        "-t",
        CODE,
        "--",
        "node",
        "-e",
        &js::script(JS_ENV_PROBE),
    ]);
    out.assert_success();
    assert_eq!(out.stdout.trim(), "123456789012");
}

#[test]
fn credential_process_serves_the_js_sdk_v3_through_from_ini() {
    let Some(moto) = Moto::start() else {
        return;
    };
    let config = moto_role_config("");
    let mut env = TestEnv::with_files(&config, DEFAULT_CREDENTIALS);
    env.set("AWS_ENDPOINT_URL", &moto.url);
    if !js::require_js_sdk(&mut env) {
        return;
    }
    env.run(&["env", "--shell", "bash", "-t", CODE])
        .assert_success();
    let probe = js::script(
        r#"
const client = new STSClient({ region: "eu-west-1", credentials: fromIni({ profile: process.argv[1] }) });
const creds = await client.config.credentials();
if (!creds.sessionToken || !creds.expiration) throw new Error("no session from credential_process");
const id = await client.send(new GetCallerIdentityCommand({}));
console.log(id.Account, id.Arn.includes(":assumed-role/admin/"));
"#,
    );
    let out = env.output(env.command("node").args(["-e", &probe, "role-via-process"]));
    out.assert_success();
    assert_eq!(out.stdout.trim(), "123456789012 true");
}
