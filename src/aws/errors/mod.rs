//! SDK errors turned into our `Error`: one readable line (the service's code and message,
//! or what went wrong on the way) and a hint. Never a raw response.

use std::time::Duration;

use aws_sdk_sts::error::{ProvideErrorMetadata, SdkError};
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;

use crate::error::{Error, StsFailure};

/// The fix for an answer that is not STS's.
pub(super) const NOT_STS_HINT: &str =
    "check that the endpoint really is STS (AWS_ENDPOINT_URL_STS / endpoint_url)";

/// What signed a request: a key the user keeps, or a session aws-mfa made (whose refusal
/// is mended by a new session, not by the credentials file).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum SignedWith {
    LongTermKey,
    Session,
}

/// One readable line from an SDK error: the service's code and message, or what went
/// wrong on the way. Never a raw response.
///
/// `timeout` is the run's whole allowance, named when it ran out.
pub(super) fn failure<E: ProvideErrorMetadata + std::error::Error + 'static>(
    action: &'static str,
    signed: SignedWith,
    timeout: Duration,
    err: SdkError<E, HttpResponse>,
) -> Error {
    let timed_out = || Error::Sts {
        action,
        why: format!("no answer from STS within {} s", timeout.as_secs_f32()),
        hint: Some("check the network or the endpoint, or give more time with --timeout".into()),
        kind: StsFailure::Other,
    };
    let (why, hint, kind) = match &err {
        SdkError::ServiceError(service) => {
            let status = service.raw().status().as_u16();
            return service_failure(
                action,
                signed,
                status,
                service.err().code(),
                service.err().message(),
            );
        }
        SdkError::TimeoutError(_) => return timed_out(),
        SdkError::DispatchFailure(failure) if failure.is_timeout() => return timed_out(),
        SdkError::DispatchFailure(_) => (
            format!("cannot reach STS: {}", root_cause(&err)),
            Some(
                "check the network, a proxy, AWS_ENDPOINT_URL_STS / endpoint_url, or AWS_CA_BUNDLE"
                    .into(),
            ),
            StsFailure::Other,
        ),
        SdkError::ResponseError(response) => (
            format!(
                "STS sent an answer that cannot be read (HTTP {})",
                response.raw().status().as_u16()
            ),
            Some(NOT_STS_HINT.into()),
            StsFailure::Other,
        ),
        SdkError::ConstructionFailure(_) => (
            format!("the request could not be built: {}", root_cause(&err)),
            Some("check endpoint_url / AWS_ENDPOINT_URL_STS and the region".into()),
            StsFailure::Other,
        ),
        _ => (root_cause(&err), None, StsFailure::Other),
    };
    Error::Sts {
        action,
        why: one_line(&why),
        hint,
        kind,
    }
}

/// What to do about the codes that mean the same whatever the call and the message.
const CODE_HINTS: &[(&str, &str)] = &[
    (
        "InvalidClientTokenId",
        "the access key is not valid (deleted or rotated?): check aws_access_key_id in your credentials file",
    ),
    (
        "SignatureDoesNotMatch",
        "check aws_secret_access_key in your credentials file, and that this machine's clock is right",
    ),
    (
        "ExpiredToken",
        "the credentials that signed the call have expired: run again with --refresh (and check that this machine's clock is right)",
    ),
    ("Throttling", THROTTLED),
    ("ThrottlingException", THROTTLED),
    ("RequestLimitExceeded", THROTTLED),
];

const SESSION_REFUSED: &str = "the session that signed the call is no longer valid (it expired, or the key that made it was deleted or rotated): run again with --refresh for a new one (and check that this machine's clock is right)";

const THROTTLED: &str = "STS is limiting requests: wait a moment and try again";

