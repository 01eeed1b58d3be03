//! aws-mfa run inside an `exec --server` child (whose `AWS_SHARED_CREDENTIALS_FILE` is an
//! empty file) still finds the user's real files: the endpoint's own advice, "run aws-mfa
//! env --refresh", can be followed there.

use super::role_env;
use crate::support::*;

#[test]
fn aws_mfa_inside_the_child_reads_the_users_real_credentials_file() {
    let fake = FakeSts::start();
    let env = role_env(&fake);
    let baseline = env.run(&["doctor"]);
    assert_eq!(baseline.code, Some(0), "{baseline:#?}");
    let script = format!(
        r#"test -s "$AWS_SHARED_CREDENTIALS_FILE" && exit 90
"$AWS_MFA" env --refresh -t {CODE2} --shell bash > refreshed || exit 91
"$AWS_MFA" env -p admin --shell bash > admin || exit 92
"$AWS_MFA" doctor > doctor 2>&1 || {{ cat doctor >&2; exit 93; }}
echo inside-ok"#
    );
    let out = env.run(&["exec", "--server", "-t", CODE, "--", "sh", "-c", &script]);
    out.assert_success();
    assert_eq!(out.stdout, "inside-ok\n");
    let refreshed = std::fs::read_to_string(env.path().join("refreshed")).unwrap();
    assert!(
        refreshed.contains("export AWS_ACCESS_KEY_ID='ASIAFAKE"),
        "{refreshed}"
    );
    let admin = std::fs::read_to_string(env.path().join("admin")).unwrap();
    assert!(admin.contains("export AWS_MFA_PROFILE='admin'"), "{admin}");
    let doctor = std::fs::read_to_string(env.path().join("doctor")).unwrap();
    assert!(!doctor.contains("no long-term keys"), "{doctor}");
    let sessions: Vec<_> = fake
        .calls()
        .into_iter()
        .filter(|c| c.action == "GetSessionToken")
        .collect();
    assert_eq!(sessions.len(), 2, "the start, then --refresh inside");
    assert!(
        sessions.iter().all(|c| c.signer == ACCESS_KEY),
        "signed with the long-term key from the real file"
    );
}
