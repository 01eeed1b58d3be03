//! The only module that speaks to AWS or names an SDK type (the profile reader names the
//! SDK's file parser, nothing else): the rest of the program gets plain structs and our
//! `Error`.
//!
//! Here: the `Aws` client (one runtime, one SDK configuration, a deadline) and its calls.
//! Beside it: `endpoint` (endpoint URLs checked before the SDK uses them), `ca_bundle`
//! (`AWS_CA_BUNDLE`), `http_client` (the one HTTP/TLS client), `errors` (SDK errors turned
//! into ours, with hints), `answers` (the credentials read from an answer, and `-v`'s
//! summaries), `clock` (STS's `Date` header) and `form_post` (the console sign-in's one
//! request outside the SDK).
//!
//! Built only on the way to a fresh session: the cached path never gets here, so it starts
//! no tokio runtime, no HTTP client and no TLS.

use std::time::{Duration, Instant, SystemTime};

use aws_config::BehaviorVersion;
use aws_config::timeout::TimeoutConfig;
use aws_sdk_sts::error::{ProvideErrorMetadata, SdkError};
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_types::region::Region;

use crate::environment::Environment;
use crate::error::Error;
use crate::session::Credentials;
use crate::session::LongTermKeys;

mod answers;
mod ca_bundle;
mod clock;
mod endpoint;
mod errors;
mod form_post;
mod http_client;
mod iam_keys;

use answers::{Answer, credentials};
pub use form_post::post_form;
pub use iam_keys::{AccessKey, KeyOwner};

/// Region for the STS call when neither the profile, `-r` nor the environment names one:
/// a fixed one, never a probe of the EC2 metadata service.
const FALLBACK_REGION: &str = "us-east-1";

/// Where and how to reach STS.
pub struct StsTarget<'a> {
    /// Profile whose `endpoint_url` (and other SDK settings) apply.
    pub profile: &'a str,
    pub region: Option<&'a str>,
    /// Give up on AWS after this long, in total.
    pub timeout: Duration,
    /// The run's environment (`AWS_CA_BUNDLE`).
    pub env: &'a Environment,
}

/// Keys that sign a call.
pub enum Signer<'a> {
    LongTerm(&'a LongTermKeys),
    Session(&'a Credentials),
}

impl Signer<'_> {
    fn kind(&self) -> errors::SignedWith {
        match self {
            Signer::LongTerm(_) => errors::SignedWith::LongTermKey,
            Signer::Session(_) => errors::SignedWith::Session,
        }
    }
}

/// A connection to AWS (STS, and IAM for device discovery): one runtime, one SDK
/// configuration, a deadline for all calls.
pub struct Aws {
    runtime: tokio::runtime::Runtime,
    config: aws_config::SdkConfig,
    deadline: Instant,
    timeout: Duration,
}

impl Aws {
    pub fn connect(target: &StsTarget<'_>) -> Result<Self, Error> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| errors::sts_setup(format!("cannot start the async runtime: {e}"), None))?;
        let region = target.region.unwrap_or(FALLBACK_REGION).to_owned();
        let loader = aws_config::defaults(BehaviorVersion::latest())
            // Endpoint settings (`endpoint_url`, `AWS_ENDPOINT_URL_STS`) come from here too.
            .profile_name(target.profile)
            .region(Region::new(region))
            // Placeholder so the loader never builds its default chain (which would probe
            // IMDS and prefer environment keys); every call sets its own signer.
            .credentials_provider(aws_credential_types::Credentials::for_tests())
            .http_client(http_client(target.env)?);
        let config = runtime.block_on(loader.load());
        tracing::info!(
            region = %config.region().map(|r| r.as_ref()).unwrap_or(FALLBACK_REGION),
            timeout = %crate::duration::measured(target.timeout),
            "AWS client ready (profile '{}')",
            target.profile
        );
        Ok(Aws {
            runtime,
            config,
            deadline: Instant::now() + target.timeout,
            timeout: target.timeout,
        })
    }

    fn credentials(signer: &Signer<'_>) -> aws_credential_types::Credentials {
        match signer {
            Signer::LongTerm(keys) => aws_credential_types::Credentials::new(
                &keys.access_key_id,
                keys.secret_access_key.expose(),
                None,
                None,
                "aws-mfa",
            ),
            Signer::Session(c) => aws_credential_types::Credentials::new(
                &c.access_key_id,
                c.secret_access_key.expose(),
                Some(c.session_token.expose().to_owned()),
                Some(c.expiration),
                "aws-mfa",
            ),
        }
    }

