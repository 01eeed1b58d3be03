//! An STS that runs inside the test process, on 127.0.0.1, speaking the AWS query protocol
//! over plain HTTP/1.1. It records every call (action, parameters, the key that signed it)
//! and can fail on purpose.

use std::collections::{BTreeMap, VecDeque};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, SystemTime};

/// Marks every secret the fake hands out, so tests can scan output for leaks.
pub const SECRET_MARK: &str = "FAKESECRET";
pub const TOKEN_MARK: &str = "FAKETOKEN";

/// STS's text for a wrong or reused code, and for a device that is not the user's.
pub const BAD_CODE_MESSAGE: &str =
    "MultiFactorAuthentication failed with invalid MFA one time pass code. ";
pub const UNKNOWN_DEVICE_MESSAGE: &str = "MultiFactorAuthentication failed, unable to validate MFA code. Please verify your MFA serial number is valid and associated with this user.";

/// IAM's text when a policy denies an action explicitly (the MFA policy, without MFA).
pub const MFA_POLICY_DENY_MESSAGE: &str = "User: arn:aws:iam::123456789012:user/tester is not authorized to perform: iam:ListAccountAliases on resource: * with an explicit deny in an identity-based policy";

/// One request as the fake saw it.
#[derive(Debug, Clone)]
pub struct Call {
    pub action: String,
    pub params: BTreeMap<String, String>,
    /// The access key id from the SigV4 `Authorization` header.
    pub signer: String,
    /// Whether `X-Amz-Security-Token` came along (signed with session credentials).
    pub with_session_token: bool,
    /// The `User-Agent` header: which SDK sent it (aws-mfa's is the Rust SDK).
    pub user_agent: String,
}

impl Call {
    pub fn param(&self, name: &str) -> Option<&str> {
        self.params.get(name).map(String::as_str)
    }

    /// aws-mfa asking whose fresh MFA session it holds (for `status`), right after
    /// GetSessionToken, signed with that session.
    pub fn is_identity_lookup(&self) -> bool {
        self.action == "GetCallerIdentity"
            && self.with_session_token
            && self.user_agent.contains("aws-sdk-rust")
    }
}

/// How to answer one request, instead of the normal answer.
#[derive(Debug, Clone)]
pub enum Reply {
    /// An STS error document.
    Error {
        status: u16,
        code: &'static str,
        message: &'static str,
    },
    /// Any status with any body.
    Raw { status: u16, body: &'static str },
    /// Accept the connection and never answer.
    Hang,
}

#[derive(Default)]
struct State {
    calls: Vec<Call>,
    /// Replies still to give, each to the next request (of one action, when named).
    replies: VecDeque<(Option<String>, Reply)>,
    /// When set, only this code is accepted; others get AccessDenied.
    accept_code: Option<String>,
    /// What IAM ListMFADevices answers.
    mfa_devices: Vec<String>,
    /// What IAM ListAccessKeys answers: key ids and their creation times.
    access_keys: Vec<(String, SystemTime)>,
    /// Keys made by CreateAccessKey, and how many more calls each refuses as not valid yet.
    made_keys: BTreeMap<String, u32>,
    /// How many calls a key made by CreateAccessKey refuses before it is valid.
    new_key_delay: u32,
    /// How far the `Date` header is ahead of this machine's clock (seconds, may be < 0).
    clock_offset: i64,
    /// Every answer waits this long (to make concurrent callers overlap).
    delay: Duration,
    /// Overrides the lifetime of what is handed out.
    lifetime: Option<Duration>,
    /// No `DenyAllExceptListedIfNoMFA` for the caller: long-term keys alone may do anything.
    without_mfa_policy: bool,
    issued: u32,
    /// Connections accepted.
    connections: usize,
}

pub struct FakeSts {
    url: String,
    state: Arc<Mutex<State>>,
}

impl FakeSts {
    pub fn start() -> Self {
        Self::listen("http", serve)
    }

