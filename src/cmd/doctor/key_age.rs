//! `doctor`'s line on the long-term key's age: ListAccessKeys signed with the cached MFA
//! session (the MFA policy denies it to the keys alone), never a prompt for a code.

use std::time::{Duration, SystemTime};

use super::Report;
use crate::aws::{Aws, StsTarget};
use crate::cache::{Records, Sessions};
use crate::environment::Environment;
use crate::error::Error;
use crate::obtain;
use crate::profile::{KeySource, ResolvedProfile};
use crate::session::Credentials;
use crate::verbose;

/// AWS and the CIS benchmark ask for keys rotated this often.
pub const ROTATE_AFTER_DAYS: u64 = 90;
/// `doctor`'s calls give up after this long.
const LOOK_TIMEOUT: Duration = Duration::from_secs(8);

/// The long-term key's age (ListAccessKeys with the cached MFA session, never a prompt).
pub(super) fn check(
    report: &mut Report,
    resolved: &ResolvedProfile,
    cache: &Sessions,
    records: &Records,
    env: &Environment,
) {
    let entry = obtain::known_session_key(records, resolved).and_then(|key| cache.read(&key));
    let session = entry.as_ref().filter(|e| !e.time_left().is_zero());
    let key = verbose::key_id(&resolved.keys.access_key_id);
    match key_age(resolved, session.map(|e| &e.credentials), env) {
        KeyAge::Days { days, fix: None } => {
            report.ok(format!("long-term key {key} is {days} days old"))
        }
        KeyAge::Days { days, fix } => report.bad(
            format!(
                "long-term key {key} is {days} days old: rotate it every {ROTATE_AFTER_DAYS} days"
            ),
            fix,
            false,
        ),
        KeyAge::Unknown(why) => {
            report.info(format!("cannot tell the age of long-term key {key}: {why}"))
        }
    }
}

/// What `doctor` says about the long-term key's age.
pub enum KeyAge {
    /// Its age in days, and the fix when it is past `ROTATE_AFTER_DAYS`.
    Days { days: u64, fix: Option<String> },
    /// Why it cannot be told.
    Unknown(String),
}

/// The age of `profile`'s long-term key, from ListAccessKeys signed with `session` (the
/// cached MFA session: the MFA policy denies the call to the keys alone). Without one it
/// cannot be told: no code is ever asked for here.
pub fn key_age(
    profile: &ResolvedProfile,
    session: Option<&Credentials>,
    env: &Environment,
) -> KeyAge {
    let Some(session) = session else {
        return KeyAge::Unknown(
            "there is no cached MFA session to ask IAM with (run aws-mfa env first)".into(),
        );
    };
    let look = || -> Result<Option<SystemTime>, Error> {
        let aws = Aws::connect(&StsTarget {
            profile: &profile.name,
            region: profile.region.as_deref(),
            timeout: LOOK_TIMEOUT,
            env,
        })?;
        let owner = aws.key_owner(profile.keys.long_term()?, &profile.name)?;
        let keys = aws.list_access_keys(session, &owner)?;
        let id = &profile.keys.access_key_id;
        match keys.into_iter().find(|k| &k.id == id) {
            Some(key) => Ok(key.created),
            None => Err(Error::Rotate {
                profile: profile.name.clone(),
                why: format!(
                    "IAM lists no key {} for {}",
                    crate::verbose::key_id(id),
                    owner.arn
                ),
                hint: None,
            }),
        }
    };
    match look() {
        Ok(Some(created)) => {
            let days = crate::duration::days_since(created);
            let fix = (days > ROTATE_AFTER_DAYS).then(|| match &profile.key_source {
                KeySource::Keychain(holder) => format!("aws-mfa rotate {holder}"),
                KeySource::Profile(holder) => format!(
                    "aws-mfa add {holder} (then delete the lines it names), then aws-mfa rotate {holder}"
                ),
                KeySource::Environment => "replace the key in AWS_ACCESS_KEY_ID with a new one (IAM console → Security credentials)".into(),
            });
            KeyAge::Days { days, fix }
        }
        Ok(None) => KeyAge::Unknown("IAM gave no creation date".into()),
        Err(err) => KeyAge::Unknown(err.to_string()),
    }
}
