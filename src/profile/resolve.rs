//! Following a profile to its keys: `source_profile` chains, roles, and profiles whose
//! `credential_process` is aws-mfa itself.

use super::keys::{KeySource, ProfileKeys, environment_keys, is_temporary, keys_outside_files};
use super::{ProfileFiles, ResolvedProfile, Role, files};
use crate::error::Error;
use crate::session::{LongTermKeys, Secret};

/// A profile followed to the one that holds its keys.
struct Chain {
    /// The profiles passed, the asked-for one first, the keys' holder last.
    profiles: Vec<String>,
    /// The roles on the way, the one nearest the keys first.
    roles: Vec<Role>,
    keys: ProfileKeys,
    key_source: KeySource,
}

impl ProfileFiles<'_> {
    /// Follows `source_profile` from `name` to the profile that holds long-term keys.
    /// `explicit` says the name was asked for (a flag or variable) rather than the
    /// fallback `default`, which may be absent when the keys are in the environment.
    pub fn resolve(&self, name: &str, explicit: bool) -> Result<ResolvedProfile, Error> {
        if self.set.get_profile(name).is_none() && !self.keyring.holds_profile(name, explicit) {
            return self.environment_only(name, explicit);
        }
        let chain = self.follow(name)?;
        self.settings(name, chain)
    }

    /// A profile in no file and no keychain: only the fallback `default`, with long-term
    /// keys in the environment, is one.
    fn environment_only(&self, name: &str, explicit: bool) -> Result<ResolvedProfile, Error> {
        if explicit {
            return Err(self.unknown(name));
        }
        let keys = environment_keys(self.env)?.ok_or_else(|| self.unknown(name))?;
        Ok(ResolvedProfile {
            name: name.to_owned(),
            keys: ProfileKeys::loaded(keys),
            key_source: KeySource::Environment,
            mfa_serial: None,
            mfa_process: None,
            region: None,
            session_duration: None,
            roles: Vec::new(),
            extra_env: Vec::new(),
        })
    }

    /// Follows `name` through roles (`source_profile`) and aws-mfa `credential_process`
    /// lines to the profile with keys; a loop is an error.
    fn follow(&self, name: &str) -> Result<Chain, Error> {
        let mut chain: Vec<String> = Vec::new();
        let mut roles = Vec::new();
        let mut current = name.to_owned();
        let (keys, key_source) = loop {
            if chain.contains(&current) {
                chain.push(current);
                let link = if self.get(&chain[chain.len() - 2], "role_arn").is_some() {
                    "source_profile"
                } else {
                    "credential_process"
                };
                return Err(Error::BrokenProfile {
                    profile: name.to_owned(),
                    why: format!("{link} loops: {}", chain.join(" -> ")),
                    hint: "end the chain at a profile that holds your long-term keys (aws_access_key_id)".into(),
                });
            }
            chain.push(current.clone());
            let Some(role_arn) = self.get(&current, "role_arn") else {
                // A profile that gets its credentials from aws-mfa means the profile it names.
                if self.get(&current, "aws_access_key_id").is_none()
                    && let Some(process) = self.get(&current, "credential_process")
                {
                    current = self.follow_credential_process(&current, &process)?;
                    continue;
                }
                break self.keys_of(&current)?;
            };
            let source = self.get(&current, "source_profile");
            // A role profile that names itself as source uses its own keys (as the AWS CLI does).
            let self_sourced = source.as_deref() == Some(current.as_str());
            roles.push(Role {
                profile: current.clone(),
                arn: role_arn,
                external_id: self.get(&current, "external_id"),
                session_name: self.get(&current, "role_session_name"),
                duration_seconds: self.get(&current, "duration_seconds"),
            });
            if self_sourced {
                break self.keys_of(&current)?;
            }
            current = self.role_source(current, source)?;
        };
        roles.reverse();
        Ok(Chain {
            profiles: chain,
            roles,
            keys,
            key_source,
        })
    }

    /// The profile a role profile takes its keys from: its `source_profile`, which must be
    /// known (`credential_source` is not supported).
    fn role_source(&self, current: String, source: Option<String>) -> Result<String, Error> {
        match source {
            Some(source)
                if self.set.get_profile(&source).is_some()
                    || self.keyring.holds_profile(&source, true) =>
            {
                Ok(source)
            }
            Some(source) => Err(Error::BrokenProfile {
                profile: current,
                why: format!(
                    "its source_profile '{source}' is not in {}",
                    files::names(self.env)
                ),
                hint: format!("known profiles: {}", self.names().join(", ")),
            }),
            None => {
                let why = match self.get(&current, "credential_source") {
                    Some(_) => {
                        "it has role_arn with credential_source, which aws-mfa does not support; it needs a source_profile to take keys from"
                    }
                    None => "it has role_arn but no source_profile to take keys from",
                };
                Err(Error::BrokenProfile {
                    hint: format!(
                        "add 'source_profile = NAME' (the profile with your long-term keys) under the profile '{current}' in ~/.aws/config"
                    ),
                    profile: current,
                    why: why.into(),
                })
            }
        }
    }

    /// The settings of a followed profile: MFA device and process from the first profile on
    /// the chain that has them, the region of the asked-for one, the session duration of
    /// the keys' holder.
    fn settings(&self, name: &str, chain: Chain) -> Result<ResolvedProfile, Error> {
        let first = |key: &str| chain.profiles.iter().find_map(|p| self.get(p, key));
        let holder = chain
            .profiles
            .last()
            .expect("the chain holds at least the asked-for profile");
        Ok(ResolvedProfile {
            name: name.to_owned(),
            mfa_serial: first("mfa_serial"),
            mfa_process: first("mfa_process"),
            // Like the AWS CLI: a role profile's region is its own, never its source's.
            region: self.get(name, "region"),
            session_duration: self.get(holder, "duration_seconds"),
            keys: chain.keys,
            key_source: chain.key_source,
            roles: chain.roles,
            extra_env: self.extra_env_of(name)?,
        })
    }

    /// The profile named by `credential_process = aws-mfa credential-process --profile X`
    /// (`-p X`, `--profile=X`); any other `credential_process` is an error naming its
    /// program (its arguments may hold a secret).
    fn follow_credential_process(&self, profile: &str, process: &str) -> Result<String, Error> {
        let words = shell_words::split(process).unwrap_or_default();
        let program = words.first().map(String::as_str).unwrap_or_default();
        let broken = |why: String, hint: &str| Error::BrokenProfile {
            profile: profile.to_owned(),
            why,
            hint: hint.to_owned(),
        };
        let is_aws_mfa = std::path::Path::new(program)
            .file_stem()
            .is_some_and(|stem| stem == "aws-mfa");
        if !is_aws_mfa || !words.iter().any(|w| w == "credential-process") {
            return Err(broken(
                format!(
                    "it gets its credentials from credential_process '{program}', and aws-mfa needs long-term keys to ask for an MFA session"
                ),
                "name the profile that holds your aws_access_key_id with -p (or AWS_PROFILE)",
            ));
        }
        let mut args = words.iter().skip(1);
        let mut target = None;
        while let Some(arg) = args.next() {
            if arg == "-p" || arg == "--profile" {
                target = args.next().cloned();
            } else if let Some(value) = arg.strip_prefix("--profile=") {
                target = Some(value.to_owned());
            } else if let Some(value) = arg.strip_prefix("-p").filter(|v| !v.is_empty()) {
                target = Some(value.to_owned());
            }
        }
        let Some(target) = target else {
            return Err(broken(
                "its credential_process runs aws-mfa credential-process without --profile".into(),
                "add '--profile NAME' (the profile with your keys or role) to its credential_process",
            ));
        };
        if self.set.get_profile(&target).is_none() && !self.keyring.holds_profile(&target, true) {
            return Err(self.unknown(&target));
        }
        tracing::info!(
            "profile '{profile}': its credential_process runs aws-mfa credential-process --profile {target}; using profile '{target}'"
        );
        Ok(target)
    }

    /// The profile's own keys: from the files, else from the OS keychain (`aws-mfa add`);
    /// when it has none, long-term keys from the environment.
    fn keys_of(&self, profile: &str) -> Result<(ProfileKeys, KeySource), Error> {
        let origin = format!("profile '{profile}'");
        match (
            self.get(profile, "aws_access_key_id"),
            self.get(profile, "aws_secret_access_key"),
        ) {
            (Some(access_key_id), Some(secret)) => {
                if self.get(profile, "aws_session_token").is_some() || is_temporary(&access_key_id)
                {
                    return Err(Error::TemporaryKeys { origin });
                }
                let keys = LongTermKeys {
                    access_key_id,
                    secret_access_key: Secret::new(secret),
                };
                Ok((
                    ProfileKeys::loaded(keys),
                    KeySource::Profile(profile.to_owned()),
                ))
            }
            (Some(_), None) => Err(Error::NoKeys {
                profile: profile.to_owned(),
                why: "aws_access_key_id is set but aws_secret_access_key is missing".into(),
            }),
            (None, _) => keys_outside_files(profile, &self.keyring, self.env),
        }
    }
}
