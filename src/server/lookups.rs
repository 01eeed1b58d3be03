//! The lookups behind the endpoint: one at a time, on a plain thread of its own, and its
//! answer shared by every request that arrived while it ran (see `super::endpoint`).

use std::sync::{Arc, Mutex, mpsc};

use hyper::StatusCode;
use tokio::sync::oneshot;

use crate::error::Error;
use crate::session::Credentials;

/// One answer to a lookup: credentials, or why there are none.
pub(super) type Lookup = Result<Credentials, Error>;

/// An answer as every waiting request gets it.
#[derive(Clone)]
pub(super) enum Answer {
    Credentials(Credentials),
    Failure {
        status: StatusCode,
        code: &'static str,
        message: String,
    },
}

impl Answer {
    fn from_lookup(lookup: Lookup) -> Self {
        match lookup {
            Ok(credentials) => Answer::Credentials(credentials),
            Err(err) => lookup_failure(&err),
        }
    }
}

/// An error answer carries the same text (and hint) the command line would print; no
/// `Error` variant holds a secret. 503 when the user can fix it from another terminal.
pub(super) fn lookup_failure(err: &Error) -> Answer {
    let (status, code) = match err {
        Error::CodeNeeded { .. } => (StatusCode::SERVICE_UNAVAILABLE, "MfaSessionExpired"),
        _ => (StatusCode::INTERNAL_SERVER_ERROR, "CredentialsUnavailable"),
    };
    Answer::Failure {
        status,
        code,
        message: err.report_line(),
    }
}

/// Requests waiting for the lookup in progress (`None`: none runs).
type Waiting = Arc<Mutex<Option<Vec<oneshot::Sender<Answer>>>>>;

/// One lookup at a time on a plain thread; a request that arrives while one runs waits for
/// its answer instead of starting another.
pub(super) struct Lookups {
    waiting: Waiting,
    start: mpsc::Sender<()>,
}

impl Lookups {
    pub(super) fn start<F>(mut lookup: F) -> std::io::Result<Self>
    where
        F: FnMut() -> Lookup + Send + 'static,
    {
        let waiting: Waiting = Arc::default();
        let (start, started) = mpsc::channel::<()>();
        let answered = Arc::clone(&waiting);
        std::thread::Builder::new()
            .name("aws-mfa-lookup".into())
            .spawn(move || {
                // Should the lookup panic, its waiters (and later requests) are told so
                // instead of waiting on a lookup that will never answer.
                let _stopped = Stopped(Arc::clone(&answered));
                for () in started {
                    let answer = Answer::from_lookup(lookup());
                    let waiters = answered.lock().expect("not poisoned").take();
                    // A client may have given up meanwhile; the lookup still warmed the cache.
                    for waiter in waiters.into_iter().flatten() {
                        let _ = waiter.send(answer.clone());
                    }
                }
            })?;
        Ok(Lookups { waiting, start })
    }

    /// The answer of the lookup in progress, or of one started now.
    pub(super) fn join(&self) -> oneshot::Receiver<Answer> {
        let (reply, answer) = oneshot::channel();
        let mut waiting = self.waiting.lock().expect("not poisoned");
        match waiting.as_mut() {
            Some(waiters) => waiters.push(reply),
            None => {
                if self.start.send(()).is_ok() {
                    *waiting = Some(vec![reply]);
                }
                // Else the worker is gone: `reply` is dropped and the request says so.
            }
        }
        answer
    }
}

/// Drops every waiting request's reply when the lookup thread ends.
struct Stopped(Waiting);

impl Drop for Stopped {
    fn drop(&mut self) {
        if let Ok(mut waiting) = self.0.lock() {
            waiting.take();
        }
    }
}
