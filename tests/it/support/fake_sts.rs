//! An STS that runs inside the test process, on 127.0.0.1, speaking the AWS query protocol
//! over plain HTTP/1.1. It records every call (action, parameters, the key that signed it)
//! and can fail on purpose.

use std::collections::{BTreeMap, VecDeque};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Condvar, Mutex};
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

/// A set of credentials: what signs a request. Long-term keys have no session token.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Keys {
    pub access_key_id: String,
    pub secret_access_key: String,
    pub session_token: Option<String>,
}

impl Keys {
    /// Long-term keys: an access key id and its secret, no token.
    pub fn long_term(access_key_id: &str, secret_access_key: &str) -> Self {
        Keys {
            access_key_id: access_key_id.to_owned(),
            secret_access_key: secret_access_key.to_owned(),
            session_token: None,
        }
    }
}

/// Where a known set of keys came from, which decides what it may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// An IAM user's long-term keys.
    LongTerm,
    /// GetSessionToken's answer; `mfa` when the call carried a serial and a code.
    Session { mfa: bool },
    /// AssumeRole's answer (a role session: assuming a role with it is role chaining).
    Role,
}

/// One set the fake handed out.
#[derive(Debug, Clone)]
pub struct Issued {
    pub keys: Keys,
    pub origin: Origin,
    pub expiration: SystemTime,
}

/// One request as the fake saw it.
#[derive(Debug, Clone)]
pub struct Call {
    pub action: String,
    pub params: BTreeMap<String, String>,
    /// The access key id named in the SigV4 `Authorization` header (verified or not).
    pub signer: String,
    /// The whole set whose secret (and token) the signature was verified against; `None`
    /// when it was not (the call was answered with STS's error then).
    pub signed_with: Option<Keys>,
    /// The credential scope's region and service (`eu-west-1`, `sts`).
    pub region: String,
    pub service: String,
    /// Whether `X-Amz-Security-Token` came along (signed with session credentials).
    pub with_session_token: bool,
    /// The `User-Agent` header: which SDK sent it (aws-mfa's is the Rust SDK).
    pub user_agent: String,
    /// The error code the fake answered with, when it refused the call.
    pub refused: Option<String>,
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
    /// Overrides the lifetime of what is handed out.
    lifetime: Option<Duration>,
    /// No `DenyAllExceptListedIfNoMFA` for the caller: long-term keys alone may do anything.
    without_mfa_policy: bool,
    /// The one region STS calls must be signed for, when a test says.
    region: Option<String>,
    /// Every key the fake knows: the tests' long-term keys and every set it issued.
    known: BTreeMap<String, (Keys, Origin)>,
    /// Everything issued, in order.
    issued: Vec<Issued>,
    /// Connections accepted.
    connections: usize,
    /// While set, answers to these actions (all, when empty) wait for `release`.
    held: Option<Vec<String>>,
    /// Requests waiting at the hold now.
    waiting: usize,
}

