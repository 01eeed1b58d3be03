//! The endpoint's token: 32 random bytes from the OS, and the compare a request's
//! `Authorization` header is checked with (in `super::endpoint`).

use crate::error::Error;

/// 32 bytes from the OS, as 64 hex digits (a header value needs no escaping).
pub(super) fn random_token() -> Result<String, Error> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| Error::Server {
        why: format!("no randomness from the OS for a token: {e}"),
    })?;
    Ok(hex::encode(bytes))
}

/// Compares in time that depends on the length only, so the token cannot be guessed a byte
/// at a time by timing the 403s.
pub(super) fn constant_time_eq(given: &[u8], expected: &[u8]) -> bool {
    given.len() == expected.len()
        && std::hint::black_box(
            given
                .iter()
                .zip(expected)
                .fold(0u8, |differ, (a, b)| differ | (a ^ b)),
        ) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_64_hex_digits_and_differ() {
        let (a, b) = (random_token().unwrap(), random_token().unwrap());
        assert_eq!(a.len(), 64);
        assert!(a.bytes().all(|c| c.is_ascii_hexdigit()));
        assert_ne!(a, b);
    }

    #[test]
    fn only_equal_bytes_compare_equal() {
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"ab"));
        assert!(!constant_time_eq(b"", b"abc"));
    }
}
