//! Profile resolution on profile files given as text, an environment given as pairs and an
//! in-memory keychain: no file, variable or keychain of the machine is looked at.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use super::*;
use crate::keychain::KeyStore;
use crate::session::{LongTermKeys, Secret};

const CONFIG: &str = "\
[default]
mfa_serial = arn:aws:iam::111111111111:mfa/me
region = eu-west-1

[profile admin]
role_arn = arn:aws:iam::222222222222:role/Admin
source_profile = default
region = us-east-2

[profile deep]
role_arn = arn:aws:iam::333333333333:role/Deep
source_profile = admin
external_id = ext-1

[profile self-sourced]
role_arn = arn:aws:iam::444444444444:role/Own
source_profile = self-sourced

[profile loop-a]
role_arn = arn:aws:iam::555555555555:role/A
source_profile = loop-b

[profile loop-b]
role_arn = arn:aws:iam::555555555555:role/B
source_profile = loop-a

[profile no-source]
role_arn = arn:aws:iam::666666666666:role/X

[profile instance]
role_arn = arn:aws:iam::666666666666:role/X
credential_source = Ec2InstanceMetadata

[profile missing-source]
role_arn = arn:aws:iam::666666666666:role/X
source_profile = nowhere

[profile via-aws-mfa]
credential_process = /usr/local/bin/aws-mfa credential-process --profile=admin

[profile via-other]
credential_process = vault-helper --token s3cr3t-t0ken

[profile via-aws-mfa-bare]
credential_process = aws-mfa credential-process

[profile keychain-role]
role_arn = arn:aws:iam::777777777777:role/K
source_profile = in-keychain

[profile mfa-only]
mfa_serial = arn:aws:iam::111111111111:mfa/other
";

const CREDENTIALS: &str = "\
[default]
aws_access_key_id = AKIADEFAULT
aws_secret_access_key = default-secret

[self-sourced]
aws_access_key_id = AKIAOWN
aws_secret_access_key = own-secret

[temporary]
aws_access_key_id = ASIATEMP
aws_secret_access_key = temp-secret
aws_session_token = token

[half]
aws_access_key_id = AKIAHALF
";

/// A keychain in memory that counts how often it is asked.
struct MemoryKeychain {
    keys: HashMap<String, LongTermKeys>,
    asked: Arc<AtomicUsize>,
}

impl KeyStore for MemoryKeychain {
    fn load(&self, profile: &str) -> Result<Option<LongTermKeys>, Error> {
        self.asked.fetch_add(1, Ordering::SeqCst);
        Ok(self.keys.get(profile).cloned())
    }

    fn load_if_reachable(&self, profile: &str) -> Result<Option<LongTermKeys>, Error> {
        self.load(profile)
    }
}

fn keys(id: &str) -> LongTermKeys {
    LongTermKeys {
        access_key_id: id.to_owned(),
        secret_access_key: Secret::new(format!("{id}-secret")),
    }
}

/// The files above, `env`, and a keychain holding `in_keychain`'s keys for the profile of
/// that name, with its records in `cache_dir`.
fn files<'e>(
    env: &'e Environment,
    keychain: &[(&str, &str)],
    cache_dir: Option<&std::path::Path>,
) -> (ProfileFiles<'e>, Arc<AtomicUsize>) {
    let asked = Arc::new(AtomicUsize::new(0));
    let store = MemoryKeychain {
        keys: keychain
            .iter()
            .map(|(profile, id)| ((*profile).to_owned(), keys(id)))
            .collect(),
        asked: Arc::clone(&asked),
    };
    let files = ProfileFiles {
        set: files::parse_texts(CONFIG, CREDENTIALS).unwrap(),
        env,
        keyring: Keyring::with_store(Box::new(store), cache_dir.map(ToOwned::to_owned)),
    };
    (files, asked)
}

fn no_env() -> Environment {
    Environment::default()
}

