//! The only module that speaks to AWS or names an SDK type.
//!
//! Built only on the way to a fresh session: the cached path never gets here, so it starts
//! no tokio runtime, no HTTP client and no TLS.

use std::time::{Duration, Instant, SystemTime};

use aws_config::BehaviorVersion;
use aws_config::timeout::TimeoutConfig;
use aws_sdk_sts::error::{ProvideErrorMetadata, SdkError};
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_types::region::Region;

use crate::error::{Error, StsFailure};
use crate::profile::LongTermKeys;
use crate::session::{Credentials, Secret};

mod http_client;
use http_client::Roots;

/// The fix for an answer that is not STS's.
const NOT_STS_HINT: &str =
    "check that the endpoint really is STS (AWS_ENDPOINT_URL_STS / endpoint_url)";

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
}

/// Keys that sign a call.
pub enum Signer<'a> {
    LongTerm(&'a LongTermKeys),
    Session(&'a Credentials),
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
            .map_err(|e| sts_setup(format!("cannot start the async runtime: {e}"), None))?;
        let region = target.region.unwrap_or(FALLBACK_REGION).to_owned();
        let loader = aws_config::defaults(BehaviorVersion::latest())
            // Endpoint settings (`endpoint_url`, `AWS_ENDPOINT_URL_STS`) come from here too.
            .profile_name(target.profile)
            .region(Region::new(region))
            // Placeholder so the loader never builds its default chain (which would probe
            // IMDS and prefer environment keys); every call sets its own signer.
            .credentials_provider(aws_credential_types::Credentials::for_tests())
            .http_client(http_client()?);
        let config = runtime.block_on(loader.load());
        tracing::info!(
            region = %config.region().map(|r| r.as_ref()).unwrap_or(FALLBACK_REGION),
            timeout = %crate::verbose::seconds(target.timeout),
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
        self.check_endpoint(action, "STS")?;
        let config = aws_sdk_sts::config::Builder::from(&self.config)
            .credentials_provider(Self::credentials(signer))
            .timeout_config(self.timeouts())
            .build();
        Ok(aws_sdk_sts::Client::from_conf(config))
    }

    /// Checks the endpoint URL the SDK will use for `service_id` (found the SDK's own way:
    /// `AWS_ENDPOINT_URL_<SERVICE>`, `AWS_ENDPOINT_URL`, the profile's `services` section
    /// and `endpoint_url`). The SDK panics on an empty one and connects to port 80 for an
    /// out-of-range port; it never says which setting was wrong.
    fn check_endpoint(&self, action: &'static str, service_id: &'static str) -> Result<(), Error> {
        let key = aws_types::service_config::ServiceConfigKey::builder()
            .service_id(service_id)
            .env("AWS_ENDPOINT_URL")
            .profile("endpoint_url")
            .build();
        let configured = key
            .ok()
            .and_then(|key| self.config.service_config()?.load_config(key));
        let Some(url) = configured else {
            return Ok(());
        };
        let upper = service_id.to_ascii_uppercase();
        let invalid = |why: String| Error::Sts {
            action,
            why: format!("the {service_id} endpoint URL {why}"),
            hint: Some(format!(
                "fix or unset AWS_ENDPOINT_URL_{upper}, AWS_ENDPOINT_URL, or endpoint_url in the profile: an http:// or https:// URL"
            )),
            kind: StsFailure::Other,
        };
        if let Ok(uri) = url.trim().parse::<http::Uri>() {
            // Scheme, host and port only: a URL may carry a user and password.
            let host = uri
                .authority()
                .map(|a| a.as_str().rsplit('@').next().unwrap_or(""));
            tracing::info!(
                "{service_id} endpoint from the settings: {}://{}",
                uri.scheme_str().unwrap_or("?"),
                host.unwrap_or("?")
            );
        }
        endpoint_problem(&url).map_or(Ok(()), |why| {
            Err(invalid(if url.trim().is_empty() {
                "is set but empty".to_owned()
            } else {
                format!("'{}' is invalid: {why}", one_line(&without_userinfo(&url)))
            }))
        })
    }

    /// The IAM user's MFA devices (ListMFADevices for the caller), serials as IAM gives them.
    pub fn list_mfa_devices(&self, keys: &LongTermKeys) -> Result<Vec<String>, Error> {
        const ACTION: &str = "ListMFADevices";
        let client = self.iam(ACTION, keys)?;
        let output = self.send(ACTION, client.list_mfa_devices().send())?;
        Ok(output
            .mfa_devices()
            .iter()
            .map(|d| d.serial_number().to_owned())
            .collect())
    }

    /// An IAM client signed with long-term keys.
    fn iam(&self, action: &'static str, keys: &LongTermKeys) -> Result<aws_sdk_iam::Client, Error> {
        self.check_endpoint(action, "IAM")?;
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
            Err(err) => MfaEnforcement::Unknown(self.failure(ACTION, err).to_string()),
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
            .interceptor(DateHeader(date.clone()));
        let output = self.send(ACTION, request.send())?;
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
        let output = self.send(ACTION, request.send())?;
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
        let output = self.send(ACTION, request.send())?;
        credentials(ACTION, output.credentials)
    }

    /// Runs one request to its end (or the deadline), timed for `-v`.
    fn send<T: Answer, E: ProvideErrorMetadata + std::error::Error + 'static>(
        &self,
        action: &'static str,
        request: impl std::future::Future<Output = Result<T, SdkError<E, HttpResponse>>>,
    ) -> Result<T, Error> {
        let started = Instant::now();
        let result = self
            .runtime
            .block_on(request)
            .map_err(|e| self.failure(action, e));
        let took = crate::verbose::seconds(started.elapsed());
        match &result {
            Ok(answer) => tracing::info!(took = %took, "{action}: {}", answer.summary()),
            // Errors are built to be shown: they never hold a secret.
            Err(e) => tracing::info!(took = %took, "{e}"),
        }
        result
    }

    /// One readable line from an SDK error: the service's code and message, or what went
    /// wrong on the way. Never a raw response.
    fn failure<E: ProvideErrorMetadata + std::error::Error + 'static>(
        &self,
        action: &'static str,
        err: SdkError<E, HttpResponse>,
    ) -> Error {
        let timed_out = || Error::Sts {
            action,
            why: format!("no answer from STS within {} s", self.timeout.as_secs_f32()),
            hint: Some(
                "check the network or the endpoint, or give more time with --timeout".into(),
            ),
            kind: StsFailure::Other,
        };
        let (why, hint, kind) = match &err {
            SdkError::ServiceError(service) => {
                let status = service.raw().status().as_u16();
                return service_failure(action, status, service.err().code(), service.err().message());
            }
            SdkError::TimeoutError(_) => return timed_out(),
            SdkError::DispatchFailure(failure) if failure.is_timeout() => return timed_out(),
            SdkError::DispatchFailure(_) => (
                format!("cannot reach STS: {}", root_cause(&err)),
                Some("check the network, a proxy, AWS_ENDPOINT_URL_STS / endpoint_url, or AWS_CA_BUNDLE".into()),
                StsFailure::Other,
            ),
            SdkError::ResponseError(response) => (
                format!(
                    "STS sent an answer that cannot be read (HTTP {})",
                    response.raw().status().as_u16()
                ),
                Some(NOT_STS_HINT.into()),
                StsFailure::Other,
            ),
            SdkError::ConstructionFailure(_) => (
                format!("the request could not be built: {}", root_cause(&err)),
                Some("check endpoint_url / AWS_ENDPOINT_URL_STS and the region".into()),
                StsFailure::Other,
            ),
            _ => (root_cause(&err), None, StsFailure::Other),
        };
        Error::Sts {
            action,
            why: one_line(&why),
            hint,
            kind,
        }
    }
}

