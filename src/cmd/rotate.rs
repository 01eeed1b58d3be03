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
use std::time::Duration;

use crate::aws::{AccessKey, Aws, KeyOwner, StsTarget};
use crate::cache::{self, CacheKey};
use crate::cli::RotateArgs;
use crate::environment::Environment;
use crate::error::Error;
use crate::keychain::{self, Keychain};
use crate::obtain::{self, Prompt};
use crate::plan::Recipient;
use crate::profile::{KeySource, ProfileFiles, ResolvedProfile};
use crate::session::{Credentials, LongTermKeys};

/// How long a new key may take to become valid (IAM: usually seconds).
const NEW_KEY_PATIENCE: Duration = Duration::from_secs(60);

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

    // The MFA session: the cached one, or a fresh one for one code. It signs a few IAM
    // calls within a minute or two: what a shell gets will do.
    let session = obtain::session(env, args, Recipient::Shell, Prompt::Terminal)?;
    let aws = Aws::connect(&StsTarget {
        profile,
        region: session.region.as_deref(),
        timeout: args.timeout,
        env,
    })?;
    let owner = aws.key_owner(&old, profile)?;
    let rotation = Rotation {
        profile,
        aws: &aws,
        mfa: &session.credentials,
        owner: &owner,
        old: &old,
    };
    rotation.check_room()?;
    let new = rotation.make_new_key(env)?;
    let (old_fate, forgotten) = rotation.retire_old(args, env, &resolved, &new)?;
    super::print(&format!(
        "profile '{profile}': new key {} (0 days old) in {}; old key {} {old_fate}; {forgotten} cached session(s) of the old key forgotten\n",
        new.access_key_id,
        keychain::name(),
        old.access_key_id,
    ))?;
    Ok(ExitCode::SUCCESS)
}

/// One rotation's parties: the profile, IAM signed with its MFA session, the user, the old key.
struct Rotation<'a> {
    profile: &'a str,
    aws: &'a Aws,
    mfa: &'a Credentials,
    owner: &'a KeyOwner,
    old: &'a LongTermKeys,
}

impl Rotation<'_> {
    fn refused(&self, why: String, hint: Option<String>) -> Error {
        Error::Rotate {
            profile: self.profile.to_owned(),
            why,
            hint,
        }
    }

    fn exec_delete(&self, id: &str) -> String {
        delete_command(self.profile, self.owner, id)
    }

    /// Before any change: IAM allows two keys, and the new one needs the second place.
    fn check_room(&self) -> Result<(), Error> {
        let old = &self.old.access_key_id;
        let keys = self.aws.list_access_keys(self.mfa, self.owner)?;
        if !keys.iter().any(|k| &k.id == old) {
            return Err(self.refused(
                format!(
                    "IAM lists no key {old} for {}: the keychain's key was deleted, or belongs to another user",
                    self.owner.arn
                ),
                Some(format!(
                    "store a current key of this user with 'aws-mfa add {}', then rotate again",
                    self.profile
                )),
            ));
        }
        if let Some(other) = keys.iter().find(|k| &k.id != old) {
            let ours = keys.iter().find(|k| &k.id == old);
            let exec_delete = |id: &str| self.exec_delete(id);
            return Err(second_key(
                self.profile,
                self.owner,
                ours,
                other,
                &exec_delete,
            ));
        }
        Ok(())
    }

    /// A new key, created, waited for until AWS accepts it, and stored in the keychain;
    /// on any failure before it is stored, deleted again (the old key never touched).
    fn make_new_key(&self, env: &Environment) -> Result<LongTermKeys, Error> {
        let new = self.aws.create_access_key(self.mfa, self.owner)?;
        crate::error::say(&format!(
            "created key {}; waiting until AWS accepts it",
            new.access_key_id
        ));
        let stored = match self
            .aws
            .wait_until_valid(&new, self.owner, NEW_KEY_PATIENCE)
        {
            Err(err) => Err(self.refused(
                format!(
                    "the new key {} did not work within {} s: {err}",
                    new.access_key_id,
                    NEW_KEY_PATIENCE.as_secs()
                ),
                None,
            )),
            Ok(_) => Keychain::new(env).store(self.profile, &new),
        };
        match stored {
            Ok(()) => Ok(new),
            Err(err) => Err(self.undo(&new, err)),
        }
    }

    /// Deletes the new key again after `err`; says what is left either way.
    fn undo(&self, new: &LongTermKeys, err: Error) -> Error {
        let old = &self.old.access_key_id;
        match self
            .aws
            .delete_access_key(self.mfa, self.owner, &new.access_key_id)
        {
            Ok(()) => {
                crate::error::note(&format!(
                    "the new key {} was deleted again; the old key {old} is unchanged and still in {}",
                    new.access_key_id,
                    keychain::name()
                ));
                err
            }
            Err(also) => self.refused(
                format!(
                    "{err}; and the new key {} could not be deleted again: {also}",
                    new.access_key_id
                ),
                Some(format!(
                    "the old key {old} is unchanged and still in {}; delete the new one by hand: {}",
                    keychain::name(),
                    self.exec_delete(&new.access_key_id)
                )),
            ),
        }
    }

    /// With the new key stored: the records follow it, the old key is deleted (or
    /// deactivated), and the sessions made from it are forgotten. Returns what became of
    /// the old key and how many sessions were forgotten.
    fn retire_old(
        &self,
        args: &RotateArgs,
        env: &Environment,
        resolved: &ResolvedProfile,
        new: &LongTermKeys,
    ) -> Result<(&'static str, usize), Error> {
        let (profile, old) = (self.profile, &self.old.access_key_id);
        let (cache, records) = cache::open(env, true);
        records.remember_keychain_key(profile, &new.access_key_id);
        let serial = args
            .mfa_serial
            .clone()
            .or_else(|| resolved.mfa_serial.clone())
            .or_else(|| records.known_device(old));
        if let Some(serial) = &serial {
            records.remember_device(&new.access_key_id, serial);
        }
        let (done, old_fate) = if args.keep_old {
            let done = self.aws.deactivate_access_key(self.mfa, self.owner, old);
            (done, "deactivated")
        } else {
            let done = self.aws.delete_access_key(self.mfa, self.owner, old);
            (done, "deleted")
        };
        let forgotten = forget_sessions(env, &cache, profile, old, serial.as_deref());
        tracing::info!("forgot {forgotten} cached session(s) made from the old key");
        if let Err(err) = done {
            return Err(self.refused(
                format!(
                    "the new key {} is stored in {} and works, but the old key {old} could not be {old_fate}: {err}",
                    new.access_key_id,
                    keychain::name(),
                ),
                Some(if args.keep_old {
                    format!(
                        "deactivate it by hand: aws-mfa exec -p {profile} -- aws iam update-access-key --status Inactive --access-key-id {old}{}",
                        user_flag(self.owner)
                    )
                } else {
                    format!("delete it by hand: {}", self.exec_delete(old))
                }),
            ));
        }
        Ok((old_fate, forgotten))
    }
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
            Some(at) => format!("{state}, {} days old", crate::duration::days_since(at)),
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
