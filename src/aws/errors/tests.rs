use std::time::Duration;

use aws_sdk_sts::error::SdkError;
use aws_sdk_sts::operation::get_session_token::GetSessionTokenError;
use aws_smithy_runtime_api::client::result::ConnectorError;

use super::{SESSION_REFUSED, SignedWith, failure, service_failure};
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
        let err = service_failure(action, SignedWith::LongTermKey, status, code, message);
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
fn a_refused_session_is_mended_by_a_new_one_not_by_the_files() {
    for code in [
        "InvalidClientTokenId",
        "SignatureDoesNotMatch",
        "ExpiredToken",
    ] {
        let by_key = service_failure(
            "AssumeRole",
            SignedWith::LongTermKey,
            403,
            Some(code),
            Some("no"),
        );
        let by_session = service_failure(
            "AssumeRole",
            SignedWith::Session,
            403,
            Some(code),
            Some("no"),
        );
        assert_eq!(
            by_session.to_string(),
            format!("AssumeRole failed: {code}: no")
        );
        assert_eq!(
            by_session.hint().as_deref(),
            Some(SESSION_REFUSED),
            "{code}"
        );
        assert_ne!(by_key.hint().as_deref(), Some(SESSION_REFUSED), "{code}");
    }
    // Other answers say the same whoever signed.
    let denied =
        |signed| service_failure("AssumeRole", signed, 403, Some("AccessDenied"), Some("no"));
    assert_eq!(
        denied(SignedWith::Session).hint(),
        denied(SignedWith::LongTermKey).hint()
    );
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
        let err = failure(
            "GetSessionToken",
            SignedWith::LongTermKey,
            timeout,
            sdk_error,
        );
        assert_eq!(err.to_string(), says);
        assert!(err.hint().unwrap_or_default().contains(hint), "{says}");
        assert!(!err.is_rejected_code(), "{says}");
    }
}
