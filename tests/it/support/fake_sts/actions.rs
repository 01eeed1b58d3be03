//! What the fake answers each STS and IAM action: the request verified and recorded, a
//! queued failure or the service's own rules, the credentials it issues.

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::{Duration, SystemTime};

use super::http::Request;
use super::sigv4::{authorization, verify};
use super::{
    BAD_CODE_MESSAGE, Call, Issued, Keys, MFA_POLICY_DENY_MESSAGE, Origin, Reply, SECRET_MARK,
    State, TOKEN_MARK, UNKNOWN_DEVICE_MESSAGE,
};

pub(super) fn answer(request: &Request, shared: &Mutex<State>) -> (u16, String) {
    let body = String::from_utf8_lossy(&request.body);
    let params: BTreeMap<String, String> = body
        .split('&')
        .filter_map(|pair| pair.split_once('='))
        .map(|(k, v)| (decode(k), decode(v)))
        .collect();
    let auth = request
        .headers
        .get("authorization")
        .and_then(|a| authorization(a));
    let action = params.get("Action").cloned().unwrap_or_default();
    let service = match action.as_str() {
        "ListMFADevices" | "ListAccountAliases" | "ListAccessKeys" | "CreateAccessKey"
        | "DeleteAccessKey" | "UpdateAccessKey" => "iam",
        _ => "sts",
    };
    let mut state = shared.lock().unwrap();
    let verified = verify(request, auth.as_ref(), service, &state);
    let mut call = Call {
        action,
        params,
        signer: auth
            .as_ref()
            .map(|a| a.access_key_id.clone())
            .unwrap_or_default(),
        signed_with: verified.as_ref().ok().map(|(keys, _)| keys.clone()),
        region: auth.as_ref().map(|a| a.region.clone()).unwrap_or_default(),
        service: auth.as_ref().map(|a| a.service.clone()).unwrap_or_default(),
        with_session_token: request.headers.contains_key("x-amz-security-token"),
        user_agent: request
            .headers
            .get("user-agent")
            .cloned()
            .unwrap_or_default(),
        refused: None,
    };
    let (status, body) = match verified {
        Err(refusal) => refusal,
        Ok((_, origin)) => respond(&call, origin, &mut state),
    };
    if status != 200 {
        call.refused = Some(
            body.split("<Code>")
                .nth(1)
                .and_then(|rest| rest.split("</Code>").next())
                .unwrap_or("")
                .to_owned(),
        );
    }
    state.calls.push(call);
    (status, body)
}

