//! What a session request amounts to, settled before anything is asked or sent: lengths,
//! the roles to assume, regions, the timeout; and how long cached credentials must still
//! last (`freshness`). Pure: no file, environment or network.

mod freshness;

use std::time::Duration;

use crate::duration::{self, Length};
use crate::error::Error;
use crate::profile::{ResolvedProfile, Role};

pub use freshness::{Freshness, Held, Recipient};

/// The options of a command that hands out a session, as plain values (the command line's
/// `SessionArgs` converts into it).
#[derive(Debug, Clone)]
pub struct SessionOptions {
    /// `-p`: the profile [default: see `profile::name_to_use`].
    pub profile: Option<String>,
    /// `-t`: the one-time code, unchecked.
    pub token_code: Option<String>,
    /// `--mfa-serial`: the device, over the profile's.
    pub mfa_serial: Option<String>,
    /// `-d`: the length of what is handed out (read, its range not yet checked).
    pub duration: Option<Length>,
    /// `-r`: the region for STS and to export.
    pub region: Option<String>,
    /// `--refresh`: read no cache entry.
    pub refresh: bool,
    /// `--no-cache`: neither read nor write sessions.
    pub no_cache: bool,
    /// `--no-session`: assume the first role with the MFA code.
    pub no_session: bool,
    /// `--timeout`: how long to wait for AWS in all.
    pub timeout: Duration,
}

/// Everything about the request that can be checked before a code is asked for.
#[derive(Debug)]
pub struct SessionPlan {
    pub profile: ResolvedProfile,
    /// `--mfa-serial`, else the profile's; `None` until found (see `device::discover`).
    pub serial: Option<String>,
    /// A region to export (from `-r` or the profile).
    pub region: Option<String>,
    /// Length of the MFA session (GetSessionToken), before the root user's cap.
    pub session_seconds: u64,
    /// Roles to assume in order, each with its length settled.
    pub roles: Vec<RolePlan>,
    /// `--no-session`: the first role is assumed with the MFA code, not from a session.
    pub direct: bool,
    pub timeout: Duration,
}

/// One role to assume, and for how long.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RolePlan {
    pub role: Role,
    pub seconds: u64,
    /// What the profile (or `-d`) asked for, when more than role chaining allows.
    pub capped_from: Option<u64>,
}

impl RolePlan {
    /// Everything that makes the role's credentials what they are, for the cache key.
    pub fn key_parts(&self) -> [String; 4] {
        let role = &self.role;
        [
            role.arn.clone(),
            role.external_id.clone().unwrap_or_default(),
            role.session_name.clone().unwrap_or_default(),
            self.seconds.to_string(),
        ]
    }
}

impl SessionPlan {
    pub fn new(options: &SessionOptions, profile: ResolvedProfile) -> Result<Self, Error> {
        let serial = options
            .mfa_serial
            .clone()
            .or_else(|| profile.mfa_serial.clone());
        // `-d` sets the length of what is handed out: the MFA session for a plain profile,
        // the (last) role's credentials for a role profile.
        let is_role = !profile.roles.is_empty();
        let session_seconds = match (&options.duration, is_role) {
            (Some(length), false) => length.session_seconds()?,
            _ => match profile.session_duration.as_deref() {
                Some(value) => duration::session_seconds(value)?,
                None => duration::SESSION_DEFAULT,
            },
        };
        let direct = options.no_session && is_role;
        let last = profile.roles.len().saturating_sub(1);
        let roles = profile
            .roles
            .iter()
            .enumerate()
            .map(|(i, role)| {
                let asked = match (i == last).then_some(options.duration.as_ref()).flatten() {
                    Some(length) => Some(length.role_seconds()?),
                    None => role
                        .duration_seconds
                        .as_deref()
                        .map(duration::role_seconds)
                        .transpose()?,
                };
                let seconds = asked.unwrap_or(duration::ROLE_DEFAULT);
                // Assumed with session credentials (from the MFA session or the previous
                // role) is role chaining, which AWS limits to one hour.
                let chained = !(direct && i == 0);
                let (seconds, capped_from) = if chained && seconds > duration::CHAINED_MAX {
                    (duration::CHAINED_MAX, Some(seconds))
                } else {
                    (seconds, None)
                };
                Ok(RolePlan {
                    role: role.clone(),
                    seconds,
                    capped_from,
                })
            })
            .collect::<Result<Vec<_>, Error>>()?;
        let region = options.region.clone().or_else(|| profile.region.clone());
        Ok(SessionPlan {
            profile,
            serial,
            region,
            session_seconds,
            roles,
            direct,
            timeout: options.timeout,
        })
    }