pub struct FakeSts {
    url: String,
    state: Arc<(Mutex<State>, Condvar)>,
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
        handle: impl Fn(TcpStream, &(Mutex<State>, Condvar)) + Send + Sync + 'static,
    ) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1");
        let url = format!("{scheme}://{}", listener.local_addr().unwrap());
        let state = Arc::new((Mutex::new(State::default()), Condvar::new()));
        let shared = Arc::clone(&state);
        let handle = Arc::new(handle);
        thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                shared.0.lock().unwrap().connections += 1;
                let state = Arc::clone(&shared);
                let handle = Arc::clone(&handle);
                thread::spawn(move || handle(stream, &state));
            }
        });
        FakeSts { url, state }
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.0.lock().unwrap()
    }

    pub fn url(&self) -> &str {
        &self.url
    }

    /// Long-term keys the fake knows from now on: requests signed with them verify.
    pub fn knows(&self, access_key_id: &str, secret_access_key: &str) -> &Self {
        let keys = Keys::long_term(access_key_id, secret_access_key);
        self.state()
            .known
            .insert(access_key_id.to_owned(), (keys, Origin::LongTerm));
        self
    }

    /// Only `code` is a right code from now on.
    pub fn accept_only(&self, code: &str) -> &Self {
        self.state().accept_code = Some(code.to_owned());
        self
    }

    /// Credentials handed out from now on last this long, whatever was asked.
    pub fn lifetime(&self, lifetime: Duration) -> &Self {
        self.state().lifetime = Some(lifetime);
        self
    }

    /// The MFA devices IAM lists for the caller (ListMFADevices).
    pub fn mfa_devices(&self, serials: &[&str]) -> &Self {
        self.state().mfa_devices = serials.iter().map(|s| s.to_string()).collect();
        self
    }

    /// The access keys IAM lists for the caller (ListAccessKeys), with their creation times.
    pub fn access_keys(&self, keys: &[(&str, SystemTime)]) -> &Self {
        self.state().access_keys = keys.iter().map(|(id, at)| (id.to_string(), *at)).collect();
        self
    }

    /// A key made by CreateAccessKey signs `calls` calls that are refused as invalid before
    /// it works, as a new IAM key does for some seconds.
    pub fn new_keys_valid_after(&self, calls: u32) -> &Self {
        self.state().new_key_delay = calls;
        self
    }

    /// The caller has no MFA-enforcing policy: IAM calls outside its list, and role calls,
    /// signed with long-term keys alone (or a session made without MFA) succeed. By default
    /// they get the policy's explicit deny.
    pub fn without_mfa_policy(&self) -> &Self {
        self.state().without_mfa_policy = true;
        self
    }

    /// STS calls must be signed for this region (others get SignatureDoesNotMatch).
    pub fn region(&self, region: &str) -> &Self {
        self.state().region = Some(region.to_owned());
        self
    }

    /// The `Date` header runs this many seconds ahead (behind, when negative).
    pub fn clock_offset(&self, seconds: i64) -> &Self {
        self.state().clock_offset = seconds;
        self
    }

    /// Answers to `actions` (every action, when empty) wait from now on until `release`:
    /// a test sees how many requests are in flight at once (`waiting`).
    pub fn hold(&self, actions: &[&str]) -> &Self {
        self.state().held = Some(actions.iter().map(|a| a.to_string()).collect());
        self
    }

    /// Lets every held answer go, and answers at once from now on.
    pub fn release(&self) -> &Self {
        self.state().held = None;
        self.state.1.notify_all();
        self
    }

    /// How many requests wait at the hold now.
    pub fn waiting(&self) -> usize {
        self.state().waiting
    }

    /// The next request gets this reply instead of the normal one.
    pub fn then(&self, reply: Reply) -> &Self {
        self.state().replies.push_back((None, reply));
        self
    }

    /// The next request for `action` gets this reply; other actions are answered normally.
    pub fn then_for(&self, action: &str, reply: Reply) -> &Self {
        self.state()
            .replies
            .push_back((Some(action.to_owned()), reply));
        self
    }

    pub fn calls(&self) -> Vec<Call> {
        self.state().calls.clone()
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

    /// Every set handed out, in order (the first is `issued()[0]`).
    pub fn issued(&self) -> Vec<Issued> {
        self.state().issued.clone()
    }

    /// The `n`th set handed out, counting from 1 (`ASIAFAKE00000000000n`).
    #[track_caller]
    pub fn keys(&self, n: usize) -> Keys {
        let issued = self.issued();
        assert!(
            (1..=issued.len()).contains(&n),
            "set {n} was never issued ({} were)",
            issued.len()
        );
        issued[n - 1].keys.clone()
    }

    /// Which issued set these values are, exactly (id, secret and token), or a failure.
    #[track_caller]
    pub fn issued_set(&self, access_key_id: &str, secret: &str, token: &str) -> Keys {
        let given = Keys {
            access_key_id: access_key_id.to_owned(),
            secret_access_key: secret.to_owned(),
            session_token: Some(token.to_owned()),
        };
        let issued = self.issued();
        assert!(
            issued.iter().any(|i| i.keys == given),
            "not a set this fake issued, as it issued it (id {access_key_id}, secret of {} chars, token of {} chars; issued: {:?})",
            secret.len(),
            token.len(),
            issued
                .iter()
                .map(|i| i.keys.access_key_id.as_str())
                .collect::<Vec<_>>()
        );
        given
    }

    /// How many connections were accepted (over TLS: handshakes begun).
    pub fn connections(&self) -> usize {
        self.state().connections
    }
}

