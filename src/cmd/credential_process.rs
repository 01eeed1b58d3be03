//! `aws-mfa credential-process`: the session as the JSON the AWS SDKs read from a
//! `credential_process` command. The caller captures stderr, so any prompt goes to the
//! terminal device (as it always does).

use std::process::ExitCode;

use serde_json::json;

use crate::cli::SessionArgs;
use crate::environment::Environment;
use crate::error::Error;
use crate::obtain::{self, Prompt};
use crate::plan::Recipient;
use crate::session::rfc3339;

pub fn run(args: &SessionArgs, env: &Environment) -> Result<ExitCode, Error> {
    let session = obtain::session(env, args, Recipient::Sdk, Prompt::Terminal)?;
    let c = &session.credentials;
    let document = json!({
        "Version": 1,
        "AccessKeyId": c.access_key_id,
        "SecretAccessKey": c.secret_access_key.expose(),
        "SessionToken": c.session_token.expose(),
        "Expiration": rfc3339(c.expiration),
    });
    tracing::info!(
        "printing credential_process JSON: Version, AccessKeyId, SecretAccessKey, SessionToken, Expiration"
    );
    super::print(&format!("{document:#}\n"))?;
    Ok(ExitCode::SUCCESS)
}