    /// The same over HTTPS, with a certificate for 127.0.0.1 from a fresh private CA; the
    /// CA's PEM comes back for `AWS_CA_BUNDLE`.
    pub fn start_tls() -> (Self, String) {
        Self::start_tls_with(ServerCert::Valid)
    }

    /// Over HTTPS with a certificate of this kind, from a fresh private CA (its PEM comes
    /// back).
    pub fn start_tls_with(kind: ServerCert) -> (Self, String) {
        let (config, ca_pem) = tls_config_for(kind);
        let fake = Self::listen("https", move |stream, state| {
            if let Ok(connection) = rustls::ServerConnection::new(Arc::clone(&config)) {
                serve(rustls::StreamOwned::new(connection, stream), state);
            }
        });
        (fake, ca_pem)
    }

    fn listen(
        scheme: &str,
        handle: impl Fn(TcpStream, &Mutex<State>) + Send + Sync + 'static,
    ) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1");
        let url = format!("{scheme}://{}", listener.local_addr().unwrap());
        let state = Arc::new(Mutex::new(State::default()));
        let shared = Arc::clone(&state);
        let handle = Arc::new(handle);
        thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                shared.lock().unwrap().connections += 1;
                let state = Arc::clone(&shared);
                let handle = Arc::clone(&handle);
                thread::spawn(move || handle(stream, &state));
            }
        });
        FakeSts { url, state }
    }

    pub fn url(&self) -> &str {
        &self.url
    }

    /// Only `code` is a right code from now on.
    pub fn accept_only(&self, code: &str) -> &Self {
        self.state.lock().unwrap().accept_code = Some(code.to_owned());
        self
    }

    /// Credentials handed out from now on last this long, whatever was asked.
    pub fn lifetime(&self, lifetime: Duration) -> &Self {
        self.state.lock().unwrap().lifetime = Some(lifetime);
        self
    }

    /// The MFA devices IAM lists for the caller (ListMFADevices).
    pub fn mfa_devices(&self, serials: &[&str]) -> &Self {
        self.state.lock().unwrap().mfa_devices = serials.iter().map(|s| s.to_string()).collect();
        self
    }

    /// The access keys IAM lists for the caller (ListAccessKeys), with their creation times.
    pub fn access_keys(&self, keys: &[(&str, SystemTime)]) -> &Self {
        self.state.lock().unwrap().access_keys =
            keys.iter().map(|(id, at)| (id.to_string(), *at)).collect();
        self
    }

    /// A key made by CreateAccessKey signs `calls` calls that are refused as invalid before
    /// it works, as a new IAM key does for some seconds.
    pub fn new_keys_valid_after(&self, calls: u32) -> &Self {
        self.state.lock().unwrap().new_key_delay = calls;
        self
    }

    /// The caller has no MFA-enforcing policy: IAM calls outside its list, signed with
    /// long-term keys alone, succeed (by default they get the policy's explicit deny).
    pub fn without_mfa_policy(&self) -> &Self {
        self.state.lock().unwrap().without_mfa_policy = true;
        self
    }

    /// The `Date` header runs this many seconds ahead (behind, when negative).
    pub fn clock_offset(&self, seconds: i64) -> &Self {
        self.state.lock().unwrap().clock_offset = seconds;
        self
    }

    /// Every answer from now on takes this long.
    pub fn delay(&self, delay: Duration) -> &Self {
        self.state.lock().unwrap().delay = delay;
        self
    }

    /// The next request gets this reply instead of the normal one.
    pub fn then(&self, reply: Reply) -> &Self {
        self.state.lock().unwrap().replies.push_back((None, reply));
        self
    }

    /// The next request for `action` gets this reply; other actions are answered normally.
    pub fn then_for(&self, action: &str, reply: Reply) -> &Self {
        let mut state = self.state.lock().unwrap();
        state.replies.push_back((Some(action.to_owned()), reply));
        self
    }

    pub fn calls(&self) -> Vec<Call> {
        self.state.lock().unwrap().calls.clone()
    }

    /// Every call but aws-mfa's identity lookups: the calls that make or use credentials.
    pub fn mints(&self) -> Vec<Call> {
        let mut calls = self.calls();
        calls.retain(|c| !c.is_identity_lookup());
        calls
    }

    pub fn count(&self, action: &str) -> usize {
        self.calls().iter().filter(|c| c.action == action).count()
    }

    /// How many connections were accepted (over TLS: handshakes begun).
    pub fn connections(&self) -> usize {
        self.state.lock().unwrap().connections
    }
}