/// What `-v` says about an answer: never a secret, key ids shortened.
trait Answer {
    fn summary(&self) -> String;
}

fn issued(credentials: Option<&aws_sdk_sts::types::Credentials>) -> String {
    match credentials {
        Some(c) => format!(
            "answered: credentials {} until {}",
            crate::verbose::key_id(&c.access_key_id),
            c.expiration
        ),
        None => "answered without credentials".into(),
    }
}

impl Answer for aws_sdk_sts::operation::get_session_token::GetSessionTokenOutput {
    fn summary(&self) -> String {
        issued(self.credentials())
    }
}

impl Answer for aws_sdk_sts::operation::assume_role::AssumeRoleOutput {
    fn summary(&self) -> String {
        issued(self.credentials())
    }
}

impl Answer for aws_sdk_sts::operation::get_caller_identity::GetCallerIdentityOutput {
    fn summary(&self) -> String {
        format!("answered: {}", self.arn().unwrap_or("no ARN"))
    }
}

impl Answer for aws_sdk_iam::operation::list_mfa_devices::ListMfaDevicesOutput {
    fn summary(&self) -> String {
        let serials: Vec<&str> = self
            .mfa_devices()
            .iter()
            .map(|d| d.serial_number())
            .collect();
        format!(
            "answered: {} device(s): {}",
            serials.len(),
            serials.join(", ")
        )
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

/// Keeps the `Date` header of the answer (for the clock check of `doctor`).
#[derive(Debug)]
struct DateHeader(std::sync::Arc<std::sync::Mutex<Option<SystemTime>>>);

impl aws_smithy_runtime_api::client::interceptors::Intercept for DateHeader {
    fn name(&self) -> &'static str {
        "DateHeader"
    }

    fn read_before_deserialization(
        &self,
        context: &aws_smithy_runtime_api::client::interceptors::context::BeforeDeserializationInterceptorContextRef<'_>,
        _components: &aws_smithy_runtime_api::client::runtime_components::RuntimeComponents,
        _config: &mut aws_smithy_types::config_bag::ConfigBag,
    ) -> Result<(), aws_smithy_runtime_api::box_error::BoxError> {
        let date = context
            .response()
            .headers()
            .get("date")
            .and_then(|d| {
                aws_smithy_types::DateTime::from_str(
                    d,
                    aws_smithy_types::date_time::Format::HttpDate,
                )
                .ok()
            })
            .and_then(|d| SystemTime::try_from(d).ok());
        if let Ok(mut slot) = self.0.lock() {
            *slot = date;
        }
        Ok(())
    }
}

/// What to assume, in plain terms.
pub struct RoleRequest<'a> {
    pub arn: &'a str,
    pub session_name: &'a str,
    pub external_id: Option<&'a str>,
    pub duration_seconds: u64,
}

