//! SDK errors turned into our `Error`: one readable line (the service's code and message,
//! or what went wrong on the way) and a hint. Never a raw response.

use std::time::Duration;

use aws_sdk_sts::error::{ProvideErrorMetadata, SdkError};
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;

use crate::error::{Error, StsFailure};

/// The fix for an answer that is not STS's.
pub(super) const NOT_STS_HINT: &str =
    "check that the endpoint really is STS (AWS_ENDPOINT_URL_STS / endpoint_url)";

/// One readable line from an SDK error: the service's code and message, or what went
/// wrong on the way. Never a raw response.
///
/// `timeout` is the run's whole allowance, named when it ran out.
pub(super) fn failure<E: ProvideErrorMetadata + std::error::Error + 'static>(
    action: &'static str,
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

const THROTTLED: &str = "STS is limiting requests: wait a moment and try again";

/// The hint for a code of `CODE_HINTS`.
fn code_hint(code: &str) -> Option<&'static str> {
    CODE_HINTS
        .iter()
        .find(|(known, _)| *known == code)
        .map(|(_, hint)| *hint)
}

/// STS's own error code and message, explained.
fn service_failure(
    action: &'static str,
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
        && let Some(hint) = code_hint(code)
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
mod tests {
    use std::time::Duration;

    use aws_sdk_sts::error::SdkError;
    use aws_sdk_sts::operation::get_session_token::GetSessionTokenError;
    use aws_smithy_runtime_api::client::result::ConnectorError;

    use super::{failure, service_failure};
    use crate::error::Error;

    const GST: &str = "GetSessionToken";

    /// What STS said (the call, HTTP status, code, message), and what the user is told: the
    /// whole line after `aws-mfa: `, and a fragment of the hint (`None`: no hint).
    #[test]
    fn sts_error_codes_are_explained() {
        let rows: [(_, u16, _, _, _, Option<&str>); 15] = [
            (
                GST,
                403,
                Some("AccessDenied"),
                Some("MultiFactorAuthentication failed with invalid MFA one time pass code. "),
                "GetSessionToken failed: STS rejected the MFA code (wrong, or already used in its 30-second window)",
                Some("wait for the next code"),
            ),
            (
                GST,
                403,
                Some("AccessDenied"),
                Some("MultiFactorAuthentication failed, unable to validate MFA code."),
                "GetSessionToken failed: AccessDenied: MultiFactorAuthentication failed, unable to validate MFA code.",
                Some("check mfa_serial"),
            ),
            (
                "AssumeRole",
                403,
                Some("AccessDenied"),
                Some("User: arn:aws:iam::1:user/a is not authorized to perform: sts:AssumeRole"),
                "AssumeRole failed: AccessDenied: User: arn:aws:iam::1:user/a is not authorized to perform: sts:AssumeRole",
                Some("role's trust policy"),
            ),
            (
                GST,
                403,
                Some("AccessDenied"),
                Some("explicit deny"),
                "GetSessionToken failed: AccessDenied: explicit deny",
                Some("your IAM policies deny this call"),
            ),
            (
                GST,
                403,
                Some("InvalidClientTokenId"),
                Some("The security token included in the request is invalid."),
                "GetSessionToken failed: InvalidClientTokenId: The security token included in the request is invalid.",
                Some("aws_access_key_id"),
            ),
            (
                GST,
                403,
                Some("SignatureDoesNotMatch"),
                Some("The request signature we calculated does not match"),
                "GetSessionToken failed: SignatureDoesNotMatch: The request signature we calculated does not match",
                Some("aws_secret_access_key"),
            ),
            (
                "AssumeRole",
                403,
                Some("ExpiredToken"),
                Some("The security token included in the request is expired"),
                "AssumeRole failed: ExpiredToken: The security token included in the request is expired",
                Some("--refresh"),
            ),
            (
                GST,
                400,
                Some("Throttling"),
                Some("Rate exceeded"),
                "GetSessionToken failed: Throttling: Rate exceeded",
                Some("limiting requests"),
            ),
            (
                GST,
                400,
                Some("RequestLimitExceeded"),
                None,
                "GetSessionToken failed: RequestLimitExceeded",
                Some("limiting requests"),
            ),
            (
                GST,
                503,
                Some("ServiceUnavailable"),
                Some("Service is unavailable"),
                "GetSessionToken failed: ServiceUnavailable: Service is unavailable",
                Some("STS is having trouble"),
            ),
            (
                GST,
                400,
                Some("ValidationError"),
                None,
                "GetSessionToken failed: STS answered HTTP 400 with error code 'ValidationError' and no message",
                None,
            ),
            (
                GST,
                400,
                Some("ValidationError"),
                Some("1 validation error detected"),
                "GetSessionToken failed: ValidationError: 1 validation error detected",
                None,
            ),
            (
                GST,
                200,
                None,
                None,
                "GetSessionToken failed: STS sent an answer that cannot be read (HTTP 200)",
                Some("really is STS"),
            ),
            (
                GST,
                502,
                None,
                Some("Bad Gateway"),
                "GetSessionToken failed: STS answered HTTP 502 without an error code",
                Some("STS may be having trouble"),
            ),
            // Text from the network reaches the terminal on one line, its controls escaped.
            (
                GST,
                400,
                Some("Bad\u{1b}[31mCode"),
                Some("line one\n  line\ttwo\u{7}"),
                "GetSessionToken failed: Bad\\x1b[31mCode: line one line two\\x07",
                None,
            ),
        ];
        for (action, status, code, message, says, hint) in rows {
            let err = service_failure(action, status, code, message);
            let case = format!("{code:?} {message:?} {status}");
            assert!(matches!(err, Error::Sts { .. }), "{case}");
            assert_eq!(err.to_string(), says, "{case}");
            match (err.hint(), hint) {
                (Some(hint), Some(part)) => assert!(hint.contains(part), "{case}: {hint}"),
                (None, None) => {}
                (got, want) => panic!("{case}: hint {got:?}, expected one with {want:?}"),
            }
            // Only a rejected code makes the prompt ask for another one.
            assert_eq!(
                err.is_rejected_code(),
                says.contains("rejected the MFA code"),
                "{case}"
            );
        }
    }

    #[test]
    fn failures_on_the_way_say_what_went_wrong() {
        let timeout = Duration::from_millis(2500);
        let refused = std::io::Error::new(std::io::ErrorKind::ConnectionRefused, "refused");
        let rows: [(SdkError<GetSessionTokenError, _>, &str, &str); 4] = [
            (
                SdkError::timeout_error("late"),
                "GetSessionToken failed: no answer from STS within 2.5 s",
                "--timeout",
            ),
            (
                SdkError::dispatch_failure(ConnectorError::timeout("late".into())),
                "GetSessionToken failed: no answer from STS within 2.5 s",
                "--timeout",
            ),
            (
                SdkError::dispatch_failure(ConnectorError::io(Box::new(refused))),
                "GetSessionToken failed: cannot reach STS: refused",
                "AWS_CA_BUNDLE",
            ),
            (
                SdkError::construction_failure("no\nURI"),
                "GetSessionToken failed: the request could not be built: no URI",
                "endpoint_url",
            ),
        ];
        for (sdk_error, says, hint) in rows {
            let err = failure("GetSessionToken", timeout, sdk_error);
            assert_eq!(err.to_string(), says);
            assert!(err.hint().unwrap_or_default().contains(hint), "{says}");
            assert!(!err.is_rejected_code(), "{says}");
        }
    }
}
