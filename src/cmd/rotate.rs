//! `aws-mfa rotate PROFILE`: a new long-term key for a profile whose keys are in the OS
//! keychain, under one MFA session (cached or fresh: one code at most), and nothing lost
//! whatever fails.
//!
//! The order is what keeps a working key where aws-mfa finds it: ListAccessKeys (a second
//! key already there stops everything before any change), CreateAccessKey, wait until the
//! new key signs, store it in the keychain, and only then delete (`--keep-old`: deactivate)
//! the old one and forget the sessions made from it. A keychain write that fails deletes
//! the new key again; the old one was never touched.
//!
//! Also here: the long-term key's age for `doctor`, read with a cached MFA session only.

use std::process::ExitCode;
use std::time::{Duration, SystemTime};

use crate::aws::{AccessKey, Aws, KeyOwner, Signer, StsTarget};
use crate::cache::{self, CacheKey};
use crate::cli::RotateArgs;
use crate::environment::Environment;
use crate::error::Error;
use crate::keychain::{self, Keychain};
use crate::obtain::{self, Prompt};
use crate::plan::SessionOptions;
use crate::profile::{KeySource, ProfileFiles, ResolvedProfile};
use crate::session::{Credentials, LongTermKeys};

/// How long a new key may take to become valid (IAM: usually seconds).
const NEW_KEY_PATIENCE: Duration = Duration::from_secs(60);
/// AWS and the CIS benchmark ask for keys rotated this often.
pub const ROTATE_AFTER_DAYS: u64 = 90;
/// `doctor`'s calls give up after this long.
const LOOK_TIMEOUT: Duration = Duration::from_secs(8);