/// STS's own error code and message, explained.
fn service_failure(
    action: &'static str,
    status: u16,
    code: Option<&str>,
    message: Option<&str>,
) -> Error {
    let message = one_line(message.unwrap_or(""));
    let stated = |code: &str| {
        let code = one_line(code);
        if message.is_empty() {
            code
        } else {
            format!("{code}: {message}")
        }
    };
    let (why, hint, kind) = match code {
        Some("AccessDenied") if message.contains("invalid MFA one time pass code") => (
            "STS rejected the MFA code (wrong, or already used in its 30-second window)".to_owned(),
            Some("wait for the next code and try again".to_owned()),
            StsFailure::RejectedCode,
        ),
        Some("AccessDenied") if message.contains("MultiFactorAuthentication") => (
            stated("AccessDenied"),
            Some("check mfa_serial: the device must be assigned to the IAM user whose keys are used".to_owned()),
            StsFailure::Other,
        ),
        Some(code @ "AccessDenied") if action == "AssumeRole" => (
            stated(code),
            Some("check the role's trust policy (it must trust your user or account, with MFA) and that your IAM policies allow sts:AssumeRole on it".to_owned()),
            StsFailure::Other,
        ),
        Some(code @ "AccessDenied") => (
            stated(code),
            Some("your IAM policies deny this call: an MFA-enforcing policy must still allow it without MFA".to_owned()),
            StsFailure::Other,
        ),
        Some(code @ "InvalidClientTokenId") => (
            stated(code),
            Some("the access key is not valid (deleted or rotated?): check aws_access_key_id in your credentials file".to_owned()),
            StsFailure::Other,
        ),
        Some(code @ "SignatureDoesNotMatch") => (
            stated(code),
            Some("check aws_secret_access_key in your credentials file, and that this machine's clock is right".to_owned()),
            StsFailure::Other,
        ),
        Some(code @ "ExpiredToken") => (
            stated(code),
            Some("the credentials that signed the call have expired: run again with --refresh (and check that this machine's clock is right)".to_owned()),
            StsFailure::Other,
        ),
        Some(code @ ("Throttling" | "ThrottlingException" | "RequestLimitExceeded")) => (
            stated(code),
            Some("STS is limiting requests: wait a moment and try again".to_owned()),
            StsFailure::Other,
        ),
        Some(code) if status >= 500 => (
            stated(code),
            Some("STS is having trouble: try again shortly".to_owned()),
            StsFailure::Other,
        ),
        // A code without a message: perhaps a cut-off answer, so the status goes along.
        Some(code) if message.is_empty() => (
            format!("STS answered HTTP {status} with error code '{}' and no message", one_line(code)),
            None,
            StsFailure::Other,
        ),
        Some(code) => (stated(code), None, StsFailure::Other),
        None if (200..300).contains(&status) => (
            format!("STS sent an answer that cannot be read (HTTP {status})"),
            Some(NOT_STS_HINT.to_owned()),
            StsFailure::Other,
        ),
        None => (
            format!("STS answered HTTP {status} without an error code"),
            Some("STS may be having trouble, or the endpoint is not STS: try again shortly".to_owned()),
            StsFailure::Other,
        ),
    };
    Error::Sts {
        action,
        why,
        hint,
        kind,
    }
}

