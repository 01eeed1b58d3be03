//! An STS that runs inside the test process, on 127.0.0.1, speaking the AWS query protocol
//! over plain HTTP/1.1. It records every call (action, parameters, the key that signed it)
//! and can fail on purpose.

mod actions;
pub mod http;
mod sigv4;

use std::collections::{BTreeMap, VecDeque};
use std::io::{BufReader, Read, Write};
use std::sync::{Arc, Condvar, Mutex};
use std::thread;
use std::time::{Duration, SystemTime};

use actions::{answer, httpdate};
use http::{Loopback, read_request, tls_config_for, write_response};
pub use http::{ServerCert, private_ca, tls_config};

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
    /// While set, answers to these actions (all, when empty) wait for `release`.
    held: Option<Vec<String>>,
    /// Requests waiting at the hold now.
    waiting: usize,
}

pub struct FakeSts {
    server: Loopback,
    state: Arc<(Mutex<State>, Condvar)>,
}

impl FakeSts {
    pub fn start() -> Self {
        Self::listen(None)
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
        (Self::listen(Some(config)), ca_pem)
    }

    fn listen(tls: Option<Arc<rustls::ServerConfig>>) -> Self {
        let state = Arc::new((Mutex::new(State::default()), Condvar::new()));
        let shared = Arc::clone(&state);
        let server = Loopback::start(tls, move |connection| serve(connection, &shared));
        FakeSts { server, state }
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.0.lock().unwrap()
    }

    pub fn url(&self) -> &str {
        &self.server.url
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
        self.server.connections()
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
        let reason = if status == 200 { "OK" } else { "Error" };
        let headers = [("Content-Type", "text/xml"), ("Date", &httpdate(date))];
        if write_response(
            connection.get_mut(),
            status,
            reason,
            &headers,
            body.as_bytes(),
        )
        .is_err()
        {
            return;
        }
    }
}
