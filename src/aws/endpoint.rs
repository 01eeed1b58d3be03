//! The endpoint URL the SDK will use, checked before it does: it panics on an empty one,
//! connects to port 80 for a port it cannot read, and never says which setting was wrong.

use crate::error::{Error, StsFailure};

use super::errors::one_line;

/// Checks the endpoint URL the SDK will use for `service_id` (found the SDK's own way:
/// `AWS_ENDPOINT_URL_<SERVICE>`, `AWS_ENDPOINT_URL`, the profile's `services` section
/// and `endpoint_url`). The SDK panics on an empty one and connects to port 80 for an
/// out-of-range port; it never says which setting was wrong.
pub(super) fn check(
    config: &aws_config::SdkConfig,
    action: &'static str,
    service_id: &'static str,
) -> Result<(), Error> {
    let key = aws_types::service_config::ServiceConfigKey::builder()
        .service_id(service_id)
        .env("AWS_ENDPOINT_URL")
        .profile("endpoint_url")
        .build();
    let configured = key
        .ok()
        .and_then(|key| config.service_config()?.load_config(key));
    let Some(url) = configured else {
        return Ok(());
    };
    let upper = service_id.to_ascii_uppercase();
    let invalid = |why: String| Error::Sts {
        action,
        why: format!("the {service_id} endpoint URL {why}"),
        hint: Some(format!(
            "fix or unset AWS_ENDPOINT_URL_{upper}, AWS_ENDPOINT_URL, or endpoint_url in the profile: an http:// or https:// URL"
        )),
        kind: StsFailure::Other,
    };
    if let Ok(uri) = url.trim().parse::<http::Uri>() {
        // Scheme, host and port only: a URL may carry a user and password.
        let host = uri
            .authority()
            .map(|a| a.as_str().rsplit('@').next().unwrap_or(""));
        tracing::info!(
            "{service_id} endpoint from the settings: {}://{}",
            uri.scheme_str().unwrap_or("?"),
            host.unwrap_or("?")
        );
    }
    endpoint_problem(&url).map_or(Ok(()), |why| {
        Err(invalid(if url.trim().is_empty() {
            "is set but empty".to_owned()
        } else {
            format!("'{}' is invalid: {why}", one_line(&without_userinfo(&url)))
        }))
    })
}

/// A URL as it may be shown: a `user:password@` before the host is replaced by `…@`.
fn without_userinfo(url: &str) -> String {
    let (scheme, rest) = match url.find("://") {
        Some(at) => url.split_at(at + 3),
        None => ("", url),
    };
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    match rest[..authority_end].rfind('@') {
        Some(at) => format!("{scheme}…{}", &rest[at..]),
        None => url.to_owned(),
    }
}

/// What is wrong with an endpoint URL, if anything: what the SDK would stumble on later.
fn endpoint_problem(url: &str) -> Option<String> {
    let uri: http::Uri = match url.trim().parse() {
        Ok(uri) => uri,
        Err(e) => return Some(e.to_string()),
    };
    match uri.scheme_str() {
        None => return Some("it has no scheme (http:// or https://)".into()),
        Some("http" | "https") => {}
        Some(other) => return Some(format!("the scheme '{other}' is not http or https")),
    }
    let Some(authority) = uri.authority() else {
        return Some("it names no host".into());
    };
    if authority.host().is_empty() {
        return Some("it names no host".into());
    }
    // `http` drops a port it cannot read, and the connection then goes to port 80.
    match authority.as_str().rsplit_once(':') {
        Some((_, port)) if !port.contains(']') && port.parse::<u16>().is_err() => {
            Some(format!("the port '{port}' is not a port number"))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::{endpoint_problem, without_userinfo};

    #[test]
    fn urls_are_shown_without_user_and_password() {
        assert_eq!(
            without_userinfo("http://alice:s3cret@127.0.0.1:99999/x@y"),
            "http://…@127.0.0.1:99999/x@y"
        );
        assert_eq!(without_userinfo("alice:s3cret@host"), "…@host");
        assert_eq!(
            without_userinfo("http://127.0.0.1:1/a@b"),
            "http://127.0.0.1:1/a@b"
        );
    }

    #[test]
    fn endpoint_urls_the_sdk_would_stumble_on() {
        for good in [
            "https://sts.eu-west-1.amazonaws.com",
            "http://127.0.0.1:4566",
            "http://[::1]:8080/",
            "https://proxy.example/sts",
        ] {
            assert_eq!(endpoint_problem(good), None, "{good}");
        }
        for (bad, why) in [
            ("", "empty"),
            ("not a url", "invalid uri character"),
            ("127.0.0.1:4566", "no scheme"),
            ("ftp://127.0.0.1", "'ftp'"),
            ("http://127.0.0.1:99999", "'99999'"),
            ("http://127.0.0.1:http", "'http'"),
        ] {
            let problem = endpoint_problem(bad).unwrap_or_default();
            assert!(problem.contains(why), "{bad:?}: {problem:?}");
        }
    }
}
