//! From options to a session: profile, code, STS.

use std::time::{Duration, SystemTime};

use crate::aws::{Sts, StsTarget};
use crate::cache::{CacheKey, Entry, SessionCache};
use crate::cli::SessionArgs;
use crate::duration;
use crate::error::Error;
use crate::mfa::{MfaCode, Terminal};
use crate::profile::{ProfileFiles, ResolvedProfile};
use crate::session::{Credentials, MFA_PROFILE, Session};

/// The profile to use: `-p`, else `$AWS_PROFILE`, else `$AWS_MFA_PROFILE` (the session this
/// shell already holds), else `default`. The bool says whether it was asked for by name.
pub fn profile_name(flag: Option<&str>) -> (String, bool) {
    let named = flag.map(str::to_owned).or_else(|| {
        ["AWS_PROFILE", MFA_PROFILE]
            .into_iter()
            .find_map(|var| std::env::var(var).ok().filter(|v| !v.is_empty()))
    });
    match named {
        Some(name) => (name, true),
        None => ("default".to_owned(), false),
    }
}

/// Everything about the request that can be checked before a code is asked for.
pub struct Request {
    pub profile: ResolvedProfile,
    pub serial: String,
    /// A region to export (from `-r` or the profile).
    pub region: Option<String>,
    /// The region for the STS call (also from the environment).
    pub sts_region: Option<String>,
    pub session_seconds: u64,
    pub code: Option<MfaCode>,
    pub timeout: Duration,
}

impl Request {
    pub fn new(args: &SessionArgs) -> Result<Self, Error> {
        // The code is checked first: a malformed one needs no file read at all.
        let code = args.token_code.as_deref().map(MfaCode::parse).transpose()?;
        let (name, explicit) = profile_name(args.profile.as_deref());
        let files = ProfileFiles::load()?;
        let profile = files.resolve(&name, explicit)?;
        if !profile.roles.is_empty() {
            return Err(Error::ProfileFiles(format!(
                "profile '{name}' assumes a role (role_arn), which this version cannot do yet"
            )));
        }
        let serial = args
            .mfa_serial
            .clone()
            .or_else(|| profile.mfa_serial.clone())
            .ok_or_else(|| Error::NoMfaSerial {
                profile: name.clone(),
            })?;
        let session_seconds = match args
            .duration
            .as_deref()
            .or(profile.session_duration.as_deref())
        {
            Some(value) => duration::session_seconds(value)?,
            None => duration::SESSION_DEFAULT,
        };
        let region = args.region.clone().or_else(|| profile.region.clone());
        let sts_region = region.clone().or_else(|| {
            ["AWS_REGION", "AWS_DEFAULT_REGION"]
                .into_iter()
                .find_map(|var| std::env::var(var).ok().filter(|v| !v.is_empty()))
        });
        let timeout = Duration::try_from_secs_f64(args.timeout)
            .ok()
            .filter(|t| !t.is_zero())
            .ok_or_else(|| Error::InvalidDuration {
                value: args.timeout.to_string(),
                why: "--timeout takes a positive number of seconds".into(),
            })?;
        Ok(Request {
            profile,
            serial,
            region,
            sts_region,
            session_seconds,
            code,
            timeout,
        })
    }

    /// What the MFA session is cached under.
    pub fn cache_key(&self) -> CacheKey {
        CacheKey::mfa_session(&self.profile.keys.access_key_id, &self.serial)
    }

    /// Asks STS for a fresh MFA session: the only path that builds an SDK client.
    fn fresh_entry(&self) -> Result<Entry, Error> {
        let code = match self.code.clone() {
            Some(code) => code,
            None => Terminal::open()?.ask_code(&self.serial)?,
        };
        let sts = Sts::connect(&StsTarget {
            profile: &self.profile.name,
            region: self.sts_region.as_deref(),
            timeout: self.timeout,
        })?;
        let credentials = sts.get_session_token(
            &self.profile.keys,
            &self.serial,
            code.as_str(),
            self.session_seconds,
        )?;
        warn_if_shortened(&credentials.expiration, self.session_seconds);
        Ok(Entry {
            profile: self.profile.name.clone(),
            identity: self.serial.clone(),
            credentials,
        })
    }
}

/// The cache key of the MFA session behind a profile, when the profile resolves.
pub fn mfa_session_key(profile: &str, explicit: bool) -> Option<CacheKey> {
    let resolved = ProfileFiles::load().ok()?.resolve(profile, explicit).ok()?;
    Some(CacheKey::mfa_session(
        &resolved.keys.access_key_id,
        resolved.mfa_serial.as_deref()?,
    ))
}

/// A cached MFA session is reused while it has more than this left.
pub const SESSION_MIN_LEFT: Duration = Duration::from_secs(5 * 60);

/// How the cache may be used for this run.
#[derive(Clone, Copy)]
struct Reuse {
    /// Read entries (not with `--refresh` or `--no-cache`).
    read: bool,
    /// An entry must have more than this left to be used.
    min_left: Duration,
}

/// The credentials for `key`: from the cache when they are good for long enough, else made
/// by `make` under the entry's lock, and stored. Processes that wait for the lock find what
/// the first one made, so N at once make one call and at most one prompt.
fn cached_or_make(
    cache: &SessionCache,
    key: &CacheKey,
    reuse: Reuse,
    make: impl FnOnce() -> Result<Entry, Error>,
) -> Result<Credentials, Error> {
    let cached = || {
        reuse
            .read
            .then(|| cache.read(key))
            .flatten()
            .filter(|entry| entry.time_left() > reuse.min_left)
            .map(|entry| entry.credentials)
    };
    if let Some(credentials) = cached() {
        return Ok(credentials);
    }
    let _lock = cache.lock(key);
    if let Some(credentials) = cached() {
        return Ok(credentials);
    }
    let entry = make()?;
    cache.write(key, &entry);
    Ok(entry.credentials)
}

/// STS may hand out less than asked (the root user gets one hour at most): say so.
fn warn_if_shortened(expiration: &SystemTime, asked_seconds: u64) {
    let granted = expiration
        .duration_since(SystemTime::now())
        .map(|d| d.as_secs())
        .unwrap_or(0);
    if granted + 60 < asked_seconds {
        eprintln!(
            "aws-mfa: note: STS granted a session of {} instead of the {} asked for",
            humantime::format_duration(Duration::from_secs(granted.div_ceil(60) * 60)),
            humantime::format_duration(Duration::from_secs(asked_seconds))
        );
    }
}

/// The session the options ask for: cached when there is a good one (a file read, no SDK),
/// else fresh from STS and then cached.
pub fn session(args: &SessionArgs) -> Result<Session, Error> {
    let request = Request::new(args)?;
    let cache = if args.no_cache {
        SessionCache::disabled()
    } else {
        SessionCache::open()
    };
    let reuse = Reuse {
        read: !args.refresh,
        min_left: SESSION_MIN_LEFT,
    };
    let credentials = cached_or_make(&cache, &request.cache_key(), reuse, || {
        request.fresh_entry()
    })?;
    Ok(Session {
        profile: request.profile.name,
        region: request.region,
        credentials,
    })
}
