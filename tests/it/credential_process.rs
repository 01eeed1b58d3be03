//! A profile whose `credential_process` runs aws-mfa (`AWS_PROFILE=work` in a shell set up
//! for the SDKs) means the profile it names; any other `credential_process` is a clear
//! error naming its program.

use crate::support::*;

fn config(extra: &str) -> String {
    format!("{ROLE_CONFIG}\n{extra}")
}

#[test]
fn aws_profile_naming_an_aws_mfa_credential_process_profile_follows_it() {
    let fake = FakeSts::start();
    let extra = format!(
        "[profile work]\ncredential_process = {BIN} credential-process --profile admin\nregion = us-east-2\n"
    );
    let mut env = TestEnv::with_files(&config(&extra), DEFAULT_CREDENTIALS).sts(&fake);
    env.set("AWS_PROFILE", "work");
    let out = env.run(&[
        "exec", "-v", "-t", CODE, "--", "python3", "-c",
        "import os; e = os.environ; print(e['AWS_ACCESS_KEY_ID'], e['AWS_SECRET_ACCESS_KEY'], e['AWS_SESSION_TOKEN'], e['AWS_REGION'], 'AWS_PROFILE' in e)",
    ]);
    out.assert_success();
    let role = fake.keys(2);
    assert_eq!(
        out.stdout,
        format!(
            "{} {} {} us-east-2 False\n",
            role.access_key_id,
            role.secret_access_key,
            role.session_token.as_deref().unwrap()
        ),
        "the role's set, as issued"
    );
    assert!(
        out.stderr.contains(
            "profile 'work': its credential_process runs aws-mfa credential-process --profile admin; using profile 'admin'"
        ),
        "-v says so: {}",
        out.stderr
    );
    let role = fake.calls().pop().unwrap();
    assert_eq!(role.action, "AssumeRole");
    assert_eq!(
        role.param("RoleArn"),
        Some("arn:aws:iam::111111111111:role/admin")
    );
    // The short forms clap accepts too.
    for line in ["-p admin", "--profile=admin", "-padmin"] {
        let extra =
            format!("[profile work]\ncredential_process = aws-mfa credential-process {line}\n");
        let mut env = TestEnv::with_files(&config(&extra), DEFAULT_CREDENTIALS).sts(&fake);
        env.set("AWS_PROFILE", "work");
        env.run(&["env", "--shell", "bash", "-t", CODE3])
            .assert_success();
    }
}

#[test]
fn another_credential_process_is_a_clear_error_naming_its_program_only() {
    let fake = FakeSts::start();
    let extra = "[profile sso]\ncredential_process = /opt/bin/granted credential-process --secret hunter2\n";
    let env = TestEnv::with_files(&config(extra), DEFAULT_CREDENTIALS).sts(&fake);
    let out = env.run(&["env", "--shell", "bash", "-p", "sso", "-t", CODE]);
    out.assert_failure(
        "profile 'sso' cannot be used: it gets its credentials from credential_process '/opt/bin/granted'",
    );
    assert!(!out.stderr.contains("hunter2"), "{}", out.stderr);
    assert!(!out.stderr.contains("no long-term keys"), "{}", out.stderr);
    assert!(fake.calls().is_empty());
}

#[test]
fn an_aws_mfa_credential_process_without_a_profile_or_in_a_loop_is_refused() {
    let fake = FakeSts::start();
    let extra = format!(
        "[profile bare]\ncredential_process = {BIN} credential-process\n\n[profile a]\ncredential_process = aws-mfa credential-process -p b\n\n[profile b]\ncredential_process = aws-mfa credential-process -p a\n"
    );
    let env = TestEnv::with_files(&config(&extra), DEFAULT_CREDENTIALS).sts(&fake);
    env.run(&["env", "--shell", "sh", "-p", "bare", "-t", CODE])
        .assert_failure("its credential_process runs aws-mfa credential-process without --profile");
    env.run(&["env", "--shell", "sh", "-p", "a", "-t", CODE])
        .assert_failure("profile 'a' cannot be used: credential_process loops: a -> b -> a");
    assert!(fake.calls().is_empty());
}