/// The answer to a call whose signature verified, made with keys of this origin.
fn respond(call: &Call, origin: Origin, state: &mut State) -> (u16, String) {
    let due = state
        .replies
        .iter()
        .position(|(action, _)| action.as_ref().is_none_or(|a| *a == call.action));
    if let Some((_, reply)) = due.and_then(|i| state.replies.remove(i)) {
        return match reply {
            Reply::Error {
                status,
                code,
                message,
            } => (status, error_document(code, message)),
            Reply::Raw { status, body } => (status, body.to_owned()),
            Reply::Hang => (0, String::new()),
        };
    }
    let denied = |message: &str| (403, error_document("AccessDenied", message));
    let invalid = |message: &str| (400, error_document("ValidationError", message));
    // What the caller proves: MFA in its session, or a serial and code in this call.
    let has_mfa = matches!(origin, Origin::Session { mfa: true } | Origin::Role)
        || (call.param("SerialNumber").is_some() && call.param("TokenCode").is_some());
    let policy_denies = |state: &State| !state.without_mfa_policy && !has_mfa;
    if let Some(serial) = call.param("SerialNumber") {
        let serial_ok = (9..=256).contains(&serial.len())
            && serial
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "_+=/:,.@-".contains(c));
        if !serial_ok {
            return invalid(
                "1 validation error detected: Value at 'serialNumber' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=/:,.@-]*",
            );
        }
        let Some(code) = call.param("TokenCode") else {
            return denied(UNKNOWN_DEVICE_MESSAGE);
        };
        if code.len() != 6 || !code.chars().all(|c| c.is_ascii_digit()) {
            return invalid(
                "1 validation error detected: Value at 'tokenCode' failed to satisfy constraint: Member must have length 6 and satisfy regular expression pattern: [\\d]*",
            );
        }
        if let Some(accepted) = &state.accept_code
            && code != accepted
        {
            return denied(BAD_CODE_MESSAGE);
        }
    } else if call.param("TokenCode").is_some() {
        return invalid("TokenCode given without a SerialNumber");
    }
    let asked = |default: u64| -> Result<u64, (u16, String)> {
        match call.param("DurationSeconds") {
            None => Ok(default),
            Some(d) => d
                .parse()
                .map_err(|_| invalid("DurationSeconds is not a number")),
        }
    };
    match call.action.as_str() {
        "GetSessionToken" => {
            if origin != Origin::LongTerm {
                return denied(
                    "Cannot call GetSessionToken with session credentials",
                );
            }
            // STS would answer, with a session that carries no MFA: useless under the
            // policy, and never what aws-mfa asks for.
            if call.param("SerialNumber").is_none() {
                return denied(
                    "The fake STS wants SerialNumber and TokenCode on GetSessionToken: a session without MFA is denied everything under the MFA policy",
                );
            }
            let seconds = match asked(43_200) {
                Ok(s) => s,
                Err(e) => return e,
            };
            if !(900..=129_600).contains(&seconds) {
                return invalid(
                    "1 validation error detected: Value at 'durationSeconds' failed to satisfy constraint: Member must have value between 900 and 129600",
                );
            }
            let lifetime = state.lifetime.unwrap_or(Duration::from_secs(seconds));
            let mfa = call.param("SerialNumber").is_some();
            let credentials = issue(state, lifetime, Origin::Session { mfa });
            (200, result_document("GetSessionToken", &credentials))
        }
        "AssumeRole" => {
            let seconds = match asked(3600) {
                Ok(s) => s,
                Err(e) => return e,
            };
            if !(900..=43_200).contains(&seconds) {
                return invalid(
                    "1 validation error detected: Value at 'durationSeconds' failed to satisfy constraint: Member must have value between 900 and 43200",
                );
            }
            let role = call.param("RoleArn").unwrap_or_default().to_owned();
            // arn:PARTITION:iam::ACCOUNT:role/NAME (aws, aws-cn, aws-us-gov…).
            let arn_ok = role
                .strip_prefix("arn:")
                .and_then(|rest| rest.split_once(":iam::"))
                .filter(|(partition, _)| {
                    partition.starts_with("aws")
                        && partition.chars().all(|c| c.is_ascii_lowercase() || c == '-')
                })
                .is_some_and(|(_, rest)| {
                    rest.split_once(":role/").is_some_and(|(account, name)| {
                        account.len() == 12
                            && account.chars().all(|c| c.is_ascii_digit())
                            && !name.is_empty()
                    })
                });
            if !arn_ok {
                return invalid(&format!("{role} is invalid"));
            }
            let name = call.param("RoleSessionName").unwrap_or_default();
            if !(2..=64).contains(&name.len())
                || !name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "_+=,.@-".contains(c))
            {
                return invalid(
                    "1 validation error detected: Value at 'roleSessionName' failed to satisfy constraint: Member must have length between 2 and 64 and satisfy regular expression pattern: [\\w+=,.@-]*",
                );
            }
            if origin != Origin::Role && policy_denies(state) {
                return denied(&format!(
                    "User: arn:aws:iam::123456789012:user/tester is not authorized to perform: sts:AssumeRole on resource: {role} with an explicit deny in an identity-based policy"
                ));
            }
            if call.with_session_token && seconds > 3600 {
                return invalid(
                    "The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.",
                );
            }
            let lifetime = state.lifetime.unwrap_or(Duration::from_secs(seconds));
            let credentials = issue(state, lifetime, Origin::Role);
            let user = format!(
                "<AssumedRoleUser><Arn>{role}</Arn><AssumedRoleId>AROAFAKE:{name}</AssumedRoleId></AssumedRoleUser>"
            );
            (200, result_document("AssumeRole", &(credentials + &user)))
        }
        "ListMFADevices" => {
            let members: String = state
                .mfa_devices
                .iter()
                .map(|serial| {
                    format!(
                        "<member><UserName>tester</UserName><SerialNumber>{serial}</SerialNumber><EnableDate>2026-01-01T00:00:00Z</EnableDate></member>"
                    )
                })
                .collect();
            (
                200,
                format!(
                    r#"<ListMFADevicesResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><ListMFADevicesResult><MFADevices>{members}</MFADevices><IsTruncated>false</IsTruncated></ListMFADevicesResult><ResponseMetadata><RequestId>fake-request</RequestId></ResponseMetadata></ListMFADevicesResponse>"#
                ),
            )
        }
        // Outside what the MFA policy allows without MFA: denied explicitly to long-term
        // keys alone, as IAM does when the policy is attached.
        "ListAccountAliases" | "ListAccessKeys" | "CreateAccessKey" | "DeleteAccessKey"
        | "UpdateAccessKey"
            if policy_denies(state) =>
        {
            (403, error_document("AccessDenied", MFA_POLICY_DENY_MESSAGE))
        }
        "ListAccessKeys" => {
            let members: String = state
                .access_keys
                .iter()
                .map(|(id, at)| {
                    format!(
                        "<member><UserName>tester</UserName><AccessKeyId>{id}</AccessKeyId><Status>Active</Status><CreateDate>{}</CreateDate></member>",
                        humantime::format_rfc3339_seconds(*at)
                    )
                })
                .collect();
            (
                200,
                format!(
                    r#"<ListAccessKeysResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><ListAccessKeysResult><UserName>tester</UserName><AccessKeyMetadata>{members}</AccessKeyMetadata><IsTruncated>false</IsTruncated></ListAccessKeysResult><ResponseMetadata><RequestId>fake-request</RequestId></ResponseMetadata></ListAccessKeysResponse>"#
                ),
            )
        }
        "CreateAccessKey" => {
            let id = format!("AKIAFAKENEW{:09}", state.made_keys.len() + 1);
            let delay = state.new_key_delay;
            state.made_keys.insert(id.clone(), delay);
            state.access_keys.push((id.clone(), SystemTime::now()));
            let secret = format!("{SECRET_MARK}/newLongTermSecret+{id}");
            state
                .known
                .insert(id.clone(), (Keys::long_term(&id, &secret), Origin::LongTerm));
            (
                200,
                format!(
                    r#"<CreateAccessKeyResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><CreateAccessKeyResult><AccessKey><UserName>tester</UserName><AccessKeyId>{id}</AccessKeyId><Status>Active</Status><SecretAccessKey>{secret}</SecretAccessKey><CreateDate>{}</CreateDate></AccessKey></CreateAccessKeyResult><ResponseMetadata><RequestId>fake-request</RequestId></ResponseMetadata></CreateAccessKeyResponse>"#,
                    humantime::format_rfc3339_seconds(SystemTime::now())
                ),
            )
        }
        "DeleteAccessKey" | "UpdateAccessKey" => {
            let id = call.param("AccessKeyId").unwrap_or_default().to_owned();
            if call.action == "DeleteAccessKey" {
                state.access_keys.retain(|(k, _)| *k != id);
            }
            (
                200,
                format!(
                    r#"<{0}Response xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><ResponseMetadata><RequestId>fake-request</RequestId></ResponseMetadata></{0}Response>"#,
                    call.action
                ),
            )
        }
        "GetCallerIdentity" if state.made_keys.get(&call.signer).is_some_and(|n| *n > 0) => {
            *state.made_keys.get_mut(&call.signer).unwrap() -= 1;
            (
                403,
                error_document(
                    "InvalidClientTokenId",
                    "The security token included in the request is invalid.",
                ),
            )
        }
        "ListAccountAliases" => (
            200,
            r#"<ListAccountAliasesResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><ListAccountAliasesResult><IsTruncated>false</IsTruncated><AccountAliases><member>fake-account</member></AccountAliases></ListAccountAliasesResult><ResponseMetadata><RequestId>fake-request</RequestId></ResponseMetadata></ListAccountAliasesResponse>"#.to_owned(),
        ),
        "GetCallerIdentity" => (
            200,
            result_document(
                "GetCallerIdentity",
                "<Arn>arn:aws:iam::123456789012:user/tester</Arn><UserId>AIDAFAKE</UserId><Account>123456789012</Account>",
            ),
        ),
        other => (
            400,
            error_document(
                "InvalidAction",
                if other.is_empty() {
                    "no Action"
                } else {
                    "unknown Action"
                },
            ),
        ),
    }
}