/// What resolving `name` gives, in a line: the key and where it is from, the device, the
/// region, the roles — or the error's text.
fn outcome(files: &ProfileFiles<'_>, name: &str, explicit: bool) -> String {
    match files.resolve(name, explicit) {
        Ok(p) => {
            let source = match &p.key_source {
                KeySource::Profile(holder) => format!("profile {holder}"),
                KeySource::Environment => "environment".to_owned(),
                KeySource::Keychain(holder) => format!("keychain {holder}"),
            };
            let roles: Vec<String> = p
                .roles
                .iter()
                .map(|r| {
                    let external = r
                        .external_id
                        .as_deref()
                        .map_or(String::new(), |e| format!(" ({e})"));
                    format!("{}{external}", r.arn.rsplit('/').next().unwrap_or_default())
                })
                .collect();
            format!(
                "{} from {source}; mfa {}; region {}; roles [{}]",
                p.keys.access_key_id,
                p.mfa_serial.as_deref().unwrap_or("-"),
                p.region.as_deref().unwrap_or("-"),
                roles.join(" > ")
            )
        }
        Err(e) => format!("error: {e}"),
    }
}

#[test]
fn profiles_resolve_to_their_keys_device_region_and_roles() {
    let env = no_env();
    let (files, asked) = files(&env, &[], None);
    let table = [
        (
            "default",
            "AKIADEFAULT from profile default; mfa arn:aws:iam::111111111111:mfa/me; region eu-west-1; roles []",
        ),
        // A role profile's region is its own, never its source's (as the AWS CLI).
        (
            "admin",
            "AKIADEFAULT from profile default; mfa arn:aws:iam::111111111111:mfa/me; region us-east-2; roles [Admin]",
        ),
        (
            "deep",
            "AKIADEFAULT from profile default; mfa arn:aws:iam::111111111111:mfa/me; region -; roles [Admin > Deep (ext-1)]",
        ),
        (
            "self-sourced",
            "AKIAOWN from profile self-sourced; mfa -; region -; roles [Own]",
        ),
        // credential_process = aws-mfa … --profile=admin means the profile admin.
        (
            "via-aws-mfa",
            "AKIADEFAULT from profile default; mfa arn:aws:iam::111111111111:mfa/me; region -; roles [Admin]",
        ),
    ];
    for (name, expected) in table {
        assert_eq!(outcome(&files, name, true), expected, "profile {name}");
    }
    assert_eq!(asked.load(Ordering::SeqCst), 0, "no keychain call");
}

#[test]
fn broken_profiles_are_refused_with_the_reason() {
    let env = no_env();
    let (files, _) = files(&env, &[], None);
    let table = [
        ("loop-a", "source_profile loops: loop-a -> loop-b -> loop-a"),
        ("no-source", "it has role_arn but no source_profile"),
        (
            "instance",
            "credential_source, which aws-mfa does not support",
        ),
        (
            "missing-source",
            "its source_profile 'nowhere' is not in ~/.aws/config or ~/.aws/credentials",
        ),
        ("via-other", "credential_process 'vault-helper'"),
        ("via-aws-mfa-bare", "without --profile"),
        ("temporary", "temporary"),
        ("half", "aws_secret_access_key is missing"),
        (
            "mfa-only",
            "holds none for it, and the environment holds none",
        ),
        ("nosuch", "nosuch"),
    ];
    for (name, expected) in table {
        let got = outcome(&files, name, true);
        assert!(got.starts_with("error: "), "profile {name}: {got}");
        assert!(got.contains(expected), "profile {name}: {got}");
        // A credential_process line is named by its program only: its arguments may hold
        // a secret.
        assert!(!got.contains("s3cr3t"), "profile {name}: {got}");
    }
}

