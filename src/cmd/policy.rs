//! `aws-mfa policy`: the IAM policy that makes MFA mandatory for these keys (the seed
//! article's `DenyAllExceptListedIfNoMFA`), as a JSON document for `aws iam create-policy`.

use std::process::ExitCode;

use serde::Serialize;

use crate::cli::PolicyArgs;
use crate::environment::Environment;
use crate::error::Error;

/// What a user may do without MFA: set up and resync a device, see it, and get the MFA
/// session itself. Everything else is denied until the caller has used MFA.
const ALLOWED_WITHOUT_MFA: [&str; 9] = [
    "iam:CreateVirtualMFADevice",
    "iam:EnableMFADevice",
    "iam:GetUser",
    "iam:ListMFADevices",
    "iam:ListVirtualMFADevices",
    "iam:ResyncMFADevice",
    "iam:ChangePassword",
    "iam:GetAccountPasswordPolicy",
    "sts:GetSessionToken",
];

/// Left out by `--strict`: changing a password without MFA is a risk (at the price that a
/// new user cannot set a first password before an MFA device is assigned).
const PASSWORD_ACTIONS: [&str; 2] = ["iam:ChangePassword", "iam:GetAccountPasswordPolicy"];

/// Field order as AWS documents it (serde keeps declaration order).
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct Policy {
    version: &'static str,
    statement: [Statement; 1],
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct Statement {
    sid: &'static str,
    effect: &'static str,
    not_action: Vec<&'static str>,
    resource: &'static str,
    condition: Condition,
}

#[derive(Serialize)]
struct Condition {
    #[serde(rename = "BoolIfExists")]
    bool_if_exists: MfaPresent,
}

#[derive(Serialize)]
struct MfaPresent {
    #[serde(rename = "aws:MultiFactorAuthPresent")]
    present: &'static str,
}

/// The policy document; `strict` leaves the password actions out.
pub fn document(strict: bool) -> String {
    let policy = Policy {
        version: "2012-10-17",
        statement: [Statement {
            sid: "DenyAllExceptListedIfNoMFA",
            effect: "Deny",
            not_action: ALLOWED_WITHOUT_MFA
                .into_iter()
                .filter(|action| !(strict && PASSWORD_ACTIONS.contains(action)))
                .collect(),
            resource: "*",
            condition: Condition {
                bool_if_exists: MfaPresent { present: "false" },
            },
        }],
    };
    let mut json = serde_json::to_string_pretty(&policy).expect("a fixed document serialises");
    json.push('\n');
    json
}

pub fn run(args: &PolicyArgs, _env: &Environment) -> Result<ExitCode, Error> {
    super::print(&document(args.strict))?;
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::document;

    #[test]
    fn strict_leaves_out_exactly_the_password_actions() {
        let full: serde_json::Value = serde_json::from_str(&document(false)).unwrap();
        let strict: serde_json::Value = serde_json::from_str(&document(true)).unwrap();
        let actions =
            |v: &serde_json::Value| v["Statement"][0]["NotAction"].as_array().unwrap().len();
        assert_eq!(actions(&full), 9);
        assert_eq!(actions(&strict), 7);
        assert!(!document(true).contains("ChangePassword"));
        // doctor's probe must be an action the policy denies without MFA.
        assert!(!document(false).contains(crate::aws::MFA_PROBE_ACTION));
    }
}
