//! The AWS federation endpoint (`getSigninToken`) on 127.0.0.1, served by the fake STS's
//! HTTP server: it records each request and answers with a sign-in token, or as a test
//! says.

use std::collections::BTreeMap;
use std::io::BufReader;
use std::sync::{Arc, Mutex};

use super::fake_sts::http::{Connection, Loopback, read_request, write_response};
use super::fake_sts::tls_config;

/// What the fake endpoint hands out.
pub const SIGNIN_TOKEN: &str = "FAKESIGNINTOKEN-0123456789_abcdef";

/// One request as the fake federation endpoint saw it.
#[derive(Debug, Clone)]
pub struct SigninRequest {
    pub method: String,
    /// The whole body as it came, to scan for keys that must not be there.
    pub raw: String,
    pub form: BTreeMap<String, String>,
}

impl SigninRequest {
    /// The `Session` parameter: the credentials, as JSON.
    pub fn session(&self) -> serde_json::Value {
        serde_json::from_str(&self.form["Session"]).expect("Session is JSON")
    }
}

/// How the endpoint answers a request's body: (status, body).
type Answer = Box<dyn Fn(&str) -> (u16, Vec<u8>) + Send>;

/// The federation endpoint at `url` (`…/federation`).
pub struct FakeSignin {
    pub url: String,
    requests: Arc<Mutex<Vec<SigninRequest>>>,
    answer: Arc<Mutex<Answer>>,
    _server: Loopback,
}

impl FakeSignin {
    /// Answers every request with a token.
    pub fn start() -> Self {
        Self::listen(None, Box::new(token))
    }

    /// The same over HTTPS, with a certificate from a fresh CA; the CA's PEM comes back.
    pub fn start_tls() -> (Self, String) {
        let (config, ca_pem) = tls_config();
        (Self::listen(Some(config), Box::new(token)), ca_pem)
    }

    /// Answers every request with what `reply` makes of its body.
    pub fn answering(reply: impl Fn(&str) -> (u16, Vec<u8>) + Send + 'static) -> Self {
        Self::listen(None, Box::new(reply))
    }

    /// From now on, answers every request with `status` and `body`.
    pub fn fail_with(&self, status: u16, body: &str) {
        let body = body.as_bytes().to_vec();
        *self.answer.lock().unwrap() = Box::new(move |_| (status, body.clone()));
    }

    pub fn requests(&self) -> Vec<SigninRequest> {
        self.requests.lock().unwrap().clone()
    }

    fn listen(tls: Option<Arc<rustls::ServerConfig>>, answer: Answer) -> Self {
        let requests = Arc::new(Mutex::new(Vec::new()));
        let answer = Arc::new(Mutex::new(answer));
        let (seen, answers) = (Arc::clone(&requests), Arc::clone(&answer));
        let server = Loopback::start(tls, move |connection| {
            serve(connection, &seen, &answers);
        });
        FakeSignin {
            url: format!("{}/federation", server.url),
            requests,
            answer,
            _server: server,
        }
    }
}

fn token(_: &str) -> (u16, Vec<u8>) {
    (
        200,
        format!("{{\"SigninToken\":\"{SIGNIN_TOKEN}\"}}").into_bytes(),
    )
}

/// Reads one request, records it, answers it, and closes.
fn serve(
    connection: &mut dyn Connection,
    seen: &Mutex<Vec<SigninRequest>>,
    answer: &Mutex<Answer>,
) {
    let mut reader = BufReader::new(connection);
    // None: no request (a TLS handshake the client gave up on).
    let Some(request) = read_request(&mut reader) else {
        return;
    };
    let raw = String::from_utf8_lossy(&request.body).into_owned();
    let form = form_urlencoded::parse(raw.as_bytes())
        .into_owned()
        .collect();
    seen.lock().unwrap().push(SigninRequest {
        method: request.method,
        raw: raw.clone(),
        form,
    });
    let (status, body) = (answer.lock().unwrap())(&raw);
    let headers = [
        ("Content-Type", "application/json"),
        ("Connection", "close"),
    ];
    // A client that stops reading ends the write: that is the point of some tests.
    let _ = write_response(reader.get_mut(), status, "X", &headers, &body);
}