    /// The MFA session's length with `serial`, and what was asked when that is cut: the
    /// root user gets one hour at most, known up front from its device, so a longer ask is
    /// cut with a notice instead of a surprise afterwards.
    pub fn session_seconds_for(&self, serial: &str) -> (u64, Option<u64>) {
        let asked = self.session_seconds;
        if crate::mfa::is_root_device(serial) && asked > duration::ROOT_SESSION_MAX {
            (duration::ROOT_SESSION_MAX, Some(asked))
        } else {
            (asked, None)
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::profile::{KeySource, ProfileKeys};
    use crate::session::LongTermKeys;
    use crate::session::Secret;

    fn role(name: &str, duration_seconds: Option<&str>) -> Role {
        Role {
            profile: name.into(),
            arn: format!("arn:aws:iam::123456789012:role/{name}"),
            external_id: None,
            session_name: None,
            duration_seconds: duration_seconds.map(str::to_owned),
        }
    }

    /// A resolved profile `work` with keys in the file, a device and a region.
    pub(crate) fn profile(session_duration: Option<&str>, roles: Vec<Role>) -> ResolvedProfile {
        ResolvedProfile {
            name: "work".into(),
            keys: ProfileKeys::loaded(LongTermKeys {
                access_key_id: "AKIAEXAMPLE".into(),
                secret_access_key: Secret::new("secret"),
            }),
            key_source: KeySource::Profile("work".into()),
            mfa_serial: Some("arn:aws:iam::123456789012:mfa/me".into()),
            mfa_process: None,
            region: Some("eu-west-1".into()),
            session_duration: session_duration.map(str::to_owned),
            roles,
            extra_env: Vec::new(),
        }
    }

    /// `-d` as the command line reads it.
    fn length(written: &str) -> Length {
        duration::parse_option(written).unwrap()
    }

    fn options(duration: Option<&str>, no_session: bool) -> SessionOptions {
        SessionOptions {
            profile: None,
            token_code: None,
            mfa_serial: None,
            duration: duration.map(length),
            region: None,
            refresh: false,
            no_cache: false,
            no_session,
            timeout: Duration::from_secs(15),
        }
    }

    /// (what the case is, `-d`, --no-session, the profile's duration_seconds, the roles'
    /// duration_seconds) -> (session seconds, direct, each role's (seconds, capped from)).
    #[test]
    fn lengths_and_chaining_caps() {
        type Case<'a> = (
            &'a str,
            Option<&'a str>,
            bool,
            Option<&'a str>,
            &'a [Option<&'a str>],
            (u64, bool, &'a [(u64, Option<u64>)]),
        );
        #[rustfmt::skip]
        let cases: &[Case] = &[
            ("plain, defaults", None, false, None, &[], (43_200, false, &[])),
            ("plain, -d", Some("2h"), false, None, &[], (7_200, false, &[])),
            ("plain, profile's length", None, false, Some("3600"), &[], (3_600, false, &[])),
            ("plain, -d over the profile", Some("15m"), false, Some("3600"), &[], (900, false, &[])),
            ("plain, --no-session means nothing", None, true, None, &[], (43_200, false, &[])),
            ("role, defaults", None, false, None, &[None], (43_200, false, &[(3_600, None)])),
            ("role, -d is the role's", Some("30m"), false, Some("7200"), &[None], (7_200, false, &[(1_800, None)])),
            ("role, chained beyond 1h", Some("2h"), false, None, &[None], (43_200, false, &[(3_600, Some(7_200))])),
            ("role, --no-session: no cap", Some("2h"), true, None, &[None], (43_200, true, &[(7_200, None)])),
            ("role, profile's length capped", None, false, None, &[Some("12h")], (43_200, false, &[(3_600, Some(43_200))])),
            (
                "two roles, --no-session: the second is chained",
                None,
                true,
                None,
                &[Some("2h"), Some("3h")],
                (43_200, true, &[(7_200, None), (3_600, Some(10_800))]),
            ),
            (
                "two roles: -d is the last one's",
                Some("20m"),
                false,
                None,
                &[Some("2h"), None],
                (43_200, false, &[(3_600, Some(7_200)), (1_200, None)]),
            ),
        ];
        for (what, d, no_session, session, role_lengths, (seconds, direct, roles)) in cases {
            let roles_in = role_lengths
                .iter()
                .enumerate()
                .map(|(i, length)| role(&format!("r{i}"), *length))
                .collect();
            let plan = SessionPlan::new(&options(*d, *no_session), profile(*session, roles_in))
                .unwrap_or_else(|e| panic!("{what}: {e}"));
            assert_eq!(plan.session_seconds, *seconds, "{what}");
            assert_eq!(plan.direct, *direct, "{what}");
            let got: Vec<(u64, Option<u64>)> = plan
                .roles
                .iter()
                .map(|r| (r.seconds, r.capped_from))
                .collect();
            assert_eq!(got, *roles, "{what}");
        }
    }

    /// (what the case is, `-d`, the profile's duration_seconds, the roles' duration_seconds).
    type Refused<'a> = (
        &'a str,
        Option<&'a str>,
        Option<&'a str>,
        &'a [Option<&'a str>],
    );

    #[test]
    fn out_of_range_lengths_are_refused() {
        #[rustfmt::skip]
        let cases: &[Refused] = &[
            ("profile's session too short", None, Some("60"), &[]),
            ("-d too long for a role", Some("13h"), None, &[None]),
            ("a role's length unreadable", None, None, &[Some("soon")]),
            ("the session's length, even for a role", None, Some("1s"), &[None]),
        ];
        for (what, d, session, role_lengths) in cases {
            let roles = role_lengths.iter().map(|l| role("r", *l)).collect();
            let result = SessionPlan::new(&options(*d, false), profile(*session, roles));
            assert!(
                matches!(result, Err(Error::InvalidDuration { .. })),
                "{what}: {result:?}"
            );
        }
    }

    #[test]
    fn region_serial_and_timeout_come_from_the_options_over_the_profile() {
        let mut asked = options(None, false);
        let plan = SessionPlan::new(&asked, profile(None, vec![])).unwrap();
        assert_eq!(plan.region.as_deref(), Some("eu-west-1"));
        assert_eq!(
            plan.serial.as_deref(),
            Some("arn:aws:iam::123456789012:mfa/me")
        );
        assert_eq!(plan.timeout, Duration::from_secs(15));

        asked.region = Some("us-east-2".into());
        asked.mfa_serial = Some("GAHT12345678".into());
        asked.timeout = Duration::from_millis(500);
        let plan = SessionPlan::new(&asked, profile(None, vec![])).unwrap();
        assert_eq!(plan.region.as_deref(), Some("us-east-2"));
        assert_eq!(plan.serial.as_deref(), Some("GAHT12345678"));
        assert_eq!(plan.timeout, Duration::from_millis(500));
    }

    #[test]
    fn the_root_users_session_is_cut_to_an_hour() {
        let root = "arn:aws:iam::123456789012:mfa/root-account-mfa-device";
        let user = "arn:aws:iam::123456789012:mfa/me";
        let cases = [
            (None, root, (3_600, Some(43_200))),
            (Some("1h"), root, (3_600, None)),
            (Some("15m"), root, (900, None)),
            (None, user, (43_200, None)),
            (Some("36h"), user, (129_600, None)),
        ];
        for (d, serial, expected) in cases {
            let plan = SessionPlan::new(&options(d, false), profile(None, vec![])).unwrap();
            assert_eq!(plan.session_seconds_for(serial), expected, "{d:?} {serial}");
        }
    }
}
