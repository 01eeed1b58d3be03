//! The loopback endpoint: the container-credentials protocol the AWS SDKs read from
//! `AWS_CONTAINER_CREDENTIALS_FULL_URI`, and nothing else.
//!
//! `GET <uri>` with the header `Authorization: <AWS_CONTAINER_AUTHORIZATION_TOKEN>` answers
//! `{"AccessKeyId", "SecretAccessKey", "Token", "Expiration"}`. A `Host` other than a
//! loopback name with the endpoint's own port is 400 (a web page that rebinds its DNS name
//! to 127.0.0.1 sends its own name); then a missing or wrong token is 403 before anything
//! else is looked at; another path 404; another method 405. Failures
//! answer `{"Code", "Message"}`: botocore (and so the aws CLI) shows the body as it is, the
//! Go SDK reads `code`/`message` in any case, the JS SDK `Code`/`Message` of a 4xx; the
//! Rust SDK shows only the status. So the lookup also says it on stderr (see `super`).
//!
//! HTTP runs on a small tokio runtime in a thread of its own. Credentials are looked up on
//! another plain thread, one lookup at a time, shared by every request that arrives while it
//! runs: the lookup may build its own runtime (to call STS), which must not happen inside
//! this one, and a stuck `mfa_process` is started once, not again for each queued request.
//! A request waits for the lookup a bounded time (a lookup that outlives it still completes
//! and lands in the cache for the client's retry).
//! The lookups are `lookups.rs`; the token, made and compared in constant time, `token.rs`.
//!
//! Any local user can connect to the port: an endpoint keeps at most `MAX_CONNECTIONS`, and
//! makes room by closing the longest-open connection that has no request in progress, so
//! idle connections cannot take the file descriptors the child's request needs.

use std::convert::Infallible;
use std::future::Future;
use std::net::{Ipv4Addr, SocketAddr};
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::Poll;
use std::thread::JoinHandle;
use std::time::Duration;

use http_body_util::Full;
use hyper::body::{Bytes, Incoming};
use hyper::header::{self, HeaderValue};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::{TokioIo, TokioTimer};
use serde_json::json;
use tokio::sync::oneshot;

use super::connections::{Busy, Connections};
use super::lookups::{Answer, Lookup, Lookups};
use super::token::{constant_time_eq, random_token};
use crate::error::Error;
use crate::session::{Credentials, Secret, rfc3339};

/// The one path handed out.
pub const PATH: &str = "/aws-mfa/credentials";

/// The running endpoint; dropping it stops it.
pub struct CredentialServer {
    address: SocketAddr,
    token: Secret,
    stop: Option<oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl CredentialServer {
    /// Listens on 127.0.0.1 (a port the OS picks) and answers with what `lookup` returns,
    /// called on a worker thread for authorized requests; a request waits for it at most
    /// `wait`.
    pub fn start<F>(lookup: F, wait: Duration) -> Result<Self, Error>
    where
        F: FnMut() -> Lookup + Send + 'static,
    {
        let failed = |what: &str, e: std::io::Error| Error::Server {
            why: format!("{what}: {e}"),
        };
        let token = Secret::new(random_token()?);
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| failed("cannot start the async runtime", e))?;
        // Loopback only: nothing off this machine can even connect.
        let listener = std::net::TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
            .and_then(|l| l.set_nonblocking(true).map(|()| l))
            .map_err(|e| failed("cannot listen on 127.0.0.1", e))?;
        let address = listener
            .local_addr()
            .map_err(|e| failed("cannot read the listening address", e))?;
        let listener = {
            let _context = runtime.enter();
            tokio::net::TcpListener::from_std(listener)
                .map_err(|e| failed("cannot listen on 127.0.0.1", e))?
        };
        let shared = Arc::new(Shared {
            token: token.clone(),
            port: address.port(),
            lookups: Lookups::start(lookup).map_err(|e| failed("cannot start a thread", e))?,
            wait,
            connections: Mutex::new(Connections::default()),
        });
        let (stop, stopped) = oneshot::channel::<()>();
        let thread = std::thread::Builder::new()
            .name("aws-mfa-server".into())
            .spawn(move || {
                runtime.spawn(accept(listener, shared));
                // Until stopped (or the owner is gone); dropping the runtime then ends every
                // connection.
                let _ = runtime.block_on(stopped);
            })
            .map_err(|e| failed("cannot start a thread", e))?;
        Ok(CredentialServer {
            address,
            token,
            stop: Some(stop),
            thread: Some(thread),
        })
    }

