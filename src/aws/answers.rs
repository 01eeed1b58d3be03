//! What STS and IAM answered: the credentials read and checked, and what `-v` says about
//! each answer.

use std::time::SystemTime;

use crate::error::{Error, StsFailure};
use crate::session::{Credentials, Secret};

use super::errors::NOT_STS_HINT;

/// What `-v` says about an answer: never a secret, key ids shortened.
pub(super) trait Answer {
    fn summary(&self) -> String;
}

fn issued(credentials: Option<&aws_sdk_sts::types::Credentials>) -> String {
    match credentials {
        Some(c) => format!(
            "answered: credentials {} until {}",
            crate::verbose::key_id(&c.access_key_id),
            c.expiration
        ),
        None => "answered without credentials".into(),
    }
}

impl Answer for aws_sdk_sts::operation::get_session_token::GetSessionTokenOutput {
    fn summary(&self) -> String {
        issued(self.credentials())
    }
}

impl Answer for aws_sdk_sts::operation::assume_role::AssumeRoleOutput {
    fn summary(&self) -> String {
        issued(self.credentials())
    }
}

impl Answer for aws_sdk_sts::operation::get_caller_identity::GetCallerIdentityOutput {
    fn summary(&self) -> String {
        format!("answered: {}", self.arn().unwrap_or("no ARN"))
    }
}

impl Answer for aws_sdk_iam::operation::list_mfa_devices::ListMfaDevicesOutput {
    fn summary(&self) -> String {
        let serials: Vec<&str> = self
            .mfa_devices()
            .iter()
            .map(|d| d.serial_number())
            .collect();
        format!(
            "answered: {} device(s): {}",
            serials.len(),
            serials.join(", ")
        )
    }
}

pub(super) fn credentials(
    action: &'static str,
    credentials: Option<aws_sdk_sts::types::Credentials>,
) -> Result<Credentials, Error> {
    // The SDK's parser accepts a body that is not XML at all as an empty answer: check.
    let unusable = |what: &str| Error::Sts {
        action,
        why: format!("STS sent an answer that cannot be read: {what}"),
        hint: Some(NOT_STS_HINT.into()),
        kind: StsFailure::Other,
    };
    let c = credentials.ok_or_else(|| unusable("it holds no credentials"))?;
    if c.access_key_id.is_empty() || c.secret_access_key.is_empty() || c.session_token.is_empty() {
        return Err(unusable("its credentials are empty"));
    }
    // A control character (a NUL from `&#0;`) would be dropped or cut at by a shell, so
    // a different secret would be exported: refuse it before anything is cached.
    for (name, value) in [
        ("AccessKeyId", &c.access_key_id),
        ("SecretAccessKey", &c.secret_access_key),
        ("SessionToken", &c.session_token),
    ] {
        if value.chars().any(char::is_control) {
            return Err(unusable(&format!(
                "its {name} holds a control character, which no credential has"
            )));
        }
    }
    let expiration = SystemTime::try_from(c.expiration)
        .ok()
        .filter(|at| *at > SystemTime::now())
        .ok_or_else(|| unusable("its credentials have already expired"))?;
    Ok(Credentials {
        access_key_id: c.access_key_id,
        secret_access_key: Secret::new(c.secret_access_key),
        session_token: Secret::new(c.session_token),
        expiration,
    })
}