    fn timeouts(&self) -> TimeoutConfig {
        let remaining = self.deadline.saturating_duration_since(Instant::now());
        TimeoutConfig::builder()
            // The same for every call of the run: the HTTP client keeps one connection pool
            // per connect timeout, so a second call (AssumeRole after GetSessionToken) reuses
            // the first one's connection. The operation timeout holds the deadline.
            .connect_timeout(self.timeout.min(Duration::from_millis(3100)))
            .operation_timeout(remaining)
            .build()
    }

    fn client(
        &self,
        action: &'static str,
        signer: &Signer<'_>,
    ) -> Result<aws_sdk_sts::Client, Error> {
        endpoint::check(&self.config, action, "STS")?;
        let config = aws_sdk_sts::config::Builder::from(&self.config)
            .credentials_provider(Self::credentials(signer))
            .timeout_config(self.timeouts())
            .build();
        Ok(aws_sdk_sts::Client::from_conf(config))
    }

    /// The IAM user's MFA devices (ListMFADevices for the caller), serials as IAM gives them.
    pub fn list_mfa_devices(&self, keys: &LongTermKeys) -> Result<Vec<String>, Error> {
        const ACTION: &str = "ListMFADevices";
        let client = self.iam(ACTION, keys)?;
        let signer = Signer::LongTerm(keys);
        let output = self.send(ACTION, &signer, client.list_mfa_devices().send())?;
        Ok(output
            .mfa_devices()
            .iter()
            .map(|d| d.serial_number().to_owned())
            .collect())
    }

    /// An IAM client signed with long-term keys.
    fn iam(&self, action: &'static str, keys: &LongTermKeys) -> Result<aws_sdk_iam::Client, Error> {
        endpoint::check(&self.config, action, "IAM")?;
        let config = aws_sdk_iam::config::Builder::from(&self.config)
            .credentials_provider(Self::credentials(&Signer::LongTerm(keys)))
            .timeout_config(self.timeouts())
            .build();
        Ok(aws_sdk_iam::Client::from_conf(config))
    }

    /// Whether MFA is enforced for these keys, found by trying `MFA_PROBE_ACTION` signed
    /// with them alone. Only an explicit deny is a yes and only success a no: an implicit
    /// deny (no policy allows the action at all), throttling or a network failure say
    /// nothing either way.
    pub fn mfa_enforcement(&self, keys: &LongTermKeys) -> MfaEnforcement {
        const ACTION: &str = "ListAccountAliases";
        let client = match self.iam(ACTION, keys) {
            Ok(client) => client,
            Err(err) => return MfaEnforcement::Unknown(err.to_string()),
        };
        tracing::info!(
            key = %crate::verbose::key_id(&keys.access_key_id),
            "{ACTION}: trying an action outside the MFA policy's list, without MFA"
        );
        let verdict = match self.runtime.block_on(client.list_account_aliases().send()) {
            Ok(_) => MfaEnforcement::NotEnforced,
            Err(SdkError::ServiceError(service))
                if service.err().code() == Some("AccessDenied")
                    && service
                        .err()
                        .message()
                        .is_some_and(|m| m.contains("explicit deny")) =>
            {
                MfaEnforcement::Enforced
            }
            Err(SdkError::ServiceError(service))
                if service.err().code() == Some("AccessDenied") =>
            {
                MfaEnforcement::Unknown(format!(
                    "IAM denied {MFA_PROBE_ACTION} without an explicit deny: no policy allows it to these keys, with or without MFA"
                ))
            }
            Err(err) => {
                let signed = errors::SignedWith::LongTermKey;
                MfaEnforcement::Unknown(
                    errors::failure(ACTION, signed, self.timeout, err).to_string(),
                )
            }
        };
        tracing::info!("{ACTION}: {verdict:?}");
        verdict
    }

    /// GetCallerIdentity (needs no permission, and no policy can deny it): whose keys sign
    /// it, and STS's clock from the answer's `Date` header.
    pub fn caller_identity(&self, signer: &Signer<'_>) -> Result<CallerIdentity, Error> {
        const ACTION: &str = "GetCallerIdentity";
        let date = std::sync::Arc::new(std::sync::Mutex::new(None));
        let request = self
            .client(ACTION, signer)?
            .get_caller_identity()
            .customize()
            .interceptor(clock::DateHeader(date.clone()));
        let output = self.send(ACTION, signer, request.send())?;
        let server_time = date.lock().ok().and_then(|d| *d);
        Ok(CallerIdentity {
            arn: output.arn().unwrap_or_default().to_owned(),
            server_time,
        })
    }

