//! `aws-mfa policy`, doctor's "is MFA really enforced?", and the root user's one hour.

use crate::support::peers::{Moto, require};
use crate::support::*;

/// The seed article's policy, byte for byte as `aws-mfa policy` prints it.
const POLICY: &str = r#"{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Sid": "DenyAllExceptListedIfNoMFA",
      "Effect": "Deny",
      "NotAction": [
        "iam:CreateVirtualMFADevice",
        "iam:EnableMFADevice",
        "iam:GetUser",
        "iam:ListMFADevices",
        "iam:ListVirtualMFADevices",
        "iam:ResyncMFADevice",
        "iam:ChangePassword",
        "iam:GetAccountPasswordPolicy",
        "sts:GetSessionToken"
      ],
      "Resource": "*",
      "Condition": {
        "BoolIfExists": {
          "aws:MultiFactorAuthPresent": "false"
        }
      }
    }
  ]
}
"#;

#[test]
fn policy_prints_the_article_policy_exactly() {
    let env = TestEnv::new();
    let out = env.run(&["policy"]);
    out.assert_success();
    assert_eq!(out.stdout, POLICY);
    assert_eq!(out.stderr, "");
}

#[test]
fn strict_leaves_out_the_password_actions_and_nothing_else() {
    let env = TestEnv::new();
    let out = env.run(&["policy", "--strict"]);
    out.assert_success();
    let expected = POLICY
        .replace("        \"iam:ChangePassword\",\n", "")
        .replace("        \"iam:GetAccountPasswordPolicy\",\n", "");
    assert_ne!(expected, POLICY);
    assert_eq!(out.stdout, expected);
}

#[test]
fn policy_help_says_how_to_attach_it_and_what_strict_costs() {
    let env = TestEnv::new();
    let out = env.run(&["policy", "--help"]);
    out.assert_success();
    for expected in [
        "aws iam create-policy --policy-name DenyAllExceptListedIfNoMFA",
        "--policy-document \"$(aws-mfa policy)\"",
        "aws iam attach-group-policy --group-name GROUP",
        "a new user cannot set a first password",
    ] {
        assert!(
            out.stdout.contains(expected),
            "{expected:?} in:\n{}",
            out.stdout
        );
    }
}

/// doctor's output with the probe's line, after checking the probe was one harmless call
/// signed with the long-term key alone.
fn doctor_with(fake: &FakeSts) -> Outcome {
    let env = TestEnv::new().sts(fake);
    let out = env.run(&["doctor"]);
    assert_no_secrets(&out.stdout);
    let probes: Vec<_> = fake
        .calls()
        .into_iter()
        .filter(|c| c.action == "ListAccountAliases")
        .collect();
    assert!(!probes.is_empty(), "doctor tried the probe");
    for probe in &probes {
        assert_eq!(
            probe.signed_with,
            Some(long_term()),
            "signed with the long-term keys"
        );
        assert!(!probe.with_session_token, "no session, no MFA");
    }
    assert_eq!(
        fake.count("GetSessionToken"),
        0,
        "doctor asks for no session"
    );
    out
}

#[test]
fn doctor_ticks_an_mfa_policy_that_denies_the_keys_alone() {
    let fake = FakeSts::start();
    let out = doctor_with(&fake);
    out.assert_success();
    assert!(
        out.stdout
            .lines()
            .any(|l| l
                == "✓ MFA is enforced: iam:ListAccountAliases without MFA was denied explicitly"),
        "{}",
        out.stdout
    );
    assert_eq!(fake.count("ListAccountAliases"), 1, "one call");
}

#[test]
fn doctor_crosses_keys_that_work_without_mfa_and_names_the_fix() {
    let fake = FakeSts::start();
    fake.without_mfa_policy();
    let out = doctor_with(&fake);
    // Not enforced is a risk, not a block: a session can still be had.
    out.assert_success();
    let lines: Vec<&str> = out.stdout.lines().collect();
    let at = lines
        .iter()
        .position(|l| l.starts_with("✗ MFA is not enforced"))
        .unwrap_or_else(|| panic!("no verdict in:\n{}", out.stdout));
    assert!(
        lines[at].contains("iam:ListAccountAliases"),
        "{}",
        lines[at]
    );
    assert!(
        lines[at + 1].starts_with("    fix: attach the policy 'aws-mfa policy' prints"),
        "{}",
        out.stdout
    );
}