/// How long the fake's session tokens are: real ones run to several KB (role sessions
/// longer than MFA sessions).
const SESSION_TOKEN_LEN: usize = 1_800;
const ROLE_TOKEN_LEN: usize = 4_000;

/// Base64 text of `len` characters, different for every `seed` (as tokens and secrets are).
fn base64ish(seed: u64, len: usize) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    (0..len)
        .map(|_| {
            // xorshift64*
            x ^= x >> 12;
            x ^= x << 25;
            x ^= x >> 27;
            ALPHABET[(x.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 58) as usize] as char
        })
        .collect()
}

/// Issues a new set: remembered (its token bound to its key) and returned as XML.
fn issue(state: &mut State, lifetime: Duration, origin: Origin) -> String {
    let n = state.issued.len() + 1;
    let id = format!("ASIAFAKE{n:012}");
    let seed = n as u64;
    // 40 characters, with the `/` and `+` real secrets have.
    let mut secret = format!("{SECRET_MARK}{n}x/+");
    secret.push_str(&base64ish(seed, 40 - secret.len()));
    let length = match origin {
        Origin::Role => ROLE_TOKEN_LEN,
        _ => SESSION_TOKEN_LEN,
    };
    let mut token = format!("{TOKEN_MARK}{n}/+=");
    token.push_str(&base64ish(seed << 32 | 7, length - token.len() - 2));
    token.push_str("==");
    let keys = Keys {
        access_key_id: id.clone(),
        secret_access_key: secret.clone(),
        session_token: Some(token.clone()),
    };
    let expiration = SystemTime::now() + lifetime;
    state.known.insert(id.clone(), (keys.clone(), origin));
    state.issued.push(Issued {
        keys,
        origin,
        expiration,
    });
    format!(
        "<Credentials><AccessKeyId>{id}</AccessKeyId><SecretAccessKey>{secret}</SecretAccessKey><SessionToken>{token}</SessionToken><Expiration>{}</Expiration></Credentials>",
        humantime::format_rfc3339_seconds(expiration)
    )
}

fn result_document(action: &str, inner: &str) -> String {
    format!(
        r#"<{action}Response xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><{action}Result>{inner}</{action}Result><ResponseMetadata><RequestId>fake-request</RequestId></ResponseMetadata></{action}Response>"#
    )
}

pub(super) fn error_document(code: &str, message: &str) -> String {
    format!(
        r#"<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type><Code>{code}</Code><Message>{message}</Message></Error><RequestId>fake-request</RequestId></ErrorResponse>"#
    )
}

fn decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap_or("");
                out.push(u8::from_str_radix(hex, 16).unwrap_or(b'?'));
                i += 2;
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// An HTTP date, as STS sends in its `Date` header.
pub(super) fn httpdate(time: SystemTime) -> String {
    aws_smithy_types::DateTime::from(time)
        .fmt(aws_smithy_types::date_time::Format::HttpDate)
        .expect("a current time formats")
}
