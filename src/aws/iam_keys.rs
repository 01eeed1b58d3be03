//! An IAM user's access keys: listed, created, deactivated and deleted (`rotate`, and the
//! key's age for `doctor`). Every call is signed with an MFA session: the MFA policy
//! denies these actions to long-term keys alone.

use std::time::{Duration, Instant, SystemTime};

use aws_config::timeout::TimeoutConfig;

use super::answers::Answer;
use super::{Aws, Signer, endpoint};
use crate::error::Error;
use crate::session::{Credentials, LongTermKeys, Secret};

/// One access key of the user, as ListAccessKeys describes it (never a secret).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccessKey {
    pub id: String,
    pub active: bool,
    pub created: Option<SystemTime>,
}

/// Whose keys these are: the IAM user's name, or `None` for the account's root user
/// (whose calls name no user).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyOwner {
    pub arn: String,
    pub user_name: Option<String>,
}

impl KeyOwner {
    /// From the ARN GetCallerIdentity gives: `arn:aws:iam::ACCOUNT:user/PATH/NAME` names
    /// the user (the last part), `arn:aws:iam::ACCOUNT:root` the root user.
    pub fn from_arn(arn: &str) -> Result<Self, String> {
        let resource = arn.splitn(6, ':').nth(5).unwrap_or_default();
        if resource == "root" {
            return Ok(KeyOwner {
                arn: arn.to_owned(),
                user_name: None,
            });
        }
        match resource.strip_prefix("user/") {
            Some(path) if !path.is_empty() => Ok(KeyOwner {
                arn: arn.to_owned(),
                user_name: path.rsplit('/').next().map(str::to_owned),
            }),
            _ => Err(format!(
                "the keys belong to {arn}, which is not an IAM user"
            )),
        }
    }
}

impl Aws {
    /// Who `keys` belong to (GetCallerIdentity, which no policy can deny), for `profile`.
    pub fn key_owner(&self, keys: &LongTermKeys, profile: &str) -> Result<KeyOwner, Error> {
        let identity = self.caller_identity(&Signer::LongTerm(keys))?;
        KeyOwner::from_arn(&identity.arn).map_err(|why| Error::Rotate {
            profile: profile.to_owned(),
            why,
            hint: None,
        })
    }

    /// An IAM client signed by `signer`, each call given `per_call` (a rotation waits for
    /// its new key longer than one run's deadline).
    fn iam_with(
        &self,
        action: &'static str,
        signer: &Signer<'_>,
        per_call: Duration,
    ) -> Result<aws_sdk_iam::Client, Error> {
        endpoint::check(&self.config, action, "IAM")?;
        let config = aws_sdk_iam::config::Builder::from(&self.config)
            .credentials_provider(Self::credentials(signer))
            .timeout_config(
                TimeoutConfig::builder()
                    .connect_timeout(per_call.min(Duration::from_millis(3100)))
                    .operation_timeout(per_call)
                    .build(),
            )
            .build();
        Ok(aws_sdk_iam::Client::from_conf(config))
    }

    /// The user's access keys, oldest first.
    pub fn list_access_keys(
        &self,
        session: &Credentials,
        owner: &KeyOwner,
    ) -> Result<Vec<AccessKey>, Error> {
        const ACTION: &str = "ListAccessKeys";
        let signer = Signer::Session(session);
        let client = self.iam_with(ACTION, &signer, self.timeout)?;
        let request = client
            .list_access_keys()
            .set_user_name(owner.user_name.clone());
        let output = self.send(ACTION, &signer, request.send())?;
        let mut keys: Vec<AccessKey> = output
            .access_key_metadata()
            .iter()
            .filter_map(|k| {
                Some(AccessKey {
                    id: k.access_key_id()?.to_owned(),
                    active: k.status().is_none_or(|s| s.as_str() == "Active"),
                    created: k.create_date().and_then(|d| SystemTime::try_from(*d).ok()),
                })
            })
            .collect();
        keys.sort_by_key(|k| k.created);
        Ok(keys)
    }

    /// A new access key for the user. Its secret goes straight into a `Secret`.
    pub fn create_access_key(
        &self,
        session: &Credentials,
        owner: &KeyOwner,
    ) -> Result<LongTermKeys, Error> {
        const ACTION: &str = "CreateAccessKey";
        let signer = Signer::Session(session);
        let client = self.iam_with(ACTION, &signer, self.timeout)?;
        let request = client
            .create_access_key()
            .set_user_name(owner.user_name.clone());
        let output = self.send(ACTION, &signer, request.send())?;
        let unreadable = |what: &str| Error::Sts {
            action: ACTION,
            why: format!("IAM sent an answer that cannot be read: {what}"),
            hint: None,
            kind: crate::error::StsFailure::Other,
        };
        let key = output
            .access_key
            .ok_or_else(|| unreadable("it holds no key"))?;
        // Moved, not copied: the one buffer that holds the secret is the `Secret`'s.
        let secret = Secret::new(key.secret_access_key);
        if key.access_key_id.is_empty() || secret.expose().is_empty() {
            return Err(unreadable("the key is empty"));
        }
        Ok(LongTermKeys {
            access_key_id: key.access_key_id,
            secret_access_key: secret,
        })
    }