#[test]
fn doctor_gives_no_verdict_when_iam_throttles_or_denies_implicitly() {
    let throttled = Reply::Error {
        status: 400,
        code: "Throttling",
        message: "Rate exceeded",
    };
    let implicit = Reply::Error {
        status: 403,
        code: "AccessDenied",
        message: "User: arn:aws:iam::123456789012:user/tester is not authorized to perform: iam:ListAccountAliases on resource: * because no identity-based policy allows the iam:ListAccountAliases action",
    };
    for (replies, why) in [
        (vec![throttled; 3], "Throttling: Rate exceeded"),
        (vec![implicit], "without an explicit deny"),
    ] {
        let fake = FakeSts::start();
        for reply in replies {
            fake.then_for("ListAccountAliases", reply);
        }
        let out = doctor_with(&fake);
        out.assert_success();
        let line = out
            .stdout
            .lines()
            .find(|l| l.contains("whether MFA is enforced"))
            .unwrap_or_else(|| panic!("no line in:\n{}", out.stdout));
        assert!(line.starts_with("- could not tell"), "{line}");
        assert!(line.contains(why), "{why:?} in {line}");
        assert!(
            !out.stdout.contains("MFA is not enforced"),
            "{}",
            out.stdout
        );
        assert!(!out.stdout.contains("MFA is enforced:"), "{}", out.stdout);
    }
}

const ROOT_DEVICE: &str = "arn:aws:iam::123456789012:mfa/root-account-mfa-device";

#[test]
fn the_root_user_is_asked_for_one_hour_up_front() {
    let fake = FakeSts::start();
    let config = format!("[default]\nregion = eu-west-1\nmfa_serial = {ROOT_DEVICE}\n");
    let env = TestEnv::with_files(&config, DEFAULT_CREDENTIALS).sts(&fake);
    let out = env.run(&["env", "--shell", "bash", "-d", "12h", "-t", CODE]);
    out.assert_success();
    let asked: Vec<_> = fake
        .calls()
        .into_iter()
        .filter(|c| c.action == "GetSessionToken")
        .map(|c| c.param("DurationSeconds").map(str::to_owned))
        .collect();
    assert_eq!(asked, [Some("3600".to_owned())]);
    assert_eq!(
        out.stderr,
        format!(
            "aws-mfa: note: asking for 1h, not 12h: {ROOT_DEVICE} is the account root user's device, and STS gives the root user 1 hour at most\n"
        ),
        "one notice, and no 'STS granted less' note after the call"
    );

    // Within the hour: asked as is, without a word.
    let env = TestEnv::with_files(&config, DEFAULT_CREDENTIALS).sts(&fake);
    let out = env.run(&["env", "--shell", "bash", "-d", "30m", "-t", CODE2]);
    out.assert_success();
    assert_eq!(out.stderr, "");
    let last = fake
        .calls()
        .into_iter()
        .rev()
        .find(|c| c.action == "GetSessionToken");
    assert_eq!(last.unwrap().param("DurationSeconds"), Some("1800"));
}

#[test]
fn an_iam_user_device_keeps_the_long_session() {
    let fake = FakeSts::start();
    let env = TestEnv::new().sts(&fake);
    env.run(&["env", "--shell", "bash", "-d", "12h", "-t", CODE])
        .assert_success();
    let call = fake
        .calls()
        .into_iter()
        .find(|c| c.action == "GetSessionToken");
    assert_eq!(call.unwrap().param("DurationSeconds"), Some("43200"));
}

/// moto's IAM takes the printed document as a policy (the aws CLI's create-policy): it is
/// a valid IAM policy, in both forms.
#[test]
fn moto_iam_creates_the_policy_from_the_output() {
    let (Some(moto), Some(aws)) = (Moto::start(), require("aws")) else {
        return;
    };
    let mut env = TestEnv::new();
    env.set("AWS_ENDPOINT_URL", &moto.url);
    for (name, args) in [
        ("DenyAllExceptListedIfNoMFA", &["policy"][..]),
        (
            "DenyAllExceptListedIfNoMFAStrict",
            &["policy", "--strict"][..],
        ),
    ] {
        let document = env.run(args);
        document.assert_success();
        let out = env.output(env.command(&aws).args([
            "iam",
            "create-policy",
            "--policy-name",
            name,
            "--policy-document",
            &document.stdout,
            "--query",
            "Policy.Arn",
            "--output",
            "text",
        ]));
        out.assert_success();
        assert_eq!(
            out.stdout.trim(),
            format!("arn:aws:iam::123456789012:policy/{name}")
        );
        let out = env.output(env.command(&aws).args([
            "iam",
            "get-policy-version",
            "--policy-arn",
            &format!("arn:aws:iam::123456789012:policy/{name}"),
            "--version-id",
            "v1",
            "--query",
            "PolicyVersion.Document.Statement[0].Sid",
            "--output",
            "text",
        ]));
        out.assert_success();
        assert_eq!(out.stdout.trim(), "DenyAllExceptListedIfNoMFA");
    }
}