fn credentials(
    action: &'static str,
    credentials: Option<aws_sdk_sts::types::Credentials>,
) -> Result<Credentials, Error> {
    // The SDK's parser accepts a body that is not XML at all as an empty answer: check.
    let unusable = |what: &str| Error::Sts {
        action,
        why: format!("STS sent an answer that cannot be read: {what}"),
        hint: Some(NOT_STS_HINT.into()),
        kind: StsFailure::Other,
    };
    let c = credentials.ok_or_else(|| unusable("it holds no credentials"))?;
    if c.access_key_id.is_empty() || c.secret_access_key.is_empty() || c.session_token.is_empty() {
        return Err(unusable("its credentials are empty"));
    }
    // A control character (a NUL from `&#0;`) would be dropped or cut at by a shell, so
    // a different secret would be exported: refuse it before anything is cached.
    for (name, value) in [
        ("AccessKeyId", &c.access_key_id),
        ("SecretAccessKey", &c.secret_access_key),
        ("SessionToken", &c.session_token),
    ] {
        if value.chars().any(char::is_control) {
            return Err(unusable(&format!(
                "its {name} holds a control character, which no credential has"
            )));
        }
    }
    let expiration = SystemTime::try_from(c.expiration)
        .ok()
        .filter(|at| *at > SystemTime::now())
        .ok_or_else(|| unusable("its credentials have already expired"))?;
    Ok(Credentials {
        access_key_id: c.access_key_id,
        secret_access_key: Secret::new(c.secret_access_key),
        session_token: Secret::new(c.session_token),
        expiration,
    })
}

/// The HTTP client for AWS calls over http:// and https:// (reusable for any AWS endpoint;
/// one per run, so that its calls share connections). It trusts the CAs in `AWS_CA_BUNDLE`
/// alone when that is set (corporate TLS inspection; the bundle replaces the system's
/// roots, as with the AWS CLI and botocore), else the system's certificate store.
pub fn http_client() -> Result<aws_smithy_runtime_api::client::http::SharedHttpClient, Error> {
    Ok(http_client::build(trusted_roots()?))
}

/// A connector for one request outside the SDK (the console sign-in), with the TLS of
/// `http_client`: the same roots, read and checked the same way.
pub fn https_connector() -> Result<aws_smithy_http_client::Connector, Error> {
    Ok(http_client::connector(trusted_roots()?))
}

fn trusted_roots() -> Result<Roots, Error> {
    Ok(match ca_bundle()? {
        Some(pem) => Roots::Only(pem),
        None => Roots::System,
    })
}