fn serve(stream: impl Read + Write, state: &Mutex<State>) {
    let mut connection = BufReader::new(stream);
    // One connection carries many requests (the SDK keeps connections alive).
    while let Some((headers, body)) = read_request(&mut connection) {
        let (status, body) = answer(&headers, &body, state);
        let (delay, offset) = {
            let state = state.lock().unwrap();
            (state.delay, state.clock_offset)
        };
        thread::sleep(delay);
        if status == 0 {
            // Hang: hold the connection open without a word, until the client gives up.
            thread::sleep(Duration::from_secs(120));
            return;
        }
        let now = SystemTime::now();
        let date = if offset >= 0 {
            now + Duration::from_secs(offset.unsigned_abs())
        } else {
            now - Duration::from_secs(offset.unsigned_abs())
        };
        let response = format!(
            "HTTP/1.1 {status} {}\r\nContent-Type: text/xml\r\nContent-Length: {}\r\nDate: {}\r\n\r\n{body}",
            if status == 200 { "OK" } else { "Error" },
            body.len(),
            httpdate(date),
        );
        let writer = connection.get_mut();
        if writer
            .write_all(response.as_bytes())
            .and_then(|()| writer.flush())
            .is_err()
        {
            return;
        }
    }
}

/// The certificate a TLS fake shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ServerCert {
    /// For 127.0.0.1, valid now.
    Valid,
    /// For 127.0.0.1, expired (valid through 2021 only).
    Expired,
    /// Valid now, but for another host name (sts.example.com) only.
    OtherHost,
}

/// A new private CA: its certificate as PEM, and what signs with it.
pub fn private_ca() -> (String, rcgen::Issuer<'static, rcgen::KeyPair>) {
    use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair};
    let ca_key = KeyPair::generate().unwrap();
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    // Each CA its own name: a certificate names its issuer, and two CAs of one name would
    // look like a forged signature rather than an unknown issuer.
    static CAS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = CAS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    ca_params.distinguished_name.push(
        DnType::CommonName,
        format!("aws-mfa test CA {} {n}", std::process::id()),
    );
    let ca = ca_params.self_signed(&ca_key).unwrap();
    (ca.pem(), Issuer::new(ca_params, ca_key))
}

/// A server certificate for 127.0.0.1 signed by a new CA; returns the CA as PEM.
pub fn tls_config() -> (Arc<rustls::ServerConfig>, String) {
    tls_config_for(ServerCert::Valid)
}

/// A server certificate of `kind` signed by a new CA; returns the CA as PEM.
fn tls_config_for(kind: ServerCert) -> (Arc<rustls::ServerConfig>, String) {
    use rcgen::{CertificateParams, KeyPair, date_time_ymd};
    let (ca_pem, issuer) = private_ca();
    let key = KeyPair::generate().unwrap();
    let host = match kind {
        ServerCert::Valid | ServerCert::Expired => "127.0.0.1",
        ServerCert::OtherHost => "sts.example.com",
    };
    let mut params = CertificateParams::new(vec![host.to_owned()]).unwrap();
    if kind == ServerCert::Expired {
        params.not_before = date_time_ymd(2020, 1, 1);
        params.not_after = date_time_ymd(2021, 12, 31);
    }
    let cert = params.signed_by(&key, &issuer).unwrap();
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(
            vec![cert.der().clone()],
            rustls::pki_types::PrivateKeyDer::Pkcs8(key.serialize_der().into()),
        )
        .unwrap();
    (Arc::new(config), ca_pem)
}