    /// Deletes one of the user's access keys.
    pub fn delete_access_key(
        &self,
        session: &Credentials,
        owner: &KeyOwner,
        id: &str,
    ) -> Result<(), Error> {
        const ACTION: &str = "DeleteAccessKey";
        let signer = Signer::Session(session);
        let client = self.iam_with(ACTION, &signer, self.timeout)?;
        let request = client
            .delete_access_key()
            .set_user_name(owner.user_name.clone())
            .access_key_id(id);
        self.send(ACTION, &signer, request.send()).map(drop)
    }

    /// Makes one of the user's access keys inactive (it stays, and can be made active again).
    pub fn deactivate_access_key(
        &self,
        session: &Credentials,
        owner: &KeyOwner,
        id: &str,
    ) -> Result<(), Error> {
        const ACTION: &str = "UpdateAccessKey";
        let signer = Signer::Session(session);
        let client = self.iam_with(ACTION, &signer, self.timeout)?;
        let request = client
            .update_access_key()
            .set_user_name(owner.user_name.clone())
            .access_key_id(id)
            .status(aws_sdk_iam::types::StatusType::Inactive);
        self.send(ACTION, &signer, request.send()).map(drop)
    }

    /// Waits until `keys` sign a call AWS accepts (GetCallerIdentity, which no policy can
    /// deny), as the user `owner`: a new IAM key takes seconds to become valid. Tried again
    /// with a growing pause, for `patience` at most; the last failure when it never works.
    pub fn wait_until_valid(
        &self,
        keys: &LongTermKeys,
        owner: &KeyOwner,
        patience: Duration,
    ) -> Result<(), Error> {
        let started = Instant::now();
        let mut pause = Duration::from_millis(500);
        loop {
            let last = match self.identity_of(keys) {
                Ok(arn) if arn == owner.arn => return Ok(()),
                Ok(arn) => Error::Sts {
                    action: "GetCallerIdentity",
                    why: format!("the new key signs as {arn}, not as {}", owner.arn),
                    hint: None,
                    kind: crate::error::StsFailure::Other,
                },
                Err(err) => err,
            };
            let left = patience.saturating_sub(started.elapsed());
            if left.is_zero() {
                return Err(last);
            }
            tracing::info!(
                "the new key is not valid yet; trying again in {}",
                crate::duration::measured(pause.min(left))
            );
            std::thread::sleep(pause.min(left));
            pause = (pause * 2).min(Duration::from_secs(8));
        }
    }

    /// GetCallerIdentity signed with `keys`, with a bound of its own per try.
    fn identity_of(&self, keys: &LongTermKeys) -> Result<String, Error> {
        const ACTION: &str = "GetCallerIdentity";
        let signer = Signer::LongTerm(keys);
        endpoint::check(&self.config, ACTION, "STS")?;
        let config = aws_sdk_sts::config::Builder::from(&self.config)
            .credentials_provider(Self::credentials(&signer))
            .timeout_config(
                TimeoutConfig::builder()
                    .connect_timeout(self.timeout.min(Duration::from_millis(3100)))
                    .operation_timeout(self.timeout)
                    .build(),
            )
            .build();
        let client = aws_sdk_sts::Client::from_conf(config);
        let output = self.send(ACTION, &signer, client.get_caller_identity().send())?;
        Ok(output.arn().unwrap_or_default().to_owned())
    }
}

impl Answer for aws_sdk_iam::operation::list_access_keys::ListAccessKeysOutput {
    fn summary(&self) -> String {
        let ids: Vec<String> = self
            .access_key_metadata()
            .iter()
            .map(|k| crate::verbose::key_id(k.access_key_id().unwrap_or_default()))
            .collect();
        format!("answered: {} key(s): {}", ids.len(), ids.join(", "))
    }
}

impl Answer for aws_sdk_iam::operation::create_access_key::CreateAccessKeyOutput {
    fn summary(&self) -> String {
        match &self.access_key {
            Some(key) => format!(
                "answered: new key {}",
                crate::verbose::key_id(&key.access_key_id)
            ),
            None => "answered without a key".into(),
        }
    }
}

impl Answer for aws_sdk_iam::operation::delete_access_key::DeleteAccessKeyOutput {
    fn summary(&self) -> String {
        "answered: deleted".into()
    }
}

impl Answer for aws_sdk_iam::operation::update_access_key::UpdateAccessKeyOutput {
    fn summary(&self) -> String {
        "answered: updated".into()
    }
}

#[cfg(test)]
mod tests {
    use super::KeyOwner;

    #[test]
    fn the_owner_is_read_from_the_arn() {
        let user = KeyOwner::from_arn("arn:aws:iam::123456789012:user/team/alice").unwrap();
        assert_eq!(user.user_name.as_deref(), Some("alice"));
        let root = KeyOwner::from_arn("arn:aws:iam::123456789012:root").unwrap();
        assert_eq!(root.user_name, None);
        assert!(KeyOwner::from_arn("arn:aws:sts::123456789012:assumed-role/r/s").is_err());
        assert!(KeyOwner::from_arn("arn:aws:iam::123456789012:user/").is_err());
    }
}