/// The certificates of `AWS_CA_BUNDLE`, read and checked, when it is set.
fn ca_bundle() -> Result<Option<Vec<u8>>, Error> {
    let Some(path) = std::env::var_os("AWS_CA_BUNDLE").filter(|p| !p.is_empty()) else {
        return Ok(None);
    };
    let hint = || {
        Some("point AWS_CA_BUNDLE at a readable PEM file of CA certificates, or unset it".into())
    };
    // A FIFO or a device named here would hang the run or fill the memory.
    let pem =
        crate::regular_file::read(std::path::Path::new(&path), CA_BUNDLE_LIMIT).map_err(|e| {
            sts_setup(
                format!(
                    "cannot read AWS_CA_BUNDLE {}: {e}",
                    std::path::Path::new(&path).display()
                ),
                hint(),
            )
        })?;
    check_ca_bundle(&pem).map_err(|why| {
        sts_setup(
            format!(
                "AWS_CA_BUNDLE {} cannot be used: {why}",
                std::path::Path::new(&path).display()
            ),
            hint(),
        )
    })?;
    Ok(Some(pem))
}

/// Far more than any CA bundle (the whole Mozilla set is about 250 KiB).
const CA_BUNDLE_LIMIT: u64 = 16 * 1024 * 1024;

/// What the TLS client will do with the bundle, without its panics: every PEM block must
/// decode, and each must be a certificate it can trust.
fn check_ca_bundle(pem: &[u8]) -> Result<(), String> {
    use rustls::pki_types::CertificateDer;
    use rustls::pki_types::pem::PemObject;
    let certificates = CertificateDer::pem_slice_iter(pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|_| "it is not readable PEM (a block is malformed or cut off)".to_owned())?;
    if certificates.is_empty() {
        return Err("it holds no certificate".into());
    }
    let mut roots = rustls::RootCertStore::empty();
    for certificate in certificates {
        roots
            .add(certificate)
            .map_err(|e| format!("a certificate in it cannot be used: {e}"))?;
    }
    Ok(())
}

fn sts_setup(why: String, hint: Option<String>) -> Error {
    Error::Sts {
        action: "connecting to STS",
        why,
        hint,
        kind: StsFailure::Other,
    }
}

fn clamp_i32(seconds: u64) -> i32 {
    i32::try_from(seconds).unwrap_or(i32::MAX)
}

