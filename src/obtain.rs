//! From options to a session: profile, code, STS.

use std::time::{Duration, SystemTime};

use crate::aws::{Sts, StsTarget};
use crate::cli::SessionArgs;
use crate::duration;
use crate::error::Error;
use crate::mfa::{MfaCode, Terminal};
use crate::profile::{ProfileFiles, ResolvedProfile};
use crate::session::{MFA_PROFILE, Session};

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

    /// Asks STS for a fresh MFA session.
    pub fn fresh_session(self) -> Result<Session, Error> {
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
        Ok(Session {
            profile: self.profile.name,
            region: self.region,
            credentials,
        })
    }
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

/// The session the options ask for.
pub fn session(args: &SessionArgs) -> Result<Session, Error> {
    Request::new(args)?.fresh_session()
}
