//! What a cache file is named by: a hash of everything that makes what it holds.

use sha2::{Digest, Sha256};

/// What identifies a cache entry: a hash of everything that makes the session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CacheKey(String);

impl CacheKey {
    /// An MFA session: the long-term key that asked for it and the device.
    pub fn mfa_session(access_key_id: &str, serial: &str) -> Self {
        CacheKey::hashed("session", &[access_key_id, serial])
    }

    /// The base of roles assumed directly with the MFA code (`--no-session`).
    pub fn direct_mfa(access_key_id: &str, serial: &str) -> Self {
        CacheKey::hashed("direct", &[access_key_id, serial])
    }

    /// Role credentials assumed from `parent` (an MFA session or the previous role).
    pub fn role(parent: &CacheKey, parts: &[String]) -> Self {
        let mut all = vec![parent.0.as_str()];
        all.extend(parts.iter().map(String::as_str));
        CacheKey::hashed("role", &all)
    }

    /// The file name the key gives (without its suffix).
    pub(super) fn name(&self) -> &str {
        &self.0
    }

    pub(super) fn hashed(kind: &str, parts: &[&str]) -> Self {
        let mut hash = Sha256::new();
        hash.update(kind.as_bytes());
        for part in parts {
            // Lengths keep ("ab","c") and ("a","bc") apart.
            hash.update((part.len() as u64).to_le_bytes());
            hash.update(part.as_bytes());
        }
        let digest = hash.finalize();
        CacheKey(format!("{kind}-{}", hex::encode(&digest[..16])))
    }
}

#[cfg(test)]
mod tests {
    use super::CacheKey;

    #[test]
    fn keys_change_with_every_part() {
        let a = CacheKey::mfa_session("AKIA1", "arn:mfa/a");
        assert_eq!(a, CacheKey::mfa_session("AKIA1", "arn:mfa/a"));
        assert_ne!(a, CacheKey::mfa_session("AKIA2", "arn:mfa/a"));
        assert_ne!(a, CacheKey::mfa_session("AKIA1", "arn:mfa/b"));
        assert_ne!(
            CacheKey::mfa_session("ab", "c"),
            CacheKey::mfa_session("a", "bc")
        );
        let parts = |ext: &str| ["arn:role/x".to_owned(), ext.to_owned()];
        let role = CacheKey::role(&a, &parts(""));
        assert_ne!(role, CacheKey::role(&a, &parts("ext")));
        assert_ne!(
            CacheKey::role(&CacheKey::direct_mfa("AKIA1", "arn:mfa/a"), &parts("")),
            role
        );
        assert!(role.0.starts_with("role-"));
    }
}
