//! Durations as users write them: seconds (`43200`) or a span (`15m`, `1h`, `12h`, `36h`).

use crate::error::Error;

/// GetSessionToken's range for IAM users (root: 3600 at most, which STS enforces itself).
pub const SESSION_MIN: u64 = 900;
pub const SESSION_MAX: u64 = 129_600;
pub const SESSION_DEFAULT: u64 = 43_200;

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
    let seconds = parse_seconds(value)?;
    if (SESSION_MIN..=SESSION_MAX).contains(&seconds) {
        Ok(seconds)
    } else {
        Err(Error::InvalidDuration {
            value: value.trim().to_owned(),
            why: format!(
                "an MFA session lasts from {SESSION_MIN} s (15m) to {SESSION_MAX} s (36h); this is {seconds} s"
            ),
        })
    }
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
    fn session_range_is_checked() {
        assert!(session_seconds("899").is_err());
        assert!(session_seconds("37h").is_err());
        assert_eq!(session_seconds("12h").unwrap(), 43_200);
    }
}