/// Headers (lowercased names) and body of one HTTP/1.1 request.
fn read_request(reader: &mut impl BufRead) -> Option<(BTreeMap<String, String>, String)> {
    let mut line = String::new();
    if reader.read_line(&mut line).ok()? == 0 {
        return None;
    }
    let mut headers = BTreeMap::new();
    loop {
        line.clear();
        reader.read_line(&mut line).ok()?;
        let trimmed = line.trim_end();
        if trimmed.is_empty() {
            break;
        }
        let (name, value) = trimmed.split_once(':')?;
        headers.insert(name.trim().to_ascii_lowercase(), value.trim().to_owned());
    }
    let length: usize = headers.get("content-length")?.parse().ok()?;
    let mut body = vec![0; length];
    reader.read_exact(&mut body).ok()?;
    Some((headers, String::from_utf8_lossy(&body).into_owned()))
}

fn answer(headers: &BTreeMap<String, String>, body: &str, state: &Mutex<State>) -> (u16, String) {
    let params: BTreeMap<String, String> = body
        .split('&')
        .filter_map(|pair| pair.split_once('='))
        .map(|(k, v)| (decode(k), decode(v)))
        .collect();
    let signer = headers
        .get("authorization")
        .and_then(|auth| auth.split("Credential=").nth(1))
        .and_then(|rest| rest.split('/').next())
        .unwrap_or("")
        .to_owned();
    let call = Call {
        action: params.get("Action").cloned().unwrap_or_default(),
        params,
        signer,
        with_session_token: headers.contains_key("x-amz-security-token"),
        user_agent: headers.get("user-agent").cloned().unwrap_or_default(),
    };
    let mut state = state.lock().unwrap();
    state.calls.push(call.clone());
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
    let denied = |message| (403, error_document("AccessDenied", message));
    if call.param("SerialNumber").is_some()
        && let Some(accepted) = &state.accept_code
        && call.param("TokenCode") != Some(accepted.as_str())
    {
        return denied(BAD_CODE_MESSAGE);
    }
    let asked = |default: u64| {
        call.param("DurationSeconds")
            .and_then(|d| d.parse().ok())
            .unwrap_or(default)
    };
    match call.action.as_str() {
        "GetSessionToken" => {
            let lifetime = state.lifetime.unwrap_or(Duration::from_secs(asked(43_200)));
            let credentials = issue(&mut state, lifetime);
            (200, result_document("GetSessionToken", &credentials))
        }
        "AssumeRole" => {
            let seconds = asked(3600);
            if call.with_session_token && seconds > 3600 {
                return (
                    400,
                    error_document(
                        "ValidationError",
                        "The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.",
                    ),
                );
            }
            let lifetime = state.lifetime.unwrap_or(Duration::from_secs(seconds));
            let credentials = issue(&mut state, lifetime);
            let role = call.param("RoleArn").unwrap_or_default().to_owned();
            let user = format!(
                "<AssumedRoleUser><Arn>{role}</Arn><AssumedRoleId>AROAFAKE:{}</AssumedRoleId></AssumedRoleUser>",
                call.param("RoleSessionName").unwrap_or_default()
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
            if !call.with_session_token && !state.without_mfa_policy =>
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

fn issue(state: &mut State, lifetime: Duration) -> String {
    state.issued += 1;
    let n = state.issued;
    format!(
        "<Credentials><AccessKeyId>ASIAFAKE{n:012}</AccessKeyId><SecretAccessKey>{SECRET_MARK}{n}x/+abc</SecretAccessKey><SessionToken>{TOKEN_MARK}{n}/+=tok</SessionToken><Expiration>{}</Expiration></Credentials>",
        humantime::format_rfc3339_seconds(SystemTime::now() + lifetime)
    )
}

fn result_document(action: &str, inner: &str) -> String {
    format!(
        r#"<{action}Response xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><{action}Result>{inner}</{action}Result><ResponseMetadata><RequestId>fake-request</RequestId></ResponseMetadata></{action}Response>"#
    )
}

fn error_document(code: &str, message: &str) -> String {
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
fn httpdate(time: SystemTime) -> String {
    aws_smithy_types::DateTime::from(time)
        .fmt(aws_smithy_types::date_time::Format::HttpDate)
        .expect("a current time formats")
}
