//! Durations as users write them: seconds (`43200`) or a span (`15m`, `1h`, `12h`, `36h`);
//! and every way aws-mfa writes one.

use std::time::Duration;

use crate::error::Error;

/// GetSessionToken's range for IAM users (root: 3600 at most, which STS enforces itself).
pub const SESSION_MIN: u64 = 900;
pub const SESSION_MAX: u64 = 129_600;
pub const SESSION_DEFAULT: u64 = 43_200;
/// GetSessionToken for the account's root user: one hour at most (STS silently shortens a
/// longer one).
pub const ROOT_SESSION_MAX: u64 = 3_600;

/// AssumeRole: 900 s up to the role's maximum, which is 12 h at most.
pub const ROLE_MIN: u64 = 900;
pub const ROLE_MAX: u64 = 43_200;
pub const ROLE_DEFAULT: u64 = 3_600;
/// AssumeRole signed with session credentials is role chaining: one hour at most.
pub const CHAINED_MAX: u64 = 3_600;

/// Parses seconds or a humantime span into whole seconds.
pub fn parse_seconds(value: &str) -> Result<u64, Error> {
    let value = value.trim();
    let invalid = |why: String| Error::InvalidDuration {
        value: value.to_owned(),
        why,
    };
    if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) {
        return value
            .parse()
            .map_err(|_| invalid("that is too many seconds".into()));
    }
    humantime::parse_duration(value)
        .map(|d| d.as_secs())
        .map_err(|e| {
            invalid(match e {
                humantime::DurationError::NumberOverflow => "that is far too long".into(),
                _ => "a duration is seconds (43200) or a number with a unit: 15m, 1h, 12h, 36h, 1h30m"
                    .into(),
            })
        })
}

/// A length as the user wrote it (`-d`), read once at the door: its seconds, and the text
/// as written for a message that names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Length {
    pub seconds: u64,
    pub written: String,
}

impl Length {
    fn parse(value: &str) -> Result<Self, Error> {
        Ok(Length {
            seconds: parse_seconds(value)?,
            written: value.trim().to_owned(),
        })
    }

    /// As a GetSessionToken duration, checked against STS's range before any call.
    pub fn session_seconds(&self) -> Result<u64, Error> {
        self.within(SESSION_MIN, SESSION_MAX, "an MFA session")
    }

    /// As an AssumeRole duration, checked against the widest range AWS allows.
    pub fn role_seconds(&self) -> Result<u64, Error> {
        self.within(ROLE_MIN, ROLE_MAX, "role credentials")
    }

    fn within(&self, min: u64, max: u64, what: &str) -> Result<u64, Error> {
        let seconds = self.seconds;
        if (min..=max).contains(&seconds) {
            return Ok(seconds);
        }
        Err(Error::InvalidDuration {
            value: self.written.clone(),
            why: format!(
                "{what} can last from {min} s ({}) to {max} s ({}); this is {seconds} s",
                span(min),
                span(max)
            ),
        })
    }
}

/// `-d` as clap reads it: a duration within the widest range any session allows, so no
/// later sum can overflow. The range of the session at hand is checked once it is known.
pub fn parse_option(value: &str) -> Result<Length, Error> {
    let length = Length::parse(value)?;
    length.within(SESSION_MIN, SESSION_MAX, "credentials")?;
    Ok(length)
}

/// The longest `--timeout`: AWS answers in seconds; a wait of hours is a mistake (and a
/// huge one would overflow the deadline).
pub const TIMEOUT_MAX: f64 = 3600.0;

/// `--timeout` as clap reads it: seconds, above zero, at most an hour.
pub fn parse_timeout(value: &str) -> Result<Duration, Error> {
    value
        .trim()
        .parse::<f64>()
        .ok()
        .filter(|s| s.is_finite() && *s > 0.0 && *s <= TIMEOUT_MAX)
        .and_then(|s| Duration::try_from_secs_f64(s).ok())
        .filter(|d| !d.is_zero())
        .ok_or_else(|| Error::InvalidTimeout(value.to_owned()))
}

/// A GetSessionToken duration written in a profile (`duration_seconds`).
pub fn session_seconds(value: &str) -> Result<u64, Error> {
    Length::parse(value)?.session_seconds()
}

/// An AssumeRole duration written in a profile (`duration_seconds`).
pub fn role_seconds(value: &str) -> Result<u64, Error> {
    Length::parse(value)?.role_seconds()
}