/// The hint for a code of `CODE_HINTS`. A session's key and token are refused once the
/// key that made it is deleted, or the session is cut short: the files are not at fault
/// then, and a new session is the fix.
fn code_hint(signed: SignedWith, code: &str) -> Option<&'static str> {
    let refused = [
        "InvalidClientTokenId",
        "SignatureDoesNotMatch",
        "ExpiredToken",
    ];
    if signed == SignedWith::Session && refused.contains(&code) {
        return Some(SESSION_REFUSED);
    }
    CODE_HINTS
        .iter()
        .find(|(known, _)| *known == code)
        .map(|(_, hint)| *hint)
}

/// STS's own error code and message, explained.
fn service_failure(
    action: &'static str,
    signed: SignedWith,
    status: u16,
    code: Option<&str>,
    message: Option<&str>,
) -> Error {
    let message = one_line(message.unwrap_or(""));
    let stated = |code: &str| {
        let code = one_line(code);
        if message.is_empty() {
            code
        } else {
            format!("{code}: {message}")
        }
    };
    if let Some(code) = code
        && let Some(hint) = code_hint(signed, code)
    {
        return Error::Sts {
            action,
            why: stated(code),
            hint: Some(hint.to_owned()),
            kind: StsFailure::Other,
        };
    }
    let (why, hint, kind) = match code {
        Some("AccessDenied") if message.contains("invalid MFA one time pass code") => (
            "STS rejected the MFA code (wrong, or already used in its 30-second window)".to_owned(),
            Some("wait for the next code and try again".to_owned()),
            StsFailure::RejectedCode,
        ),
        Some("AccessDenied") if message.contains("MultiFactorAuthentication") => (
            stated("AccessDenied"),
            Some("check mfa_serial: the device must be assigned to the IAM user whose keys are used".to_owned()),
            StsFailure::Other,
        ),
        Some(code @ "AccessDenied") if action == "AssumeRole" => (
            stated(code),
            Some("check the role's trust policy (it must trust your user or account, with MFA) and that your IAM policies allow sts:AssumeRole on it".to_owned()),
            StsFailure::Other,
        ),
        Some(code @ "AccessDenied") => (
            stated(code),
            Some("your IAM policies deny this call: an MFA-enforcing policy must still allow it without MFA".to_owned()),
            StsFailure::Other,
        ),
        Some(code) if status >= 500 => (
            stated(code),
            Some("STS is having trouble: try again shortly".to_owned()),
            StsFailure::Other,
        ),
        // A code without a message: perhaps a cut-off answer, so the status goes along.
        Some(code) if message.is_empty() => (
            format!("STS answered HTTP {status} with error code '{}' and no message", one_line(code)),
            None,
            StsFailure::Other,
        ),
        Some(code) => (stated(code), None, StsFailure::Other),
        None if (200..300).contains(&status) => (
            format!("STS sent an answer that cannot be read (HTTP {status})"),
            Some(NOT_STS_HINT.to_owned()),
            StsFailure::Other,
        ),
        None => (
            format!("STS answered HTTP {status} without an error code"),
            Some("STS may be having trouble, or the endpoint is not STS: try again shortly".to_owned()),
            StsFailure::Other,
        ),
    };
    Error::Sts {
        action,
        why,
        hint,
        kind,
    }
}

/// A failure before any call: the runtime, the HTTP client or its CAs.
pub(super) fn sts_setup(why: String, hint: Option<String>) -> Error {
    Error::Sts {
        action: "connecting to STS",
        why,
        hint,
        kind: StsFailure::Other,
    }
}

/// The innermost cause of an SDK error (connection refused, an invalid URI…). The outer
/// layers are not shown: some of them print the whole request, MFA code included.
pub(super) fn root_cause(err: &(dyn std::error::Error + 'static)) -> String {
    let mut cause = err;
    while let Some(source) = cause.source() {
        cause = source;
    }
    cause.to_string()
}

/// Text from STS or a setting as one line, its control characters escaped: it goes into
/// messages wherever they are shown (the terminal, the credential server's answers).
pub(super) fn one_line(text: &str) -> String {
    let line = text.split_whitespace().collect::<Vec<_>>().join(" ");
    crate::error::escape_controls(&line).into_owned()
}

#[cfg(test)]
mod tests;
