//! The console sign-in, as AWS describes it for a custom identity broker: temporary role
//! credentials go to the partition's federation endpoint (`getSigninToken`), and its token
//! makes a `login` URL that opens the console signed in.
//!
//! `SessionDuration` (900 s to 12 h) may go along only with credentials that AssumeRole
//! gave to long-term keys: the endpoint refuses it for role-chained credentials (a role
//! assumed with session credentials, as from the MFA session), and for GetFederationToken
//! credentials. Without it the console session lasts as long as the credentials.

mod endpoint;
mod reply;

use std::time::Duration;

pub use endpoint::SigninEndpoint;

use crate::environment::Environment;
use crate::error::Error;
use crate::session::{Credentials, Secret};

/// Points the federation endpoint elsewhere (a private partition, tests).
pub const SIGNIN_URL_VAR: &str = "AWS_MFA_SIGNIN_URL";

/// An AWS partition's sign-in and console addresses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Partition {
    pub name: &'static str,
    pub federation: &'static str,
    pub console: &'static str,
}

const AWS: Partition = Partition {
    name: "aws",
    federation: "https://signin.aws.amazon.com/federation",
    console: "https://console.aws.amazon.com/",
};
const AWS_US_GOV: Partition = Partition {
    name: "aws-us-gov",
    federation: "https://signin.amazonaws-us-gov.com/federation",
    console: "https://console.amazonaws-us-gov.com/",
};
const AWS_CN: Partition = Partition {
    name: "aws-cn",
    federation: "https://signin.amazonaws.cn/federation",
    console: "https://console.amazonaws.cn/",
};

/// The partition of a role: the ARN's partition field, else the region's prefix.
pub fn partition(role_arn: &str, region: Option<&str>) -> Partition {
    match role_arn.split(':').nth(1) {
        Some("aws") => AWS,
        Some("aws-us-gov") => AWS_US_GOV,
        Some("aws-cn") => AWS_CN,
        _ => match region {
            Some(r) if r.starts_with("us-gov-") => AWS_US_GOV,
            Some(r) if r.starts_with("cn-") => AWS_CN,
            _ => AWS,
        },
    }
}

/// Everything the sign-in needs.
pub struct SignIn<'a> {
    pub partition: Partition,
    pub credentials: &'a Credentials,
    /// `SessionDuration`: only for credentials AssumeRole gave to long-term keys.
    pub session_duration: Option<u64>,
    /// The console page to land on.
    pub destination: &'a str,
    pub timeout: Duration,
    /// The run's environment (`AWS_MFA_SIGNIN_URL`, `AWS_CA_BUNDLE`).
    pub env: &'a Environment,
}

/// The federation endpoint: `AWS_MFA_SIGNIN_URL`, else the partition's. Plain `http://` is
/// accepted on loopback only: credentials travel in the request.
pub fn endpoint(partition: &Partition, env: &Environment) -> Result<SigninEndpoint, Error> {
    match env.get(SIGNIN_URL_VAR) {
        Some(url) => SigninEndpoint::parse(url),
        None => Ok(SigninEndpoint::fixed(partition.federation)),
    }
}

/// Exchanges the credentials for a sign-in token and returns the login URL: a secret, good
/// for 15 minutes.
pub fn login_url(request: &SignIn<'_>) -> Result<Secret, Error> {
    let endpoint = endpoint(&request.partition, request.env)?;
    let c = request.credentials;
    let session = Secret::new(
        serde_json::json!({
            "sessionId": c.access_key_id,
            "sessionKey": c.secret_access_key.expose(),
            "sessionToken": c.session_token.expose(),
        })
        .to_string(),
    );
    let mut form = form_urlencoded::Serializer::new(String::new());
    form.append_pair("Action", "getSigninToken");
    if let Some(seconds) = request.session_duration {
        form.append_pair("SessionDuration", &seconds.to_string());
    }
    form.append_pair("Session", session.expose());
    let shown = endpoint.shown();
    tracing::info!(
        session_duration = %request.session_duration.map_or("none (role chaining: the credentials' own)".to_owned(), |s| format!("{s}s")),
        "getSigninToken at {shown} with credentials {}",
        crate::verbose::key_id(&c.access_key_id)
    );
    let reply = crate::aws::post_form(
        endpoint.as_str(),
        form.finish(),
        reply::REPLY_LIMIT,
        request.timeout,
        request.env,
    )
    .map_err(|why| Error::SignIn {
        why: format!("cannot reach the federation endpoint {shown}: {why}"),
        hint: Some(
            "check the network (and AWS_CA_BUNDLE behind a TLS-inspecting proxy), then try again"
                .into(),
        ),
    })?;
    let token = reply::signin_token(reply.status, &reply.body, reply.cut_off, c)?;
    tracing::info!("getSigninToken answered: a sign-in token");
    let query = form_urlencoded::Serializer::new(String::new())
        .append_pair("Action", "login")
        .append_pair("Destination", request.destination)
        .append_pair("SigninToken", &token)
        .finish();
    Ok(Secret::new(endpoint.with_query(&query)))
}

#[cfg(test)]
mod tests {
    use super::{AWS, AWS_CN, AWS_US_GOV, partition};

    #[test]
    fn the_partition_comes_from_the_role_arn_else_the_region() {
        let gov = "arn:aws-us-gov:iam::123456789012:role/admin";
        let cn = "arn:aws-cn:iam::123456789012:role/admin";
        let aws = "arn:aws:iam::123456789012:role/admin";
        assert_eq!(partition(gov, None), AWS_US_GOV);
        assert_eq!(partition(cn, Some("us-east-1")), AWS_CN);
        assert_eq!(partition(aws, Some("cn-north-1")), AWS);
        assert_eq!(partition("not an arn", Some("us-gov-west-1")), AWS_US_GOV);
        assert_eq!(partition("not an arn", Some("cn-northwest-1")), AWS_CN);
        assert_eq!(partition("not an arn", None), AWS);
        assert_eq!(
            AWS_US_GOV.federation,
            "https://signin.amazonaws-us-gov.com/federation"
        );
    }
}