pub fn run(args: &RotateArgs, env: &Environment) -> Result<ExitCode, Error> {
    let profile = args.profile.as_str();
    let resolved = keychain_profile(env, profile)?;
    let old = match resolved.keys.long_term() {
        Ok(keys) => keys.clone(),
        // The record of the keychain's key id was out of date (it is right now): again.
        Err(Error::KeychainChanged { .. }) => {
            keychain_profile(env, profile)?.keys.long_term()?.clone()
        }
        Err(err) => return Err(err),
    };
    let refused = |why: String, hint: Option<String>| Error::Rotate {
        profile: profile.to_owned(),
        why,
        hint,
    };

    // The MFA session: the cached one, or a fresh one for one code.
    let options = SessionOptions {
        profile: Some(profile.to_owned()),
        token_code: args.token_code.clone(),
        mfa_serial: args.mfa_serial.clone(),
        timeout: args.timeout,
        ..SessionOptions::default()
    };
    let session = obtain::session(env, options, obtain::SESSION_MIN_LEFT, Prompt::Terminal)?;
    let mfa = &session.credentials;

    let aws = Aws::connect(&StsTarget {
        profile,
        region: session.region.as_deref(),
        timeout: Duration::from_secs_f64(args.timeout),
        env,
    })?;
    let owner = owner_of(&aws, &old, profile)?;
    let exec_delete = |id: &str| delete_command(profile, &owner, id);

    // Before any change: IAM allows two keys, and the new one needs the second place.
    let keys = aws.list_access_keys(mfa, &owner)?;
    if !keys.iter().any(|k| k.id == old.access_key_id) {
        return Err(refused(
            format!(
                "IAM lists no key {} for {}: the keychain's key was deleted, or belongs to another user",
                old.access_key_id, owner.arn
            ),
            Some(format!(
                "store a current key of this user with 'aws-mfa add {profile}', then rotate again"
            )),
        ));
    }
    if let Some(other) = keys.iter().find(|k| k.id != old.access_key_id) {
        let ours = keys.iter().find(|k| k.id == old.access_key_id);
        return Err(second_key(profile, &owner, ours, other, &exec_delete));
    }

    let new = aws.create_access_key(mfa, &owner)?;
    crate::error::say(&format!(
        "created key {}; waiting until AWS accepts it",
        new.access_key_id
    ));
    // Until it is stored, the new key is deleted again on any failure.
    let undo = |err: Error| -> Error {
        match aws.delete_access_key(mfa, &owner, &new.access_key_id) {
            Ok(()) => {
                crate::error::note(&format!(
                    "the new key {} was deleted again; the old key {} is unchanged and still in {}",
                    new.access_key_id,
                    old.access_key_id,
                    keychain::name()
                ));
                err
            }
            Err(also) => refused(
                format!(
                    "{err}; and the new key {} could not be deleted again: {also}",
                    new.access_key_id
                ),
                Some(format!(
                    "the old key {} is unchanged and still in {}; delete the new one by hand: {}",
                    old.access_key_id,
                    keychain::name(),
                    exec_delete(&new.access_key_id)
                )),
            ),
        }
    };
    if let Err(err) = aws.wait_until_valid(&new, &owner, NEW_KEY_PATIENCE) {
        return Err(undo(refused(
            format!(
                "the new key {} did not work within {} s: {err}",
                new.access_key_id,
                NEW_KEY_PATIENCE.as_secs()
            ),
            None,
        )));
    }
    if let Err(err) = Keychain::new(env).store(profile, &new) {
        return Err(undo(err));
    }

    // Stored: from here on the new key is the profile's.
    let (cache, records) = cache::open(env, true);
    records.remember_keychain_key(profile, &new.access_key_id);
    let serial = args
        .mfa_serial
        .clone()
        .or_else(|| resolved.mfa_serial.clone())
        .or_else(|| records.known_device(&old.access_key_id));
    if let Some(serial) = &serial {
        records.remember_device(&new.access_key_id, serial);
    }
    let (done, old_fate) = if args.keep_old {
        (
            aws.deactivate_access_key(mfa, &owner, &old.access_key_id),
            "deactivated",
        )
    } else {
        (
            aws.delete_access_key(mfa, &owner, &old.access_key_id),
            "deleted",
        )
    };
    let forgotten = forget_sessions(env, &cache, profile, &old.access_key_id, serial.as_deref());
    tracing::info!("forgot {forgotten} cached session(s) made from the old key");
    if let Err(err) = done {
        return Err(refused(
            format!(
                "the new key {} is stored in {} and works, but the old key {} could not be {old_fate}: {err}",
                new.access_key_id,
                keychain::name(),
                old.access_key_id
            ),
            Some(if args.keep_old {
                format!(
                    "deactivate it by hand: aws-mfa exec -p {profile} -- aws iam update-access-key --status Inactive --access-key-id {}{}",
                    old.access_key_id,
                    user_flag(&owner)
                )
            } else {
                format!("delete it by hand: {}", exec_delete(&old.access_key_id))
            }),
        ));
    }
    super::print(&format!(
        "profile '{profile}': new key {} (0 days old) in {}; old key {} {old_fate}; {forgotten} cached session(s) of the old key forgotten\n",
        new.access_key_id,
        keychain::name(),
        old.access_key_id,
    ))?;
    Ok(ExitCode::SUCCESS)
}

/// The profile, when its own keys are in the keychain; otherwise why rotate cannot help.
fn keychain_profile(env: &Environment, profile: &str) -> Result<ResolvedProfile, Error> {
    let resolved = ProfileFiles::load(env)?.resolve(profile, true)?;
    let refused = |why: String, hint: String| Error::Rotate {
        profile: profile.to_owned(),
        why,
        hint: Some(hint),
    };
    match &resolved.key_source {
        KeySource::Keychain(holder) if holder == profile => Ok(resolved),
        KeySource::Keychain(holder) => Err(refused(
            format!("its keys are those of profile '{holder}'"),
            format!("rotate them there: aws-mfa rotate {holder}"),
        )),
        KeySource::Profile(holder) => Err(refused(
            format!(
                "its keys are in the profile files (profile '{holder}'), which aws-mfa never writes"
            ),
            format!(
                "move them into {} first: aws-mfa add {holder} (then delete the lines it names), and run aws-mfa rotate {holder}",
                keychain::name()
            ),
        )),
        KeySource::Environment => Err(refused(
            "its keys come from AWS_ACCESS_KEY_ID in the environment, which aws-mfa cannot change"
                .into(),
            format!(
                "store them in {} first: aws-mfa add {profile} --from-env, then unset the variables and run aws-mfa rotate {profile}",
                keychain::name()
            ),
        )),
    }
}