    /// The URI for `AWS_CONTAINER_CREDENTIALS_FULL_URI`.
    pub fn uri(&self) -> String {
        format!("http://{}{PATH}", self.address)
    }

    /// The value for `AWS_CONTAINER_AUTHORIZATION_TOKEN`.
    pub fn token(&self) -> &Secret {
        &self.token
    }
}

impl Drop for CredentialServer {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// What every connection shares.
struct Shared {
    token: Secret,
    /// The port the endpoint listens on, the only one a `Host` may name.
    port: u16,
    lookups: Lookups,
    /// How long a request waits for a lookup.
    wait: Duration,
    connections: Mutex<Connections>,
}

impl Answer {
    fn response(&self) -> Response<Full<Bytes>> {
        match self {
            Answer::Credentials(credentials) => credentials_answer(credentials),
            Answer::Failure {
                status,
                code,
                message,
            } => failure(*status, code, message),
        }
    }
}

async fn accept(listener: tokio::net::TcpListener, shared: Arc<Shared>) {
    loop {
        let stream = match listener.accept().await {
            Ok((stream, _)) => stream,
            Err(_) => {
                // Out of file descriptors and the like: wait instead of spinning.
                tokio::time::sleep(Duration::from_millis(100)).await;
                continue;
            }
        };
        let admitted = shared.connections.lock().expect("not poisoned").admit();
        let Some((id, busy, closed)) = admitted else {
            continue;
        };
        let shared = Arc::clone(&shared);
        tokio::spawn(async move {
            let serving = Arc::clone(&shared);
            let service = service_fn(move |request| {
                let shared = Arc::clone(&serving);
                let busy = Busy::new(&busy);
                async move {
                    let response = respond(&shared, &request).await;
                    drop(busy);
                    Ok::<_, Infallible>(response)
                }
            });
            let connection = http1::Builder::new()
                .timer(TokioTimer::new())
                .serve_connection(TokioIo::new(stream), service);
            // Until the client is done (one that goes away mid-answer is not our problem),
            // or the connection is closed to make room.
            let mut connection = std::pin::pin!(connection);
            let mut closed = closed;
            std::future::poll_fn(|cx| {
                let done = connection.as_mut().poll(cx).is_ready()
                    || Pin::new(&mut closed).poll(cx).is_ready();
                if done { Poll::Ready(()) } else { Poll::Pending }
            })
            .await;
            shared.connections.lock().expect("not poisoned").closed(id);
        });
    }
}

async fn respond(shared: &Shared, request: &Request<Incoming>) -> Response<Full<Bytes>> {
    if !addressed_to_us(request, shared.port) {
        return failure(
            StatusCode::BAD_REQUEST,
            "BadHost",
            &format!(
                "aws-mfa: the Host header must be 127.0.0.1:{0}, localhost:{0} or [::1]:{0}",
                shared.port
            ),
        );
    }
    let authorized = request
        .headers()
        .get(header::AUTHORIZATION)
        .is_some_and(|given| constant_time_eq(given.as_bytes(), shared.token.expose().as_bytes()));
    if !authorized {
        return failure(
            StatusCode::FORBIDDEN,
            "AccessDenied",
            "aws-mfa: missing or wrong AWS_CONTAINER_AUTHORIZATION_TOKEN",
        );
    }
    if request.uri().path() != PATH {
        return failure(StatusCode::NOT_FOUND, "NotFound", "aws-mfa: no such path");
    }
    if request.method() != Method::GET {
        let mut response = failure(
            StatusCode::METHOD_NOT_ALLOWED,
            "MethodNotAllowed",
            "aws-mfa: only GET",
        );
        response
            .headers_mut()
            .insert(header::ALLOW, HeaderValue::from_static("GET"));
        return response;
    }
    match tokio::time::timeout(shared.wait, shared.lookups.join()).await {
        Ok(Ok(answer)) => answer.response(),
        Ok(Err(_)) => failure(
            StatusCode::INTERNAL_SERVER_ERROR,
            "CredentialsUnavailable",
            "aws-mfa: the credentials lookup stopped",
        ),
        Err(_) => failure(
            StatusCode::SERVICE_UNAVAILABLE,
            "CredentialsPending",
            &format!(
                "aws-mfa: no credentials within {} s: the lookup in progress (STS, or mfa_process for a new code) has not finished; it goes on, and a later request gets its answer",
                shared.wait.as_secs_f64()
            ),
        ),
    }
}

/// Whether the request names this endpoint: a `Host` header (and the authority of an
/// absolute URI, when there is one) that is a loopback name with `port`. The token stays the
/// real check; this keeps a page whose DNS name was rebound to 127.0.0.1 from talking to the
/// endpoint at all.
fn addressed_to_us(request: &Request<Incoming>, port: u16) -> bool {
    let host = request
        .headers()
        .get(header::HOST)
        .and_then(|h| h.to_str().ok());
    let in_uri = request.uri().authority().map(http::uri::Authority::as_str);
    host.is_some_and(|h| is_loopback_authority(h, port))
        && in_uri.is_none_or(|a| is_loopback_authority(a, port))
}

/// `127.0.0.1:PORT`, `localhost:PORT` (any case) or `[::1]:PORT`, with this port only.
fn is_loopback_authority(authority: &str, port: u16) -> bool {
    let Some((name, given_port)) = authority.rsplit_once(':') else {
        return false;
    };
    given_port == port.to_string()
        && (name == "127.0.0.1" || name == "[::1]" || name.eq_ignore_ascii_case("localhost"))
}

fn credentials_answer(credentials: &Credentials) -> Response<Full<Bytes>> {
    let body = json!({
        "AccessKeyId": credentials.access_key_id,
        "SecretAccessKey": credentials.secret_access_key.expose(),
        "Token": credentials.session_token.expose(),
        "Expiration": rfc3339(credentials.expiration),
    });
    json_response(StatusCode::OK, &body)
}

fn failure(status: StatusCode, code: &str, message: &str) -> Response<Full<Bytes>> {
    json_response(status, &json!({ "Code": code, "Message": message }))
}

fn json_response(status: StatusCode, body: &serde_json::Value) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(Bytes::from(body.to_string())));
    *response.status_mut() = status;
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

#[cfg(test)]
mod tests {
    use super::super::lookups::lookup_failure;
    use super::*;

    #[test]
    fn only_loopback_names_with_the_own_port_are_this_endpoint() {
        for good in [
            "127.0.0.1:4321",
            "localhost:4321",
            "LocalHost:4321",
            "[::1]:4321",
        ] {
            assert!(is_loopback_authority(good, 4321), "{good}");
        }
        for bad in [
            "evil.example:4321",
            "127.0.0.1",
            "127.0.0.1:80",
            "127.0.0.1:04321",
            "127.0.0.2:4321",
            "localhost.evil.example:4321",
            "user@127.0.0.1:4321",
            "::1:4321",
            "",
        ] {
            assert!(!is_loopback_authority(bad, 4321), "{bad}");
        }
    }

    #[test]
    fn a_code_needed_answer_is_503_and_says_what_to_run() {
        let err = Error::CodeNeeded {
            profile: "admin".into(),
            no_session: false,
        };
        let response = lookup_failure(&err).response();
        assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    }
}