/// A length as people say it: `36h`, `15m`, `1h30m`, `90s`.
pub fn span(seconds: u64) -> String {
    let (h, m, s) = (seconds / 3600, seconds % 3600 / 60, seconds % 60);
    let mut out = String::new();
    for (n, unit) in [(h, 'h'), (m, 'm'), (s, 's')] {
        if n > 0 {
            out.push_str(&format!("{n}{unit}"));
        }
    }
    if out.is_empty() { "0s".into() } else { out }
}

/// A length measured from the clock (an expiry minus now), for a note: a few seconds off a
/// whole minute is that minute (`899` reads `15m`); anything else is shown as it is (`15s`,
/// never rounded up to `1m`).
pub fn approx_span(seconds: u64) -> String {
    let nearest = (seconds + 30) / 60 * 60;
    if nearest > 0 && nearest.abs_diff(seconds) <= 5 {
        span(nearest)
    } else {
        span(seconds)
    }
}

/// Time left, to the minute, for a table: `11h 42m`, `3m`, or `expired`.
pub fn left(time: Duration) -> String {
    let minutes = time.as_secs() / 60;
    match (minutes / 60, minutes % 60) {
        _ if time.is_zero() => "expired".into(),
        (0, m) => format!("{m}m"),
        (h, m) => format!("{h}h {m:02}m"),
    }
}

/// Whole days from `at` until now (0 for a time ahead of the clock): a key's age.
pub fn days_since(at: std::time::SystemTime) -> u64 {
    std::time::SystemTime::now()
        .duration_since(at)
        .unwrap_or_default()
        .as_secs()
        / 86_400
}

/// A measured time with milliseconds (`0.042s`), for `-v`.
pub fn measured(duration: Duration) -> String {
    format!("{:.3}s", duration.as_secs_f64())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seconds_and_spans() {
        assert_eq!(parse_seconds("43200").unwrap(), 43_200);
        assert_eq!(parse_seconds("15m").unwrap(), 900);
        assert_eq!(parse_seconds("36h").unwrap(), 129_600);
        assert_eq!(parse_seconds("1h 30m").unwrap(), 5_400);
        assert!(parse_seconds("soon").is_err());
        assert!(parse_seconds("-5").is_err());
    }

    #[test]
    fn spans_read_as_people_write_them() {
        assert_eq!(span(129_600), "36h");
        assert_eq!(span(900), "15m");
        assert_eq!(span(5_400), "1h30m");
        assert_eq!(span(0), "0s");
    }

    #[test]
    fn measured_spans_snap_to_the_minute_only_when_close() {
        assert_eq!(approx_span(15), "15s");
        assert_eq!(approx_span(899), "15m");
        assert_eq!(approx_span(3_598), "1h");
        assert_eq!(approx_span(90), "1m30s");
        assert_eq!(approx_span(3), "3s");
    }

    #[test]
    fn time_left_and_measured_times() {
        assert_eq!(left(Duration::ZERO), "expired");
        assert_eq!(left(Duration::from_secs(59)), "0m");
        assert_eq!(left(Duration::from_secs(3 * 60 + 59)), "3m");
        assert_eq!(left(Duration::from_secs(11 * 3600 + 42 * 60)), "11h 42m");
        assert_eq!(left(Duration::from_secs(3600 + 5)), "1h 00m");
        assert_eq!(measured(Duration::from_millis(42)), "0.042s");
        assert_eq!(measured(Duration::from_secs(3)), "3.000s");
    }

    #[test]
    fn options_are_bounded_when_read() {
        assert_eq!(parse_timeout("2.5").unwrap(), Duration::from_millis(2500));
        assert_eq!(parse_timeout(" 15 ").unwrap(), Duration::from_secs(15));
        for bad in [
            "0",
            "-1",
            "abc",
            "NaN",
            "inf",
            "3601",
            "9300000000000000000",
        ] {
            assert!(parse_timeout(bad).is_err(), "{bad}");
        }
        let twelve = parse_option(" 12h").unwrap();
        assert_eq!((twelve.seconds, twelve.written.as_str()), (43_200, "12h"));
        assert!(twelve.role_seconds().is_ok());
        let long = parse_option("13h").unwrap();
        let err = long.role_seconds().unwrap_err().to_string();
        assert!(err.contains("'13h'") && err.contains("46800 s"), "{err}");
        for bad in [
            "abc",
            "37h",
            "899",
            "9300000000000000000",
            "99999999999999999999h",
        ] {
            assert!(parse_option(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn session_range_is_checked() {
        assert!(session_seconds("899").is_err());
        assert!(session_seconds("37h").is_err());
        assert_eq!(session_seconds("12h").unwrap(), 43_200);
    }
}
