//! Get or make: a session from the store when it is good for long enough, else made once
//! under the entry's lock and stored, with a fallback to a shorter one when none can be made.

use std::fmt::Display;
use std::time::Duration;

use super::key::CacheKey;
use super::sessions::{Entry, Sessions};
use crate::duration;
use crate::session::Credentials;

/// What cached credentials must have left to be handed out: the plan decides it
/// (`plan::Freshness`), from who receives them; the cache measures entries against it.
pub trait Window {
    /// What credentials that STS granted for `lifetime` must have left to be reused.
    fn min_left(&self, lifetime: Duration) -> Duration;
    /// Whether credentials with `left` (less than their `min_left`) may still be handed out
    /// when no new ones can be made.
    fn may_fall_back(&self, left: Duration) -> bool;
}

/// How the cache may be used for this run.
#[derive(Clone, Copy)]
pub struct Reuse<W> {
    /// Read entries (not with `--refresh` or `--no-cache`).
    pub read: bool,
    /// What an entry must have left.
    pub window: W,
    /// The lifetime asked of STS: stands in for the granted one of an entry that does not
    /// say.
    pub asked: Duration,
    /// Whether a fallback is said on stderr (to a person; a server re-minting in the
    /// background would repeat it).
    pub say_fall_back: bool,
}

/// What the cache holds for a key, measured against a `Reuse`.
enum Cached {
    Good(Credentials),
    /// Too short for `min_left`, and yet one the window may fall back to.
    Short(Credentials, Duration),
    None,
}

impl<W: Window> Reuse<W> {
    /// What `entry` must have left to be used: measured against the lifetime STS granted,
    /// else the one asked for.
    fn min_left(&self, entry: &Entry) -> Duration {
        self.window.min_left(entry.granted.unwrap_or(self.asked))
    }
}

impl Sessions {
    /// The credentials for `key`: from the cache when they are good for long enough, else
    /// made by `make` under the entry's lock, and stored. Processes that wait for the lock
    /// find what the first one made, so N at once make one call and at most one prompt.
    /// `what` names the credentials in `-v` lines.
    pub fn get_or_make<E: Display, W: Window + Copy>(
        &self,
        key: &CacheKey,
        what: &str,
        reuse: Reuse<W>,
        make: impl FnOnce() -> Result<Entry, E>,
    ) -> Result<Credentials, E> {
        if let Cached::Good(credentials) = self.cached(key, what, reuse, false) {
            return Ok(credentials);
        }
        let _lock = self.lock(key);
        let short = match self.cached(key, what, reuse, true) {
            Cached::Good(credentials) => return Ok(credentials),
            Cached::Short(credentials, left) => Some((credentials, left)),
            Cached::None => None,
        };
        match make() {
            Ok(entry) => {
                self.write(key, &entry);
                Ok(entry.credentials)
            }
            Err(err) => match short {
                Some((credentials, left)) => {
                    let left = duration::span(left.as_secs());
                    tracing::info!(
                        "{what}: no new credentials ({err}); the cached ones still have {left}"
                    );
                    if reuse.say_fall_back {
                        crate::error::note(&format!(
                            "no new session ({err}); handing out the cached one, which runs out in {left}"
                        ));
                    }
                    Ok(credentials)
                }
                None => Err(err),
            },
        }
    }

    /// What the cache holds for `key`, measured against `reuse`.
    fn cached<W: Window>(
        &self,
        key: &CacheKey,
        what: &str,
        reuse: Reuse<W>,
        waited: bool,
    ) -> Cached {
        let span = |left: Duration| duration::span(left.as_secs());
        if !reuse.read {
            return Cached::None;
        }
        // The second look, under the lock, does not repeat the first one's warning.
        let entry = if waited {
            self.read_silently(key)
        } else {
            self.read(key)
        };
        let Some(entry) = entry else {
            if !waited {
                tracing::info!("{what}: no usable cache entry");
            }
            return Cached::None;
        };
        let left = entry.time_left();
        let min_left = reuse.min_left(&entry);
        if left <= min_left {
            if !waited {
                tracing::info!(
                    "{what}: cache entry stale: {} left, more than {} needed",
                    span(left),
                    span(min_left)
                );
            }
            return if reuse.window.may_fall_back(left) {
                Cached::Short(entry.credentials, left)
            } else {
                Cached::None
            };
        }
        let by = if waited { " (made while waiting)" } else { "" };
        tracing::info!("{what}: cache hit{by}, {} left", span(left));
        Cached::Good(entry.credentials)
    }
}

#[cfg(test)]
mod tests {
    use std::cell::Cell;
    use std::time::SystemTime;

    use super::*;
    use crate::cache::dir::PrivateDir;
    use crate::session::Secret;

    fn entry(id: &str, left: Duration) -> Entry {
        Entry {
            profile: "p".into(),
            identity: "arn:aws:iam::1:mfa/x".into(),
            credentials: Credentials {
                access_key_id: id.into(),
                secret_access_key: Secret::new("secret"),
                session_token: Secret::new("token"),
                expiration: SystemTime::now() + left,
            },
            granted: None,
        }
    }