#[test]
fn environment_keys_serve_only_a_default_that_is_not_in_the_files() {
    let pairs = [
        ("AWS_ACCESS_KEY_ID", "AKIAENV"),
        ("AWS_SECRET_ACCESS_KEY", "env-secret"),
    ];
    let with_keys = Environment::from_pairs(pairs);
    let set = files::parse_texts("", "").unwrap();
    let keyring = || {
        Keyring::with_store(
            Box::new(MemoryKeychain {
                keys: HashMap::new(),
                asked: Arc::default(),
            }),
            None,
        )
    };
    let resolve = |env: &Environment, name: &str, explicit: bool| {
        let files = ProfileFiles {
            set: set.clone(),
            env,
            keyring: keyring(),
        };
        outcome(&files, name, explicit)
    };
    assert_eq!(
        resolve(&with_keys, "default", false),
        "AKIAENV from environment; mfa -; region -; roles []"
    );
    // A name asked for must exist.
    assert!(resolve(&with_keys, "work", true).contains("profile 'work'"));
    // Keys an earlier `eval` exported are never the source of a new session.
    let exported = with_keys.with(crate::session::MFA_PROFILE, "work");
    assert!(resolve(&exported, "default", false).starts_with("error: "));
    // Temporary keys are refused, by the token or by the ASIA prefix.
    let with_token = with_keys.with("AWS_SESSION_TOKEN", "t");
    assert!(resolve(&with_token, "default", false).contains("temporary"));
    let asia = with_keys.with("AWS_ACCESS_KEY_ID", "ASIAENV");
    assert!(resolve(&asia, "default", false).contains("temporary"));
}

#[test]
fn keychain_keys_are_found_once_then_by_the_record_without_a_keychain_call() {
    let cache = tempfile::tempdir().unwrap();
    let cache_dir = cache.path().join("aws-mfa");
    let env = no_env();
    let keychain = [("in-keychain", "AKIAKEYCHAIN")];

    // No record yet: the keychain is asked, and the key id put on record.
    let (first, asked) = files(&env, &keychain, Some(&cache_dir));
    assert_eq!(
        outcome(&first, "keychain-role", true),
        "AKIAKEYCHAIN from keychain in-keychain; mfa -; region -; roles [K]"
    );
    assert_eq!(asked.load(Ordering::SeqCst), 1);

    // The next run finds the key id on record: no keychain call until a secret is needed.
    let (second, asked) = files(&env, &keychain, Some(&cache_dir));
    let resolved = second.resolve("in-keychain", true).unwrap();
    assert_eq!(resolved.keys.access_key_id, "AKIAKEYCHAIN");
    assert_eq!(asked.load(Ordering::SeqCst), 0);
    assert_eq!(
        resolved.keys.long_term().unwrap().secret_access_key,
        Secret::new("AKIAKEYCHAIN-secret".to_owned())
    );
    assert_eq!(asked.load(Ordering::SeqCst), 1);

    // The entry changed behind our back: the record is put right, and the run told to
    // start again.
    let (third, _) = files(&env, &[("in-keychain", "AKIANEWER")], Some(&cache_dir));
    let stale = third.resolve("in-keychain", true).unwrap();
    assert!(matches!(
        stale.keys.long_term(),
        Err(Error::KeychainChanged { .. })
    ));
    let (fourth, _) = files(&env, &[("in-keychain", "AKIANEWER")], Some(&cache_dir));
    assert_eq!(
        fourth
            .resolve("in-keychain", true)
            .unwrap()
            .keys
            .access_key_id,
        "AKIANEWER"
    );
}

#[test]
fn temporary_keys_in_the_keychain_are_refused_with_or_without_a_record() {
    let cache = tempfile::tempdir().unwrap();
    let cache_dir = cache.path().join("aws-mfa");
    let env = no_env();
    for run in ["no record yet", "on record"] {
        let (files, _) = files(&env, &[("in-keychain", "ASIAKEYCHAIN")], Some(&cache_dir));
        let refused = files
            .resolve("keychain-role", true)
            .and_then(|p| p.keys.long_term().map(|_| ()));
        assert!(
            matches!(refused, Err(Error::TemporaryKeys { .. })),
            "{run}: {refused:?}"
        );
    }
}

#[test]
fn the_profile_to_use_is_the_flag_then_the_variables_then_default() {
    let env = |pairs: &[(&str, &str)]| Environment::from_pairs(pairs.iter().copied());
    let both = env(&[("AWS_PROFILE", "work"), ("AWS_MFA_PROFILE", "held")]);
    let cases = [
        (Some("flag"), both.clone(), ("flag", true)),
        (None, both, ("work", true)),
        (None, env(&[("AWS_MFA_PROFILE", "held")]), ("held", true)),
        (None, env(&[]), ("default", false)),
    ];
    for (flag, env, (name, explicit)) in cases {
        let got = name_to_use(flag, &env).unwrap();
        assert_eq!(got, (name.to_owned(), explicit), "{flag:?}");
    }
}
