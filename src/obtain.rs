//! From options to a session: plan, device, code, STS, each step cached.

use std::time::{Duration, SystemTime};

use crate::aws::{Aws, RoleRequest, Signer, StsTarget};
use crate::cache::{self, CacheKey, Entry, Records, Reuse};
use crate::device::{self, Mode};
use crate::duration;
use crate::environment::Environment;
use crate::error::Error;
pub use crate::mfa::Prompt;
use crate::mfa::{CodeSources, MfaCode};
use crate::plan::{RolePlan, SessionOptions, SessionPlan};
use crate::profile::{self, KeySource, ProfileFiles, ResolvedProfile};
use crate::session::Session;
use crate::verbose;

/// The plan for `options`, as `session` makes it: everything that can be refused is
/// refused before a code is asked for.
pub fn plan(env: &Environment, options: &SessionOptions) -> Result<SessionPlan, Error> {
    Request::new(env, options, Prompt::Terminal).map(|request| request.plan)
}

/// The region for the STS call: the plan's, else the environment's.
pub fn sts_region(plan: &SessionPlan, env: &Environment) -> Option<String> {
    plan.region.clone().or_else(|| {
        env.first(&["AWS_REGION", "AWS_DEFAULT_REGION"])
            .map(str::to_owned)
    })
}

/// A plan, and who may be asked for its codes.
struct Request<'e> {
    env: &'e Environment,
    plan: SessionPlan,
    code: Option<MfaCode>,
    prompt: Prompt,
}

impl<'e> Request<'e> {
    fn new(env: &'e Environment, options: &SessionOptions, prompt: Prompt) -> Result<Self, Error> {
        // The code is checked first: a malformed one needs no file read at all.
        let code = options
            .token_code
            .as_deref()
            .map(MfaCode::parse)
            .transpose()?;
        let (name, explicit) = profile::name_to_use(options.profile.as_deref(), env)?;
        let profile = ProfileFiles::load(env)?.resolve(&name, explicit)?;
        let serial = options.mfa_serial.as_deref();
        trace_resolved(&profile, serial.or(profile.mfa_serial.as_deref()));
        Ok(Request {
            env,
            plan: SessionPlan::new(options, profile)?,
            code,
            prompt,
        })
    }

    fn codes(&self) -> CodeSources<'_> {
        let profile = &self.plan.profile;
        CodeSources {
            flag: self.code.as_ref(),
            process: profile.mfa_process.as_deref(),
            prompt: self.prompt,
            profile: &profile.name,
            no_session: self.plan.direct,
            env: self.env,
        }
    }

    /// The MFA device (see `device::discover`); a device IAM gave is kept in `records`.
    fn device(&self, records: &Records, aws: &mut LazyAws) -> Result<String, Error> {
        let plan = &self.plan;
        let mode = Mode::Obtain {
            records,
            prompt: self.prompt,
        };
        device::discover(&plan.profile, plan.serial.as_deref(), mode, || aws.get())?
            .serial(&plan.profile)
    }

    /// Asks STS for a fresh MFA session.
    fn fresh_session(
        &self,
        records: &Records,
        aws: &mut LazyAws,
        serial: &str,
    ) -> Result<Entry, Error> {
        // Keychain keys are read before the code is asked for: a locked keychain fails
        // before anyone types a code.
        let keys = self.plan.profile.keys.long_term()?;
        let (seconds, capped_from) = self.plan.session_seconds_for(serial);
        if let Some(asked) = capped_from
            && self.prompt != Prompt::Never
        {
            crate::error::note(&format!(
                "asking for 1h, not {}: {serial} is the account root user's device, and STS gives the root user 1 hour at most",
                duration::span(asked)
            ));
        }
        let credentials = self.codes().with_code(records, serial, |code| {
            aws.get()?
                .get_session_token(keys, serial, code.as_str(), seconds)
        })?;
        warn_if_shortened(self.prompt, &credentials.expiration, seconds);
        // GetSessionToken does not say whose session it is: ask once, with the session
        // itself, so that `status` shows the IAM user. Not worth failing the session for.
        let identity = match aws.get()?.caller_identity(&Signer::Session(&credentials)) {
            Ok(caller) if !caller.arn.is_empty() => caller.arn,
            _ => serial.to_owned(),
        };
        Ok(Entry::fresh(
            self.plan.profile.source_name().to_owned(),
            identity,
            credentials,
        ))
    }

    /// Assumes `plan`'s role signed by `signer`; with `--no-session`, the first role takes
    /// the MFA code itself.
    fn fresh_role(
        &self,
        aws: &mut LazyAws,
        plan: &RolePlan,
        signer: Signer<'_>,
        mfa: Option<(&Records, &str)>,
    ) -> Result<Entry, Error> {
        if let Some(asked) = plan.capped_from {
            crate::error::note(&format!(
                "role '{}' gets 1h, not {}: assumed from the MFA session it is role chaining, which AWS limits to 1 hour; --no-session assumes it with the MFA code directly, up to the role's own maximum (a prompt per role)",
                plan.role.profile,
                duration::span(asked),
            ));
        }
        let session_name = plan
            .role
            .session_name
            .clone()
            .unwrap_or_else(|| default_session_name(self.env));
        let request = RoleRequest {
            arn: &plan.role.arn,
            session_name: &session_name,
            external_id: plan.role.external_id.as_deref(),
            duration_seconds: plan.seconds,
        };
        let credentials = match mfa {
            Some((records, serial)) => self.codes().with_code(records, serial, |code| {
                aws.get()?
                    .assume_role(&signer, &request, Some((serial, code.as_str())))
            })?,
            None => aws.get()?.assume_role(&signer, &request, None)?,
        };
        warn_if_shortened(self.prompt, &credentials.expiration, plan.seconds);
        Ok(Entry::fresh(
            plan.role.profile.clone(),
            plan.role.arn.clone(),
            credentials,
        ))
    }
}

