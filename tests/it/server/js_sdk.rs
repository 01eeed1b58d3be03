//! The AWS SDK for JavaScript v3 as the child: its default chain finds the endpoint (not the
//! long-term keys of `[default]`), refreshes short role credentials from it, and lives
//! with a 15-minute MFA session.

use std::time::Duration;

use super::role_env;
use crate::support::js;
use crate::support::server::assert_child_calls_signed_by_roles;
use crate::support::*;

/// Calls STS for `argv[1]` seconds; prints how many calls it made.
const JS_LOOP: &str = r#"
const client = new STSClient({});
const until = Date.now() + Number(process.argv[1]) * 1000;
let calls = 0;
while (Date.now() < until) {
  const id = await client.send(new GetCallerIdentityCommand({}));
  if (id.Account !== "123456789012") throw new Error("account " + id.Account);
  calls++;
  await new Promise((r) => setTimeout(r, 300));
}
console.log(calls);
"#;

#[test]
fn the_js_sdk_v3_refreshes_short_role_credentials_from_the_server() {
    let fake = FakeSts::start();
    let mut env = role_env(&fake);
    if !js::require_js_sdk(&mut env) {
        return;
    }
    env.run(&["env", "--shell", "bash", "-t", CODE])
        .assert_success();
    // Role credentials live 3 seconds: inside the JS SDK's 5-minute window from the start.
    fake.lifetime(Duration::from_secs(3));
    let out = env.run(&[
        "exec",
        "--server",
        "-p",
        "admin",
        "--",
        "node",
        "-e",
        &js::script(JS_LOOP),
        "8",
    ]);
    out.assert_success();
    let calls: usize = out.stdout.trim().parse().expect("a count");
    let signers = assert_child_calls_signed_by_roles(&fake, calls);
    let mut distinct = signers.clone();
    distinct.dedup();
    assert!(
        distinct.len() >= 3,
        "refreshed while running: {} keys in {calls} calls",
        distinct.len()
    );
    assert_eq!(fake.count("GetSessionToken"), 1, "no new code needed");
}

#[test]
fn the_js_sdk_v3_lives_with_a_15_minute_mfa_session_under_the_server() {
    let fake = FakeSts::start();
    let mut env = TestEnv::new().sts(&fake);
    if !js::require_js_sdk(&mut env) {
        return;
    }
    let out = env.run(&[
        "exec",
        "--server",
        "-d",
        "15m",
        "-t",
        CODE,
        "--",
        "node",
        "-e",
        &js::script(JS_LOOP),
        "1",
    ]);
    out.assert_success();
    assert!(out.stdout.trim().parse::<usize>().unwrap() >= 1);
    assert_eq!(fake.count("GetSessionToken"), 1);
    assert_eq!(fake.calls()[0].param("DurationSeconds"), Some("900"));
}