fn serve(stream: impl Read + Write, shared: &(Mutex<State>, Condvar)) {
    let (state, released) = shared;
    let mut connection = BufReader::new(stream);
    // One connection carries many requests (the SDK keeps connections alive).
    while let Some(request) = read_request(&mut connection) {
        let (status, body) = answer(&request, state);
        let offset = {
            let mut guard = state.lock().unwrap();
            let action = guard
                .calls
                .last()
                .map(|c| c.action.clone())
                .unwrap_or_default();
            let holds = |s: &State| {
                s.held
                    .as_ref()
                    .is_some_and(|held| held.is_empty() || held.contains(&action))
            };
            if holds(&guard) {
                guard.waiting += 1;
                let deadline = std::time::Instant::now() + Duration::from_secs(120);
                while holds(&guard) && std::time::Instant::now() < deadline {
                    guard = released
                        .wait_timeout(guard, Duration::from_millis(200))
                        .unwrap()
                        .0;
                }
                guard.waiting -= 1;
            }
            guard.clock_offset
        };
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

/// One HTTP/1.1 request: method, target, headers (lowercased names), body.
struct Request {
    method: String,
    target: String,
    headers: BTreeMap<String, String>,
    body: Vec<u8>,
}

fn read_request(reader: &mut impl BufRead) -> Option<Request> {
    let mut line = String::new();
    if reader.read_line(&mut line).ok()? == 0 {
        return None;
    }
    let mut words = line.split_whitespace();
    let method = words.next()?.to_owned();
    let target = words.next()?.to_owned();
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
    Some(Request {
        method,
        target,
        headers,
        body,
    })
}

/// The parts of a SigV4 `Authorization` header.
struct Authorization {
    access_key_id: String,
    date: String,
    region: String,
    service: String,
    signed_headers: Vec<String>,
    signature: String,
}

fn authorization(header: &str) -> Option<Authorization> {
    let rest = header.strip_prefix("AWS4-HMAC-SHA256 ")?;
    let mut fields = BTreeMap::new();
    for field in rest.split(',') {
        let (name, value) = field.trim().split_once('=')?;
        fields.insert(name, value);
    }
    let mut scope = fields.get("Credential")?.split('/');
    let (access_key_id, date, region, service, terminator) = (
        scope.next()?,
        scope.next()?,
        scope.next()?,
        scope.next()?,
        scope.next()?,
    );
    if terminator != "aws4_request" || scope.next().is_some() {
        return None;
    }
    Some(Authorization {
        access_key_id: access_key_id.to_owned(),
        date: date.to_owned(),
        region: region.to_owned(),
        service: service.to_owned(),
        signed_headers: fields
            .get("SignedHeaders")?
            .split(';')
            .map(str::to_owned)
            .collect(),
        signature: (*fields.get("Signature")?).to_owned(),
    })
}

const SIGNATURE_MESSAGE: &str = "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.";
const BAD_TOKEN_MESSAGE: &str = "The security token included in the request is invalid.";

/// Checks the request's SigV4 signature as STS does: the key id must be one the fake knows,
/// the session token the one issued with that key (none for long-term keys), and the
/// signature the one the SDK's own signer computes with that key's secret, for the scope's
/// region and service. Returns the keys and their origin, or STS's error.
fn verify(
    request: &Request,
    auth: Option<&Authorization>,
    service: &str,
    state: &State,
) -> Result<(Keys, Origin), (u16, String)> {
    let refuse = |code, message: &str| (403, error_document(code, message));
    let Some(auth) = auth else {
        return Err(refuse(
            "MissingAuthenticationToken",
            "Request is missing Authentication Token",
        ));
    };
    let Some((keys, origin)) = state.known.get(&auth.access_key_id) else {
        return Err(refuse("InvalidClientTokenId", BAD_TOKEN_MESSAGE));
    };
    if request.headers.get("x-amz-security-token") != keys.session_token.as_ref() {
        return Err(refuse("InvalidClientTokenId", BAD_TOKEN_MESSAGE));
    }
    let region_ok = |region: &str| {
        let parts: Vec<&str> = region.split('-').collect();
        parts.len() >= 3
            && parts.iter().all(|p| {
                !p.is_empty()
                    && p.chars()
                        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
            })
            && parts
                .last()
                .is_some_and(|p| p.chars().all(|c| c.is_ascii_digit()))
    };
    let wrong_region = !region_ok(&auth.region)
        || (service == "sts"
            && state
                .region
                .as_ref()
                .is_some_and(|want| *want != auth.region));
    if wrong_region || auth.service != service {
        return Err(refuse(
            "SignatureDoesNotMatch",
            "Credential should be scoped to a valid region and service.",
        ));
    }
    let expected = signature(request, auth, keys).ok_or_else(|| {
        refuse(
            "IncompleteSignature",
            "The request signature does not conform to AWS standards.",
        )
    })?;
    if expected != auth.signature {
        return Err(refuse("SignatureDoesNotMatch", SIGNATURE_MESSAGE));
    }
    Ok((keys.clone(), *origin))
}

/// What the signature of `request` is with `keys`, as aws-sigv4 (the SDK's signer) computes
/// it over the headers the request says it signed.
fn signature(request: &Request, auth: &Authorization, keys: &Keys) -> Option<String> {
    use aws_sigv4::http_request::{SignableBody, SignableRequest, SigningSettings, sign};
    let amz_date = request.headers.get("x-amz-date")?;
    if amz_date.len() != 16 || !amz_date.starts_with(&auth.date) {
        return None;
    }
    let b = amz_date.as_bytes();
    let text = |range: std::ops::Range<usize>| std::str::from_utf8(&b[range]).ok();
    let time = humantime::parse_rfc3339(&format!(
        "{}-{}-{}T{}:{}:{}Z",
        text(0..4)?,
        text(4..6)?,
        text(6..8)?,
        text(9..11)?,
        text(11..13)?,
        text(13..15)?
    ))
    .ok()?;
    let identity = aws_credential_types::Credentials::new(
        &keys.access_key_id,
        &keys.secret_access_key,
        keys.session_token.clone(),
        None,
        "fake-sts",
    )
    .into();
    let params = aws_sigv4::sign::v4::SigningParams::builder()
        .identity(&identity)
        .region(&auth.region)
        .name(&auth.service)
        .time(time)
        .settings(SigningSettings::default())
        .build()
        .ok()?
        .into();
    // The headers it names, but those the signer adds itself from the keys and the time.
    let mut headers = Vec::new();
    for name in &auth.signed_headers {
        if name == "x-amz-date" || name == "x-amz-security-token" {
            continue;
        }
        headers.push((name.as_str(), request.headers.get(name)?.as_str()));
    }
    let signable = SignableRequest::new(
        &request.method,
        request.target.as_str(),
        headers.into_iter(),
        SignableBody::Bytes(&request.body),
    )
    .ok()?;
    let (instructions, signature) = sign(signable, &params).ok()?.into_parts();
    // The header list it signed must be the one the request names.
    let (added, _) = instructions.into_parts();
    let authorization = added
        .iter()
        .find(|h| h.name().eq_ignore_ascii_case("authorization"))?;
    let names = auth.signed_headers.join(";");
    if !authorization
        .value()
        .contains(&format!("SignedHeaders={names},"))
    {
        return Some(format!("signed headers {names} differ"));
    }
    Some(signature)
}

fn answer(request: &Request, shared: &Mutex<State>) -> (u16, String) {
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
