//! `aws-mfa exec --server`: the child reads refreshing credentials from a loopback
//! endpoint, never keys; the endpoint checks its token; the terminal is never read while
//! the child runs; signals and the exit status behave as DESIGN §10 says.

use std::collections::HashSet;
use std::net::TcpStream;
use std::path::PathBuf;
use std::time::{Duration, Instant, SystemTime};

use crate::support::peers::{require, require_python_module};
use crate::support::server::{Served, assert_child_calls_signed_by_roles, parse_credentials};
use crate::support::*;

mod endpoint;
mod host;
mod inside;
mod js_sdk;
mod leftovers;
mod refresh_windows;
mod short_grants;
mod signals;

const ANOTHER_CODE: &str = "271828";

fn role_env(fake: &FakeSts) -> TestEnv {
    TestEnv::with_files(ROLE_CONFIG, DEFAULT_CREDENTIALS).sts(fake)
}

#[test]
fn the_child_gets_a_loopback_endpoint_and_a_token_instead_of_keys() {
    let fake = FakeSts::start();
    let mut env = TestEnv::new().sts(&fake);
    // What a shell that already holds a session (or some other setup) passes down.
    for (name, value) in [
        ("AWS_PROFILE", "default"),
        ("AWS_DEFAULT_PROFILE", "default"),
        ("AWS_ACCESS_KEY_ID", "ASIAINHERITED0000001"),
        ("AWS_SECRET_ACCESS_KEY", "inherited-secret"),
        ("AWS_SESSION_TOKEN", "inherited-token"),
        ("AWS_SECURITY_TOKEN", "inherited-token"),
        ("AWS_CREDENTIAL_EXPIRATION", "2000-01-01T00:00:00Z"),
        ("AWS_MFA_PROFILE", "default"),
        ("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "/elsewhere"),
        ("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", "/elsewhere/token"),
    ] {
        env.set(name, value);
    }
    let served = Served::start(&env, &["-t", CODE], "read _; exit 5");
    let vars = &served.env;
    for gone in [
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "AWS_SECURITY_TOKEN",
        "AWS_CREDENTIAL_EXPIRATION",
        "AWS_PROFILE",
        "AWS_DEFAULT_PROFILE",
        "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
        "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE",
    ] {
        assert!(!vars.contains_key(gone), "{gone} reached the child");
    }
    assert_eq!(vars["AWS_MFA_PROFILE"], "default");
    assert_eq!(vars["AWS_REGION"], "eu-west-1");
    assert_eq!(vars["AWS_DEFAULT_REGION"], "eu-west-1");
    assert!(
        vars["AWS_CONTAINER_CREDENTIALS_FULL_URI"].starts_with("http://127.0.0.1:"),
        "{}",
        vars["AWS_CONTAINER_CREDENTIALS_FULL_URI"]
    );
    let token = &vars["AWS_CONTAINER_AUTHORIZATION_TOKEN"];
    assert!(
        token.len() >= 64 && token.bytes().all(|b| b.is_ascii_hexdigit()),
        "a long random token: {} characters",
        token.len()
    );
    // The shared credentials file (read before the endpoint) is the empty device: no other
    // user can make a file at that path, during the run or after it.
    let credentials_file = PathBuf::from(&vars["AWS_SHARED_CREDENTIALS_FILE"]);
    assert_eq!(credentials_file, PathBuf::from("/dev/null"));
    assert_eq!(std::fs::read(&credentials_file).unwrap(), b"");
    assert_eq!(
        vars["AWS_CONFIG_FILE"],
        env.home().join(".aws/config").to_str().unwrap()
    );

    let endpoint = served.endpoint();
    let (key, expiration) = parse_credentials(&fake, &endpoint.credentials());
    assert!(
        expiration > SystemTime::now() + Duration::from_secs(15 * 60),
        "at least 15 minutes left"
    );
    assert_eq!(key, fake.keys(1), "the session from the start");

    // Anything but the right token is refused before anything else is looked at.
    let mut wrong = endpoint.token.clone().into_bytes();
    wrong[10] = if wrong[10] == b'0' { b'1' } else { b'0' };
    let wrong = String::from_utf8(wrong).unwrap();
    for token in [
        None,
        Some(""),
        Some(wrong.as_str()),
        Some(&endpoint.token[..63]),
    ] {
        let answer = endpoint.request("GET", &endpoint.path, token);
        assert_eq!(answer.status, 403, "token {token:?}: {answer:?}");
        assert_no_secrets(&answer.body);
        assert!(!answer.body.contains("FAKE"), "{}", answer.body);
    }
    let bearer = format!("Bearer {}", endpoint.token);
    assert_eq!(
        endpoint
            .request("GET", &endpoint.path, Some(&bearer))
            .status,
        403
    );
    assert_eq!(
        endpoint
            .request("GET", "/other", Some(&endpoint.token))
            .status,
        404
    );
    assert_eq!(
        endpoint
            .request("POST", &endpoint.path, Some(&endpoint.token))
            .status,
        405
    );
    assert_eq!(endpoint.request("GET", "/other", Some(&wrong)).status, 403);

    // Bound to 127.0.0.1 itself, not to every address: another loopback address is refused.
    if cfg!(target_os = "linux") {
        let port = endpoint.address.rsplit(':').next().unwrap();
        assert!(
            TcpStream::connect(format!("127.0.0.2:{port}")).is_err(),
            "the endpoint listens on 127.0.0.1 only"
        );
    }

    let out = served.finish(&env);
    assert_eq!(out.code, Some(5), "the child's status: {out:#?}");
    assert_eq!(out.stdout, "");
    assert_no_secrets(&out.stderr);
    assert!(!out.stderr.contains(&endpoint.token), "the token leaked");
    assert_eq!(
        fake.count("GetSessionToken"),
        1,
        "served from the cache after the start"
    );
}

#[test]
fn short_lived_role_credentials_are_reminted_without_a_prompt() {
    let fake = FakeSts::start();
    let env = role_env(&fake);
    // One code: a twelve-hour MFA session in the cache.
    env.run(&["env", "--shell", "bash", "-t", CODE])
        .assert_success();
    // Role credentials from now on expire within seconds.
    let lifetime = Duration::from_secs(3);
    fake.lifetime(lifetime);
    let served = Served::start(&env, &["-p", "admin"], "read _; exit 0");
    let endpoint = served.endpoint();

    let started = Instant::now();
    let mut keys = Vec::new();
    // Longer than two lifetimes of what is handed out, and five answers at least however
    // slowly they come: it must never fail.
    while started.elapsed() < lifetime * 2 + Duration::from_secs(1) || keys.len() < 5 {
        let (key, expiration) = parse_credentials(&fake, &endpoint.credentials());
        assert!(
            expiration > SystemTime::now(),
            "never handed out expired credentials"
        );
        keys.push(key);
        std::thread::sleep(Duration::from_millis(400));
    }
    // Each reused for half the life STS granted (1.5 s), then re-minted.
    let distinct: HashSet<&Keys> = keys.iter().collect();
    assert!(distinct.len() >= 3, "re-minted as they ran out: {keys:?}");
    assert!(keys.len() >= 5, "{keys:?}");

    let out = served.finish(&env);
    out.assert_success();
    // Nothing but the notes that the fake granted less than asked.
    assert!(
        out.stderr
            .lines()
            .all(|l| l.starts_with("aws-mfa: note: STS granted")),
        "{}",
        out.stderr
    );
    assert_eq!(
        fake.count("GetSessionToken"),
        1,
        "no new MFA session, no prompt"
    );
    for call in fake.calls().iter().filter(|c| c.action == "AssumeRole") {
        assert_eq!(
            call.signed_with,
            Some(fake.keys(1)),
            "assumed from the cached MFA session"
        );
    }
}

#[test]
fn when_the_mfa_session_runs_out_the_answer_says_to_refresh_and_the_cache_then_serves() {
    let fake = FakeSts::start();
    // The MFA session itself runs out within seconds too.
    let lifetime = Duration::from_secs(3);
    fake.lifetime(lifetime);
    let env = role_env(&fake);
    let served = Served::start(&env, &["-p", "admin", "-t", CODE], "read _; exit 0");
    let endpoint = served.endpoint();
    // Until then it served for half its life: wait for its end.
    std::thread::sleep(lifetime);

    let answer = endpoint.credentials();
    assert_eq!(answer.status, 503, "{answer:?}");
    let doc = answer.json();
    assert_eq!(doc["Code"], "MfaSessionExpired");
    let message = doc["Message"].as_str().unwrap();
    assert!(
        message.contains("run 'aws-mfa env --refresh -p admin' in another terminal"),
        "{message}"
    );
    assert_no_secrets(&answer.body);
    assert!(!answer.body.contains("FAKE"), "{}", answer.body);
    // Asking again does not make the server ask anyone: still the same answer.
    assert_eq!(endpoint.credentials().status, 503);
    assert_eq!(
        fake.count("GetSessionToken"),
        1,
        "the server never sends a code"
    );

    // What the answer says to do, in "another terminal".
    fake.lifetime(Duration::from_secs(3600));
    env.run(&[
        "env",
        "--shell",
        "bash",
        "--refresh",
        "-p",
        "admin",
        "-t",
        ANOTHER_CODE,
    ])
    .assert_success();
    let (key, _) = parse_credentials(&fake, &endpoint.credentials());
    let refreshed = fake.calls();
    assert_eq!(
        refreshed.last().unwrap().param("RoleArn"),
        Some("arn:aws:iam::111111111111:role/admin")
    );
    let session = fake
        .issued()
        .into_iter()
        .rev()
        .find(|i| i.origin == fake_sts::Origin::Session { mfa: true })
        .map(|i| i.keys)
        .unwrap();
    assert_ne!(session, fake.keys(1), "a new MFA session");
    assert!(
        refreshed
            .iter()
            .any(|c| c.action == "AssumeRole" && c.signed_with.as_ref() == Some(&session)),
        "assumed from the refreshed session"
    );
    assert_eq!(
        key,
        fake.issued().last().unwrap().keys,
        "the role's set made from it"
    );

    let out = served.finish(&env);
    out.assert_success();
    let hint = "run 'aws-mfa env --refresh -p admin' in another terminal";
    assert_eq!(
        out.stderr.matches(hint).count(),
        1,
        "said once on the terminal as well: {}",
        out.stderr
    );
    assert_eq!(fake.count("GetSessionToken"), 2);
}

#[test]
fn server_needs_the_cache() {
    let fake = FakeSts::start();
    let env = TestEnv::new().sts(&fake);
    let out = env.run(&["exec", "--server", "--no-cache", "-t", CODE, "--", "true"]);
    assert_eq!(out.code, Some(2), "{out:#?}");
    assert!(out.stderr.contains("cannot be used with"), "{}", out.stderr);
    assert!(fake.calls().is_empty());
}

/// botocore as the child: where its credentials came from, and each key it signed with.
const BOTO3_LOOP: &str = r#"
import boto3, sys, time
session = boto3.Session()
creds = session.get_credentials()
assert creds.method == "container-role", creds.method
sts = session.client("sts")
seen = []
started = time.time()
while time.time() - started < float(sys.argv[1]):
    sts.get_caller_identity()
    seen.append(creds.get_frozen_credentials().access_key)
    time.sleep(0.3)
print(len(set(seen)), len(seen))
"#;

#[test]
fn boto3_and_the_aws_cli_take_refreshing_credentials_from_the_server_over_long_term_keys() {
    let (Some(_aws), Some(_python)) = (require("aws"), require_python_module("boto3")) else {
        return;
    };
    let fake = FakeSts::start();
    let env = role_env(&fake);
    env.run(&["env", "--shell", "bash", "-t", CODE])
        .assert_success();
    let lifetime = Duration::from_secs(3);
    fake.lifetime(lifetime);

    // boto3 keeps calling STS for longer than its credentials live.
    let seconds = (lifetime * 2 + Duration::from_secs(2))
        .as_secs()
        .to_string();
    let out = env.run(&[
        "exec", "--server", "-p", "admin", "--", "python3", "-c", BOTO3_LOOP, &seconds,
    ]);
    out.assert_success();
    let counts: Vec<usize> = out
        .stdout
        .split_whitespace()
        .map(|n| n.parse().unwrap())
        .collect();
    let [distinct, total] = counts[..] else {
        panic!("{}", out.stdout)
    };
    assert!(
        distinct >= 3,
        "refreshed while running: {distinct} keys in {total} calls"
    );
    assert_child_calls_signed_by_roles(&fake, total);

    // The aws CLI: the container provider, not the shared credentials file.
    let out = env.run(&[
        "exec",
        "--server",
        "-p",
        "admin",
        "--",
        "aws",
        "configure",
        "list",
    ]);
    out.assert_success();
    let access_key_line = out
        .stdout
        .lines()
        .find(|l| l.trim_start().starts_with("access_key"))
        .expect("aws configure list shows the access key");
    assert!(
        access_key_line.contains("container-role"),
        "{access_key_line}"
    );
    let out = env.run(
        &[
            &["exec", "--server", "-p", "admin", "--"][..],
            &AWS_CLI_ACCOUNT,
        ]
        .concat(),
    );
    out.assert_success();
    assert_eq!(out.stdout.trim(), "123456789012");
    let last = fake.calls().pop().unwrap();
    assert_eq!(last.action, "GetCallerIdentity");
    assert_eq!(
        last.signed_with.as_ref(),
        Some(&fake.issued().last().unwrap().keys),
        "the aws CLI signed with the role set the endpoint handed it"
    );
}

#[test]
fn botocore_shows_what_to_run_when_the_mfa_session_has_run_out() {
    let Some(_python) = require_python_module("boto3") else {
        return;
    };
    let fake = FakeSts::start();
    fake.lifetime(Duration::from_secs(3));
    let env = role_env(&fake);
    // The session serves for half its life: the probe asks once it has run out.
    let probe = r#"
import boto3, sys, time
from botocore.exceptions import CredentialRetrievalError
time.sleep(3)
try:
    boto3.Session().client("sts").get_caller_identity()
except CredentialRetrievalError as e:
    print(e)
    sys.exit(9)
"#;
    let out = env.run(&[
        "exec", "--server", "-p", "admin", "-t", CODE, "--", "python3", "-c", probe,
    ]);
    assert_eq!(out.code, Some(9), "{out:#?}");
    assert!(
        out.stdout.contains("container-role")
            && out
                .stdout
                .contains("run 'aws-mfa env --refresh -p admin' in another terminal"),
        "{}",
        out.stdout
    );
    assert_no_secrets(&out.stdout);
    assert_no_secrets(&out.stderr);
}