/// The innermost cause of an SDK error (connection refused, an invalid URI…). The outer
/// layers are not shown: some of them print the whole request, MFA code included.
pub(crate) fn root_cause(err: &(dyn std::error::Error + 'static)) -> String {
    let mut cause = err;
    while let Some(source) = cause.source() {
        cause = source;
    }
    cause.to_string()
}

/// A URL as it may be shown: a `user:password@` before the host is replaced by `…@`.
fn without_userinfo(url: &str) -> String {
    let (scheme, rest) = match url.find("://") {
        Some(at) => url.split_at(at + 3),
        None => ("", url),
    };
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    match rest[..authority_end].rfind('@') {
        Some(at) => format!("{scheme}…{}", &rest[at..]),
        None => url.to_owned(),
    }
}

/// What is wrong with an endpoint URL, if anything: what the SDK would stumble on later.
fn endpoint_problem(url: &str) -> Option<String> {
    let uri: http::Uri = match url.trim().parse() {
        Ok(uri) => uri,
        Err(e) => return Some(e.to_string()),
    };
    match uri.scheme_str() {
        None => return Some("it has no scheme (http:// or https://)".into()),
        Some("http" | "https") => {}
        Some(other) => return Some(format!("the scheme '{other}' is not http or https")),
    }
    let Some(authority) = uri.authority() else {
        return Some("it names no host".into());
    };
    if authority.host().is_empty() {
        return Some("it names no host".into());
    }
    // `http` drops a port it cannot read, and the connection then goes to port 80.
    match authority.as_str().rsplit_once(':') {
        Some((_, port)) if !port.contains(']') && port.parse::<u16>().is_err() => {
            Some(format!("the port '{port}' is not a port number"))
        }
        _ => None,
    }
}

/// Messages from the network are shown on one line, without control characters.
/// Text from STS or a setting as one line, its control characters escaped: it goes into
/// messages wherever they are shown (the terminal, the credential server's answers).
fn one_line(text: &str) -> String {
    let line = text.split_whitespace().collect::<Vec<_>>().join(" ");
    crate::error::escape_controls(&line).into_owned()
}

#[cfg(test)]
mod tests {
    use super::{check_ca_bundle, endpoint_problem, without_userinfo};

    /// A self-signed CA certificate (P-256), made with openssl for this test.
    const CA: &str = "-----BEGIN CERTIFICATE-----
MIIBijCCATGgAwIBAgIUFZRB+B+xEtqd7WJbwDLAieYH4E8wCgYIKoZIzj0EAwIw
GjEYMBYGA1UEAwwPYXdzLW1mYSB0ZXN0IENBMCAXDTI2MTEyODIyMTYxNFoYDzIx
MjYxMTA0MjIxNjE0WjAaMRgwFgYDVQQDDA9hd3MtbWZhIHRlc3QgQ0EwWTATBgcq
hkjOPQIBBggqhkjOPQMBBwNCAASUebr4dcNK5951bsdm1ZIBgZYy9xBThmXtPq1i
y9lIeFiNXf4kU3wO0AQH6WhKYM9w6sZLx+/RCihxU8VgJ1TKo1MwUTAdBgNVHQ4E
FgQU5H2F9DkH1U3Azky2FVcJ+cKM2DUwHwYDVR0jBBgwFoAU5H2F9DkH1U3Azky2
FVcJ+cKM2DUwDwYDVR0TAQH/BAUwAwEB/zAKBggqhkjOPQQDAgNHADBEAiAnt4+b
/sBqQ61OFPaFVlCN1LjcLWgH2pBHc7FQI8NrQQIgRAKq1H18WKJiI1dhp+OBy8rs
HW+CRx/QMV/n45t4+mA=
-----END CERTIFICATE-----
";

    #[test]
    fn a_ca_bundle_is_read_as_the_tls_client_will() {
        assert_eq!(check_ca_bundle(CA.as_bytes()), Ok(()));
        let two = format!("# a comment\n{CA}\n{CA}");
        assert_eq!(check_ca_bundle(two.as_bytes()), Ok(()));
        let cut = &CA[..CA.len() / 2];
        assert!(
            check_ca_bundle(cut.as_bytes())
                .unwrap_err()
                .contains("not readable PEM")
        );
        let garbage = "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n";
        assert!(
            check_ca_bundle(garbage.as_bytes())
                .unwrap_err()
                .contains("cannot be used")
        );
        assert!(check_ca_bundle(b"").unwrap_err().contains("no certificate"));
    }

    #[test]
    fn urls_are_shown_without_user_and_password() {
        assert_eq!(
            without_userinfo("http://alice:s3cret@127.0.0.1:99999/x@y"),
            "http://…@127.0.0.1:99999/x@y"
        );
        assert_eq!(without_userinfo("alice:s3cret@host"), "…@host");
        assert_eq!(
            without_userinfo("http://127.0.0.1:1/a@b"),
            "http://127.0.0.1:1/a@b"
        );
    }

    #[test]
    fn endpoint_urls_the_sdk_would_stumble_on() {
        for good in [
            "https://sts.eu-west-1.amazonaws.com",
            "http://127.0.0.1:4566",
            "http://[::1]:8080/",
            "https://proxy.example/sts",
        ] {
            assert_eq!(endpoint_problem(good), None, "{good}");
        }
        for (bad, why) in [
            ("", "empty"),
            ("not a url", "invalid uri character"),
            ("127.0.0.1:4566", "no scheme"),
            ("ftp://127.0.0.1", "'ftp'"),
            ("http://127.0.0.1:99999", "'99999'"),
            ("http://127.0.0.1:http", "'http'"),
        ] {
            let problem = endpoint_problem(bad).unwrap_or_default();
            assert!(problem.contains(why), "{bad:?}: {problem:?}");
        }
    }
}
