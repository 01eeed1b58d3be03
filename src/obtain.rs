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
use crate::plan::{Freshness, Held, Recipient, RolePlan, SessionOptions, SessionPlan};
use crate::profile::{self, KeySource, ProfileEnv, ProfileFiles, ResolvedProfile};
use crate::session::Session;
use crate::verbose;

/// The region for the STS call: the plan's, else the environment's.
pub fn sts_region(plan: &SessionPlan, env: &Environment) -> Option<String> {
    plan.region.clone().or_else(|| {
        env.first(&["AWS_REGION", "AWS_DEFAULT_REGION"])
            .map(str::to_owned)
    })
}

/// A session request with its profile resolved and its plan made (everything that can be
/// refused is refused before a code is asked for), and who may be asked for its codes:
/// what a command holds before it asks for the session itself.
pub struct Planned<'e> {
    env: &'e Environment,
    options: SessionOptions,
    plan: SessionPlan,
    code: Option<MfaCode>,
    prompt: Prompt,
}

impl<'e> Planned<'e> {
    /// Resolves the profile (once) and makes the plan; `prompt` says whether the terminal
    /// may be asked for a code.
    pub fn new(
        env: &'e Environment,
        options: impl Into<SessionOptions>,
        prompt: Prompt,
    ) -> Result<Self, Error> {
        let options = options.into();
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
        Ok(Planned {
            env,
            plan: SessionPlan::new(&options, profile)?,
            options,
            code,
            prompt,
        })
    }

    pub fn plan(&self) -> &SessionPlan {
        &self.plan
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

/// The session the options ask for, for `recipient` (see `Planned::session`).
pub fn session(
    env: &Environment,
    options: impl Into<SessionOptions>,
    recipient: Recipient,
    prompt: Prompt,
) -> Result<Session, Error> {
    Planned::new(env, options, prompt)?.session(recipient)
}

impl Planned<'_> {
    /// The session, cached when there is one fresh enough for `recipient` (a file read,
    /// no SDK), else fresh from STS and then cached.
    pub fn session(self, recipient: Recipient) -> Result<Session, Error> {
        match self.session_once(recipient) {
            // The key id on record for keychain keys was out of date; the record is right
            // now, and nothing was asked or sent yet (the keychain is read before any code).
            Err(Error::KeychainChanged { profile }) => {
                tracing::info!(
                    "keychain: the entry of profile '{profile}' changed; starting again"
                );
                Planned::new(self.env, self.options, self.prompt)?.session_once(recipient)
            }
            other => other,
        }
    }

    fn session_once(&self, recipient: Recipient) -> Result<Session, Error> {
        let options = &self.options;
        let env = self.env;
        let prompt = self.prompt;
        let plan = &self.plan;
        // The used-code and found-device records are kept even with --no-cache: they hold no
        // session, and a reused code is caught either way.
        let (cache, records) = cache::open(env, !options.no_cache);
        let read = !options.refresh;
        if options.no_cache {
            tracing::info!("cache: not used (--no-cache)");
        } else if options.refresh {
            tracing::info!("cache: entries not read (--refresh)");
        }
        let reuse = |held: Held, seconds: u64| Reuse {
            read,
            window: Freshness::of(recipient, held),
            asked: Duration::from_secs(seconds),
            say_fall_back: prompt != Prompt::Never,
        };
        let role_reuse = |plan: &RolePlan| reuse(Held::Role, plan.seconds);
        let mut aws = LazyAws::new(plan, env);
        let serial = self.device(&records, &mut aws)?;
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
                    self.fresh_role(
                        &mut aws,
                        first,
                        Signer::LongTerm(keys.long_term()?),
                        Some((&records, &serial)),
                    )
                })?;
                (key, credentials, rest)
            }
            _ => {
                let held = if plan.roles.is_empty() {
                    Held::Session
                } else {
                    Held::SigningSession
                };
                let reuse = reuse(held, plan.session_seconds);
                let key = session_key(&plan.profile, &serial);
                let what = format!("MFA session for {serial}");
                let credentials = cache.get_or_make(&key, &what, reuse, || {
                    self.fresh_session(&records, &mut aws, &serial)
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
                self.fresh_role(&mut aws, plan, Signer::Session(&signer), None)
            })?;
        }
        Ok(Session {
            profile_env: ProfileEnv::new(plan.profile.extra_env.clone(), env).changes(),
            profile: plan.profile.name.clone(),
            region: plan.region.clone(),
            credentials,
        })
    }
}