/// `-v`: what the profile resolved to (the key id shortened).
fn trace_resolved(profile: &ResolvedProfile, serial: Option<&str>) {
    let from = match &profile.key_source {
        KeySource::Profile(holder) => format!("profile '{holder}'"),
        KeySource::Environment => "AWS_ACCESS_KEY_ID".to_owned(),
        KeySource::Keychain(holder) => format!(
            "{} (profile '{holder}'; the secret is read only for a call to AWS)",
            crate::keychain::name()
        ),
    };
    let roles: Vec<&str> = profile.roles.iter().map(|r| r.arn.as_str()).collect();
    tracing::info!(
        keys = %format!("{} from {from}", verbose::key_id(&profile.keys.access_key_id)),
        mfa_serial = %serial.unwrap_or("none set"),
        region = %profile.region.as_deref().unwrap_or("none set"),
        roles = %if roles.is_empty() { "none".to_owned() } else { roles.join(" -> ") },
        "profile '{}' resolved",
        profile.name
    );
}

/// A connection to AWS made on first use: a run served from the cache never makes one.
struct LazyAws<'e> {
    env: &'e Environment,
    profile: String,
    region: Option<String>,
    timeout: Duration,
    aws: Option<Aws>,
}

impl<'e> LazyAws<'e> {
    fn new(plan: &SessionPlan, env: &'e Environment) -> Self {
        LazyAws {
            env,
            profile: plan.profile.name.clone(),
            region: sts_region(plan, env),
            timeout: plan.timeout,
            aws: None,
        }
    }

    fn get(&mut self) -> Result<&Aws, Error> {
        if self.aws.is_none() {
            self.aws = Some(Aws::connect(&StsTarget {
                profile: &self.profile,
                region: self.region.as_deref(),
                timeout: self.timeout,
                env: self.env,
            })?);
        }
        Ok(self.aws.as_ref().expect("set just above"))
    }
}

/// `aws-mfa-USER` (what CloudTrail shows), characters AWS allows only, 64 at most.
fn default_session_name(env: &Environment) -> String {
    let user = env.first(&["USER", "USERNAME"]).unwrap_or("user");
    let clean: String = user
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || "+=,.@_-".contains(*c))
        .collect();
    format!("aws-mfa-{clean}").chars().take(64).collect()
}

/// The cache key of the MFA session of `profile`'s keys and `serial`: the one place it is
/// made.
fn session_key(profile: &ResolvedProfile, serial: &str) -> CacheKey {
    CacheKey::mfa_session(&profile.keys.access_key_id, serial)
}

/// The cache key of the MFA session behind a resolved profile, when its device is known
/// without asking IAM (configured, or found by an earlier lookup).
pub fn known_session_key(records: &Records, profile: &ResolvedProfile) -> Option<CacheKey> {
    let akid = &profile.keys.access_key_id;
    let serial = profile
        .mfa_serial
        .clone()
        .or_else(|| records.known_device(akid))?;
    Some(session_key(profile, &serial))
}

/// The cache key of the MFA session behind a profile, when the profile resolves.
pub fn mfa_session_key(
    env: &Environment,
    records: &Records,
    profile: &str,
    explicit: bool,
) -> Option<CacheKey> {
    let resolved = ProfileFiles::load(env)
        .ok()?
        .resolve(profile, explicit)
        .ok()?;
    known_session_key(records, &resolved)
}

/// A cached MFA session is reused by `env` and `exec` while it has more than this left.
pub const SESSION_MIN_LEFT: Duration = Duration::from_secs(5 * 60);
/// Credentials handed to an SDK that refreshes on its own (`credential-process`, the
/// `--server` endpoint) should have more than this left: botocore refreshes 15 minutes
/// before expiry (and insists at 10), the JS SDK v3 and aws-sdk-go-v2's container provider
/// at 5 minutes, aws-sdk-go-v2's `credential_process` provider at expiry. Outside every
/// window, an SDK keeps what it got until its own refresh.
pub const REFRESH_MIN_LEFT: Duration = Duration::from_secs(15 * 60);