/// Who the keys belong to (GetCallerIdentity, which no policy can deny).
fn owner_of(aws: &Aws, keys: &LongTermKeys, profile: &str) -> Result<KeyOwner, Error> {
    let identity = aws.caller_identity(&Signer::LongTerm(keys))?;
    KeyOwner::from_arn(&identity.arn).map_err(|why| Error::Rotate {
        profile: profile.to_owned(),
        why,
        hint: None,
    })
}

/// The error for a user who already has a second key, naming both.
fn second_key(
    profile: &str,
    owner: &KeyOwner,
    ours: Option<&AccessKey>,
    other: &AccessKey,
    exec_delete: &dyn Fn(&str) -> String,
) -> Error {
    let ours_created = ours.and_then(|k| k.created);
    let described = |key: &AccessKey| {
        let state = if key.active { "active" } else { "inactive" };
        match key.created {
            Some(at) => format!("{state}, {} days old", days_since(at)),
            None => state.to_owned(),
        }
    };
    let ours_text = match ours {
        Some(key) => format!("{} (in {}, {})", key.id, keychain::name(), described(key)),
        None => "the keychain's".into(),
    };
    let left_by_rotate = matches!((ours_created, other.created), (Some(a), Some(b)) if b > a);
    let (why, hint) = if left_by_rotate {
        (
            format!(
                "{} already has a second access key, {} ({}), made after the keychain's key {ours_text}: most likely by an 'aws-mfa rotate' that was interrupted before it stored the key, so its secret is lost",
                owner_text(owner),
                other.id,
                described(other)
            ),
            format!(
                "delete it, then rotate again: {}; aws-mfa rotate {profile}",
                exec_delete(&other.id)
            ),
        )
    } else {
        (
            format!(
                "{} already has two access keys, the most IAM allows: {ours_text} and {} ({}, not in {})",
                owner_text(owner),
                other.id,
                described(other),
                keychain::name()
            ),
            format!(
                "if nothing uses {} any more, delete it, then rotate again: {}; aws-mfa rotate {profile}",
                other.id,
                exec_delete(&other.id)
            ),
        )
    };
    Error::Rotate {
        profile: profile.to_owned(),
        why,
        hint: Some(hint),
    }
}

fn owner_text(owner: &KeyOwner) -> String {
    match &owner.user_name {
        Some(name) => format!("IAM user '{name}'"),
        None => "the account's root user".into(),
    }
}

fn user_flag(owner: &KeyOwner) -> String {
    owner
        .user_name
        .as_ref()
        .map_or_else(String::new, |name| format!(" --user-name {name}"))
}

/// The command that deletes key `id` under the profile's MFA session.
fn delete_command(profile: &str, owner: &KeyOwner, id: &str) -> String {
    format!(
        "aws-mfa exec -p {profile} -- aws iam delete-access-key --access-key-id {id}{}",
        user_flag(owner)
    )
}

/// Removes the cached sessions made from the old key: its MFA sessions, and every entry of
/// a profile whose keys are `holder`'s (its roles' credentials came from them).
fn forget_sessions(
    env: &Environment,
    cache: &cache::Sessions,
    holder: &str,
    old_key_id: &str,
    serial: Option<&str>,
) -> usize {
    let mut removed = 0;
    if let Some(serial) = serial {
        for key in [
            CacheKey::mfa_session(old_key_id, serial),
            CacheKey::direct_mfa(old_key_id, serial),
        ] {
            removed += usize::from(cache.remove_key(&key));
        }
    }
    let mut profiles = vec![holder.to_owned()];
    if let Ok(files) = ProfileFiles::load(env) {
        for name in files.names() {
            let uses_holder = files.resolve(&name, false).is_ok_and(|p| {
                matches!(&p.key_source, KeySource::Keychain(h) if h == holder) && name != holder
            });
            if uses_holder {
                profiles.push(name);
            }
        }
    }
    for profile in profiles {
        for path in cache.entry_files_of(&profile) {
            if cache.remove(&path).is_ok() {
                removed += 1;
            }
        }
    }
    removed
}

fn days_since(at: SystemTime) -> u64 {
    SystemTime::now()
        .duration_since(at)
        .unwrap_or_default()
        .as_secs()
        / 86_400
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
        let owner = owner_of(&aws, profile.keys.long_term()?, &profile.name)?;
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
            let days = days_since(created);
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
