//! `aws-mfa remove PROFILE`: forget the keys `aws-mfa add` put in the OS keychain, and the
//! profile's cached sessions.

use std::process::ExitCode;

use crate::cache::{self, CacheKey};
use crate::cli::RemoveArgs;
use crate::environment::Environment;
use crate::error::Error;
use crate::keychain::{self, KeyStore, Keychain};
use crate::profile::ProfileFiles;

pub fn run(args: &RemoveArgs, env: &Environment) -> Result<ExitCode, Error> {
    let profile = args.profile.as_str();
    let keychain = Keychain::new(env);
    let (cache, records) = cache::open(env, true);
    // The key id, for the MFA session made with these keys: from the record, else (the
    // record lost) from the entry itself, before it goes.
    let key_id = match records.keychain_key_id(profile) {
        Some(id) => Some(id),
        None => keychain.load(profile)?.map(|keys| keys.access_key_id),
    };
    if !keychain.delete(profile)? {
        records.forget_keychain_key(profile);
        return Err(Error::NotInKeychain {
            profile: profile.to_owned(),
            keychain: keychain::name(),
        });
    }
    records.forget_keychain_key(profile);

    let mut removed = 0;
    if let Some(key_id) = key_id {
        let serial = ProfileFiles::load(env)
            .ok()
            .and_then(|files| files.mfa_serial_of(profile))
            .or_else(|| records.known_device(&key_id));
        if let Some(serial) = serial {
            for key in [
                CacheKey::mfa_session(&key_id, &serial),
                CacheKey::direct_mfa(&key_id, &serial),
            ] {
                removed += usize::from(cache.remove_key(&key));
            }
        }
    }
    // Every entry of theirs, trusted or not: one that cannot be read may still hold a live
    // secret.
    for path in cache.entry_files_of(profile) {
        if cache.remove(&path).is_ok() {
            removed += 1;
        }
    }
    crate::error::say(&format!(
        "removed the keys of profile '{profile}' from {}; forgot {removed} cached session(s)",
        keychain::name()
    ));
    Ok(ExitCode::SUCCESS)
}