/// STS may hand out less than asked (the root user gets one hour at most): say so, to a
/// person (a credential server re-minting in the background would repeat it each time).
fn warn_if_shortened(prompt: Prompt, expiration: &SystemTime, asked_seconds: u64) {
    if prompt == Prompt::Never {
        return;
    }
    let granted = expiration
        .duration_since(SystemTime::now())
        .map(|d| d.as_secs())
        .unwrap_or(0);
    if granted + 60 < asked_seconds {
        // Measured against the clock, a second or two short: 899 s reads 15m, 15 s reads 15s.
        crate::error::note(&format!(
            "STS granted a session of {} instead of the {} asked for",
            duration::approx_span(granted),
            duration::span(asked_seconds)
        ));
    }
}

/// The session the options ask for: cached when there is a good one (a file read, no SDK),
/// else fresh from STS and then cached. `min_left` is what the credentials handed out must
/// have left at least; `prompt` says whether the terminal may be asked for a code.
pub fn session(
    env: &Environment,
    options: impl Into<SessionOptions>,
    min_left: Duration,
    prompt: Prompt,
) -> Result<Session, Error> {
    let options = options.into();
    match session_once(env, &options, min_left, prompt) {
        // The key id on record for keychain keys was out of date; the record is right now,
        // and nothing was asked or sent yet (the keychain is read before any code).
        Err(Error::KeychainChanged { profile }) => {
            tracing::info!("keychain: the entry of profile '{profile}' changed; starting again");
            session_once(env, &options, min_left, prompt)
        }
        other => other,
    }
}

fn session_once(
    env: &Environment,
    options: &SessionOptions,
    min_left: Duration,
    prompt: Prompt,
) -> Result<Session, Error> {
    let request = Request::new(env, options, prompt)?;
    let plan = &request.plan;
    // The used-code and found-device records are kept even with --no-cache: they hold no
    // session, and a reused code is caught either way.
    let (cache, records) = cache::open(env, !options.no_cache);
    let read = !options.refresh;
    if options.no_cache {
        tracing::info!("cache: not used (--no-cache)");
    } else if options.refresh {
        tracing::info!("cache: entries not read (--refresh)");
    }
    // For an SDK that refreshes on its own (credential-process, the --server endpoint).
    let fall_back = min_left >= REFRESH_MIN_LEFT;
    let say_fall_back = prompt != Prompt::Never;
    // Role credentials go to SDKs (through `env` too: a shell's tools, often Terraform).
    let role_reuse = |plan: &RolePlan| Reuse {
        read,
        wanted: REFRESH_MIN_LEFT.max(min_left),
        asked: Duration::from_secs(plan.seconds),
        fall_back,
        say_fall_back,
    };
    let mut aws = LazyAws::new(plan, env);
    let serial = request.device(&records, &mut aws)?;
    let keys = &plan.profile.keys;

    // The first credentials: the MFA session, or with --no-session the first role itself.
    let (mut key, mut credentials, rest) = match plan.roles.split_first() {
        Some((first, rest)) if plan.direct => {
            let key = CacheKey::role(
                &CacheKey::direct_mfa(&keys.access_key_id, &serial),
                &first.key_parts(),
            );
            let what = format!("role {} (--no-session)", first.role.arn);
            let credentials = cache.get_or_make(&key, &what, role_reuse(first), || {
                request.fresh_role(
                    &mut aws,
                    first,
                    Signer::LongTerm(keys.long_term()?),
                    Some((&records, &serial)),
                )
            })?;
            (key, credentials, rest)
        }
        _ => {
            // Handed out itself, or only signing AssumeRole calls.
            let wanted = if plan.roles.is_empty() {
                min_left
            } else {
                SESSION_MIN_LEFT
            };
            let reuse = Reuse {
                read,
                wanted,
                asked: Duration::from_secs(plan.session_seconds),
                fall_back,
                say_fall_back,
            };
            let key = session_key(&plan.profile, &serial);
            let what = format!("MFA session for {serial}");
            let credentials = cache.get_or_make(&key, &what, reuse, || {
                request.fresh_session(&records, &mut aws, &serial)
            })?;
            (key, credentials, plan.roles.as_slice())
        }
    };
    // Each further role is assumed with the credentials before it.
    for plan in rest {
        key = CacheKey::role(&key, &plan.key_parts());
        let signer = credentials.clone();
        let what = format!("role {}", plan.role.arn);
        credentials = cache.get_or_make(&key, &what, role_reuse(plan), || {
            request.fresh_role(&mut aws, plan, Signer::Session(&signer), None)
        })?;
    }
    Ok(Session {
        profile: request.plan.profile.name,
        region: request.plan.region,
        credentials,
    })
}