    /// GetSessionToken with the MFA code, signed with long-term keys.
    pub fn get_session_token(
        &self,
        keys: &LongTermKeys,
        serial: &str,
        code: &str,
        duration_seconds: u64,
    ) -> Result<Credentials, Error> {
        const ACTION: &str = "GetSessionToken";
        let request = self
            .client(ACTION, &Signer::LongTerm(keys))?
            .get_session_token()
            .serial_number(serial)
            .token_code(code)
            .duration_seconds(clamp_i32(duration_seconds));
        tracing::info!(
            key = %crate::verbose::key_id(&keys.access_key_id),
            mfa_serial = %serial,
            duration = %crate::duration::span(duration_seconds),
            "{ACTION}: asking STS"
        );
        let output = self.send(ACTION, &Signer::LongTerm(keys), request.send())?;
        credentials(ACTION, output.credentials)
    }

    /// AssumeRole signed by `signer`; with `mfa`, the serial and code go along.
    pub fn assume_role(
        &self,
        signer: &Signer<'_>,
        role: &RoleRequest<'_>,
        mfa: Option<(&str, &str)>,
    ) -> Result<Credentials, Error> {
        const ACTION: &str = "AssumeRole";
        let mut request = self
            .client(ACTION, signer)?
            .assume_role()
            .role_arn(role.arn)
            .role_session_name(role.session_name)
            .duration_seconds(clamp_i32(role.duration_seconds))
            .set_external_id(role.external_id.map(str::to_owned));
        if let Some((serial, code)) = mfa {
            request = request.serial_number(serial).token_code(code);
        }
        let (signed_by, key) = match signer {
            Signer::LongTerm(keys) => ("long-term key", &keys.access_key_id),
            Signer::Session(c) => ("session key", &c.access_key_id),
        };
        tracing::info!(
            role = %role.arn,
            session_name = %role.session_name,
            duration = %crate::duration::span(role.duration_seconds),
            signed_by = %format!("{signed_by} {}", crate::verbose::key_id(key)),
            mfa_serial = %mfa.map_or("none", |(serial, _)| serial),
            "{ACTION}: asking STS"
        );
        let output = self.send(ACTION, signer, request.send())?;
        credentials(ACTION, output.credentials)
    }

    /// Runs one request to its end (or the deadline), timed for `-v`.
    fn send<T: Answer, E: ProvideErrorMetadata + std::error::Error + 'static>(
        &self,
        action: &'static str,
        signer: &Signer<'_>,
        request: impl std::future::Future<Output = Result<T, SdkError<E, HttpResponse>>>,
    ) -> Result<T, Error> {
        let started = Instant::now();
        let result = self
            .runtime
            .block_on(request)
            .map_err(|e| errors::failure(action, signer.kind(), self.timeout, e));
        let took = crate::duration::measured(started.elapsed());
        match &result {
            Ok(answer) => tracing::info!(took = %took, "{action}: {}", answer.summary()),
            // Errors are built to be shown: they never hold a secret.
            Err(e) => tracing::info!(took = %took, "{e}"),
        }
        result
    }
}

/// The action `doctor` tries without MFA: read-only and harmless (it lists the account's
/// alias), and not among what the MFA policy allows without MFA.
pub const MFA_PROBE_ACTION: &str = "iam:ListAccountAliases";

/// What one call outside the MFA policy's list, signed with long-term keys alone, showed.
#[derive(Debug, PartialEq, Eq)]
pub enum MfaEnforcement {
    /// Denied explicitly: a policy denies it without MFA.
    Enforced,
    /// Allowed: these keys work without MFA.
    NotEnforced,
    /// No verdict, and why.
    Unknown(String),
}

/// Who signed a call, and when STS thought it was.
pub struct CallerIdentity {
    pub arn: String,
    pub server_time: Option<SystemTime>,
}

/// What to assume, in plain terms.
pub struct RoleRequest<'a> {
    pub arn: &'a str,
    pub session_name: &'a str,
    pub external_id: Option<&'a str>,
    pub duration_seconds: u64,
}

/// The HTTP client for AWS calls over http:// and https:// (reusable for any AWS endpoint;
/// one per run, so that its calls share connections). It trusts the CAs in `AWS_CA_BUNDLE`
/// alone when that is set (corporate TLS inspection; the bundle replaces the system's
/// roots, as with the AWS CLI and botocore), else the system's certificate store.
fn http_client(
    env: &Environment,
) -> Result<aws_smithy_runtime_api::client::http::SharedHttpClient, Error> {
    Ok(http_client::build(ca_bundle::trusted_roots(env)?))
}

fn clamp_i32(seconds: u64) -> i32 {
    i32::try_from(seconds).unwrap_or(i32::MAX)
}