    /// A window like the plan's for role credentials: 15 minutes, at most half the life
    /// granted; short ones that still have more than a minute stand in when `fall_back`.
    #[derive(Clone, Copy)]
    struct Role {
        fall_back: bool,
    }

    impl Window for Role {
        fn min_left(&self, lifetime: Duration) -> Duration {
            Duration::from_secs(15 * 60).min(lifetime / 2)
        }

        fn may_fall_back(&self, left: Duration) -> bool {
            self.fall_back && left > Duration::from_secs(60)
        }
    }

    fn reuse(read: bool, fall_back: bool) -> Reuse<Role> {
        Reuse {
            read,
            window: Role { fall_back },
            asked: Duration::from_secs(12 * 3600),
            say_fall_back: false,
        }
    }

    /// `get_or_make` against a store holding an entry with `stored` left (if any): which key id
    /// comes out, and how often `make` was called.
    fn run(
        stored: Option<Duration>,
        reuse: Reuse<Role>,
        made: Result<&str, &str>,
    ) -> (Result<String, String>, u32) {
        let dir = tempfile::tempdir().unwrap();
        let sessions = Sessions::in_dir(Some(PrivateDir::unchecked(dir.path())));
        let key = CacheKey::mfa_session("AKIA", "serial");
        if let Some(left) = stored {
            sessions.write(&key, &entry("STORED", left));
        }
        let calls = Cell::new(0);
        let got = sessions.get_or_make(&key, "test", reuse, || {
            calls.set(calls.get() + 1);
            made.map(|id| entry(id, Duration::from_secs(3600)))
                .map_err(str::to_owned)
        });
        (got.map(|c| c.access_key_id), calls.get())
    }

    #[test]
    fn the_cache_policy_table() {
        let hour = Some(Duration::from_secs(3600));
        let short = Some(Duration::from_secs(5 * 60));
        let nearly_gone = Some(Duration::from_secs(30));
        let ok = |id: &str| Ok(id.to_owned());
        let err = || Err("no code".to_owned());
        #[rustfmt::skip]
        let table = [
            // stored,     read,  fall back, make gives      -> hands out,      calls
            (None,        true,  false, Ok("NEW"),          ok("NEW"),          1),
            (hour,        true,  false, Ok("NEW"),          ok("STORED"),       0),
            (hour,        false, false, Ok("NEW"),          ok("NEW"),          1), // --refresh
            (short,       true,  false, Ok("NEW"),          ok("NEW"),          1),
            (short,       true,  false, Err("no code"),     err(),              1),
            (short,       true,  true,  Err("no code"),     ok("STORED"),       1),
            (nearly_gone, true,  true,  Err("no code"),     err(),              1),
            (hour,        false, true,  Err("no code"),     err(),              1),
        ];
        for (i, (stored, read, fall_back, made, want, calls)) in table.into_iter().enumerate() {
            let got = run(stored, reuse(read, fall_back), made);
            assert_eq!(got, (want, calls), "row {i}");
        }
    }

    #[test]
    fn the_window_follows_the_lifetime_granted_not_the_one_asked_for() {
        let dir = tempfile::tempdir().unwrap();
        let sessions = Sessions::in_dir(Some(PrivateDir::unchecked(dir.path())));
        let key = CacheKey::mfa_session("AKIA", "serial");
        // Asked for an hour, granted 40 s, 30 s left: more than half its life.
        let mut granted_less = entry("STORED", Duration::from_secs(30));
        granted_less.granted = Some(Duration::from_secs(40));
        sessions.write(&key, &granted_less);
        let asked_hour = Reuse {
            asked: Duration::from_secs(3600),
            ..reuse(true, false)
        };
        let made = || Ok::<_, String>(entry("NEW", Duration::from_secs(40)));
        let got = sessions.get_or_make(&key, "test", asked_hour, made);
        assert_eq!(got.unwrap().access_key_id, "STORED");
        // Without the granted lifetime on record, the asked one decides: stale.
        sessions.write(&key, &entry("STORED", Duration::from_secs(30)));
        let got = sessions.get_or_make(&key, "test", asked_hour, made);
        assert_eq!(got.unwrap().access_key_id, "NEW");
    }

    #[test]
    fn what_is_made_is_stored_and_found_next_time() {
        let dir = tempfile::tempdir().unwrap();
        let sessions = Sessions::in_dir(Some(PrivateDir::unchecked(dir.path())));
        let key = CacheKey::mfa_session("AKIA", "serial");
        let make = || Ok::<_, String>(entry("NEW", Duration::from_secs(3600)));
        let first = sessions.get_or_make(&key, "test", reuse(true, false), make);
        assert_eq!(first.unwrap().access_key_id, "NEW");
        let again = sessions.get_or_make(&key, "test", reuse(true, false), || {
            Err::<Entry, _>("not called".to_owned())
        });
        assert_eq!(again.unwrap().access_key_id, "NEW");
        // A disabled store keeps nothing.
        let none = Sessions::disabled();
        let _ = none.get_or_make(&key, "test", reuse(true, false), make);
        assert!(none.read(&key).is_none());
    }
}
