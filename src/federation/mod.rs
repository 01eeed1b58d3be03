//! The console sign-in, as AWS describes it for a custom identity broker: temporary role
//! credentials go to the partition's federation endpoint (`getSigninToken`), and its token
//! makes a `login` URL that opens the console signed in.
//!
//! `SessionDuration` (900 s to 12 h) may go along only with credentials that AssumeRole
//! gave to long-term keys: the endpoint refuses it for role-chained credentials (a role
//! assumed with session credentials, as from the MFA session), and for GetFederationToken
//! credentials. Without it the console session lasts as long as the credentials.

use std::time::Duration;

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
pub fn endpoint(partition: &Partition, env: &Environment) -> Result<String, Error> {
    let Some(url) = env.get(SIGNIN_URL_VAR).map(str::to_owned) else {
        return Ok(partition.federation.to_owned());
    };
    let invalid = |why: &str| Error::SignIn {
        why: format!(
            "{SIGNIN_URL_VAR} '{}' {why}",
            without_userinfo(&url).escape_debug()
        ),
        hint: Some(format!(
            "set {SIGNIN_URL_VAR} to an https:// federation URL (http:// only on 127.0.0.1), or unset it"
        )),
    };
    let uri: http::Uri = url.parse().map_err(|_| invalid("is not a URL"))?;
    let host = uri.host().unwrap_or("");
    let loopback = matches!(host, "127.0.0.1" | "[::1]" | "::1" | "localhost");
    match uri.scheme_str() {
        Some("https") if !host.is_empty() => Ok(url),
        Some("http") if loopback => Ok(url),
        Some("http") => Err(invalid("is plain http to another host")),
        _ => Err(invalid("is not an https:// URL")),
    }
}

/// Exchanges the credentials for a sign-in token and returns the login URL: a secret, good
/// for 15 minutes.
pub fn login_url(request: &SignIn<'_>) -> Result<Secret, Error> {
    let endpoint = endpoint(&request.partition, request.env)?;
    let c = request.credentials;
    let session = serde_json::json!({
        "sessionId": c.access_key_id,
        "sessionKey": c.secret_access_key.expose(),
        "sessionToken": c.session_token.expose(),
    })
    .to_string();
    let mut form = form_urlencoded::Serializer::new(String::new());
    form.append_pair("Action", "getSigninToken");
    if let Some(seconds) = request.session_duration {
        form.append_pair("SessionDuration", &seconds.to_string());
    }
    form.append_pair("Session", &session);
    let shown = without_userinfo(&endpoint);
    tracing::info!(
        session_duration = %request.session_duration.map_or("none (role chaining: the credentials' own)".to_owned(), |s| format!("{s}s")),
        "getSigninToken at {shown} with credentials {}",
        crate::verbose::key_id(&c.access_key_id)
    );
    let reply = crate::aws::post_form(&endpoint, form.finish(), request.timeout, request.env).map_err(|why| {
        Error::SignIn {
            why: format!("cannot reach the federation endpoint {shown}: {why}"),
            hint: Some("check the network (and AWS_CA_BUNDLE behind a TLS-inspecting proxy), then try again".into()),
        }
    })?;
    let token = signin_token(reply.status, &reply.body, c)?;
    tracing::info!("getSigninToken answered: a sign-in token");
    let query = form_urlencoded::Serializer::new(String::new())
        .append_pair("Action", "login")
        .append_pair("Destination", request.destination)
        .append_pair("SigninToken", &token)
        .finish();
    let separator = if endpoint.contains('?') { '&' } else { '?' };
    Ok(Secret::new(format!("{endpoint}{separator}{query}")))
}

/// The endpoint as it may be shown: a `user:password@` in it is left out.
fn without_userinfo(url: &str) -> String {
    match url.split_once("://") {
        Some((scheme, rest)) => {
            let (authority, path) = rest.find('/').map_or((rest, ""), |i| rest.split_at(i));
            let host = authority.rsplit('@').next().unwrap_or(authority);
            format!("{scheme}://{host}{path}")
        }
        None => url.to_owned(),
    }
}

/// The `SigninToken` of the endpoint's answer, or what went wrong, explained.
fn signin_token(status: u16, body: &[u8], sent: &Credentials) -> Result<String, Error> {
    let text = String::from_utf8_lossy(body);
    let document: Option<serde_json::Value> = serde_json::from_str(&text).ok();
    if status == 200 {
        let token = document
            .as_ref()
            .and_then(|d| d["SigninToken"].as_str())
            .filter(|t| !t.is_empty());
        return token.map(str::to_owned).ok_or_else(|| Error::SignIn {
            why: "the federation endpoint answered without a sign-in token".into(),
            hint: Some(format!(
                "check that the endpoint really is the AWS federation endpoint ({SIGNIN_URL_VAR})"
            )),
        });
    }
    // The endpoint's own words, when it gives them (never echoing what was sent).
    let said = document
        .as_ref()
        .map(|d| {
            ["message", "description"]
                .iter()
                .filter_map(|k| d[*k].as_str())
                .collect::<Vec<_>>()
                .join(": ")
        })
        .filter(|s| !s.is_empty())
        .or_else(|| {
            text.lines()
                .map(str::trim)
                .find(|l| !l.is_empty())
                .map(str::to_owned)
        })
        .filter(|s| {
            !s.contains(sent.secret_access_key.expose()) && !s.contains(sent.session_token.expose())
        })
        .map(|s| {
            let short: String = s.chars().take(200).collect();
            format!(": {}", short.escape_debug())
        })
        .unwrap_or_default();
    let hint = match status {
        400 | 401 | 403 => {
            "the endpoint refused the role credentials: they may have expired or been revoked; run again with --refresh"
        }
        429 => "the endpoint is limiting requests: wait a moment and try again",
        500.. => "the federation endpoint is having trouble: try again shortly",
        _ => "check that the endpoint really is the AWS federation endpoint",
    };
    Err(Error::SignIn {
        why: format!("the federation endpoint answered HTTP {status}{said}"),
        hint: Some(hint.into()),
    })
}

#[cfg(test)]
mod tests {
    use super::{AWS, AWS_CN, AWS_US_GOV, partition, without_userinfo};

    #[test]
    fn a_password_in_the_endpoint_is_never_shown() {
        assert_eq!(
            without_userinfo("https://me:pw@signin.example/federation?x=1"),
            "https://signin.example/federation?x=1"
        );
        assert_eq!(
            without_userinfo("http://127.0.0.1:8080/federation"),
            "http://127.0.0.1:8080/federation"
        );
    }

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
