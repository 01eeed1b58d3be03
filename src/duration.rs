//! Durations as users write them: seconds (`43200`) or a span (`15m`, `1h`, `12h`, `36h`).

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
        .map_err(|e| invalid(e.to_string()))
}

/// A GetSessionToken duration, checked against STS's range before any call.
pub fn session_seconds(value: &str) -> Result<u64, Error> {
    in_range(value, SESSION_MIN, SESSION_MAX, "an MFA session")
}

/// An AssumeRole duration, checked against the widest range AWS allows.
pub fn role_seconds(value: &str) -> Result<u64, Error> {
    in_range(value, ROLE_MIN, ROLE_MAX, "role credentials")
}

fn in_range(value: &str, min: u64, max: u64, what: &str) -> Result<u64, Error> {
    let seconds = parse_seconds(value)?;
    if (min..=max).contains(&seconds) {
        return Ok(seconds);
    }
    Err(Error::InvalidDuration {
        value: value.trim().to_owned(),
        why: format!(
            "{what} can last from {min} s ({}) to {max} s ({}); this is {seconds} s",
            span(min),
            span(max)
        ),
    })
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
    fn session_range_is_checked() {
        assert!(session_seconds("899").is_err());
        assert!(session_seconds("37h").is_err());
        assert_eq!(session_seconds("12h").unwrap(), 43_200);
    }
}
