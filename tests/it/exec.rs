//! `aws-mfa exec`: the child runs with the session; its status is ours.

use std::io::Write;
use std::process::Stdio;

use crate::support::*;

#[test]
fn the_child_gets_the_session_and_the_profile_variables_are_gone() {
    let fake = FakeSts::start();
    let mut env = TestEnv::new().sts(&fake);
    env.set("AWS_PROFILE", "default")
        .set("AWS_SECURITY_TOKEN", "stale");
    let out = env.run(&["exec", "-t", CODE, "--", "env", "-0"]);
    out.assert_success();
    let vars = parse_env0(&out.stdout);
    assert_eq!(assert_issued_vars(&fake, &vars), fake.keys(1));
    assert_eq!(vars["AWS_MFA_PROFILE"], "default");
    assert_eq!(vars["AWS_REGION"], "eu-west-1");
    assert!(!vars.contains_key("AWS_PROFILE"));
    assert!(!vars.contains_key("AWS_SECURITY_TOKEN"));
}

#[test]
fn arguments_reach_the_child_untouched_and_never_through_a_shell() {
    let fake = FakeSts::start();
    let env = TestEnv::new().sts(&fake);
    let tricky = "$(echo injected) 'quoted' \"double\" ; *";
    let out = env.run(&[
        "exec", "-t", CODE, "--", "printf", "%s|", tricky, "-p", "--flag",
    ]);
    out.assert_success();
    assert_eq!(out.stdout, format!("{tricky}|-p|--flag|"));
}

#[test]
fn the_exit_status_is_the_childs() {
    let fake = FakeSts::start();
    let env = TestEnv::new().sts(&fake);
    let out = env.run(&["exec", "-t", CODE, "--", "sh", "-c", "exit 7"]);
    assert_eq!(out.code, Some(7));
    let out = env.run(&["exec", "-t", CODE, "--", "sh", "-c", "kill -TERM $$"]);
    assert_eq!(out.code, Some(128 + 15), "killed by SIGTERM: 128+15");
}

#[test]
fn no_command_starts_a_subshell_with_the_session() {
    let fake = FakeSts::start();
    let mut env = TestEnv::new().sts(&fake);
    env.set("SHELL", "/bin/sh");
    let mut child = env
        .command(BIN)
        .args(["exec", "-t", CODE])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"echo \"profile=$AWS_MFA_PROFILE\"; exit 3\n")
        .unwrap();
    let out = env.output_of(child);
    assert_eq!(out.code, Some(3));
    assert_eq!(out.stdout, "profile=default\n");
}

#[test]
fn a_failed_session_runs_nothing() {
    let fake = FakeSts::start();
    fake.accept_only("999999");
    let env = TestEnv::new().sts(&fake);
    let marker = env.path().join("ran");
    let out = env.run(&["exec", "-t", CODE, "--", "touch", marker.to_str().unwrap()]);
    out.assert_failure("STS rejected the MFA code");
    assert!(
        !marker.exists(),
        "the command must not run without a session"
    );
}
