//! From options to a session: profile, code, STS.

use std::time::{Duration, SystemTime};

use crate::aws::{Aws, RoleRequest, Signer, StsTarget};
use crate::cache::{self, CacheKey, Entry, Records, Reuse};
use crate::cli::SessionArgs;
use crate::dialog::Dialog;
use crate::duration;
use crate::error::{Error, escape_controls};
use crate::mfa::{self, MfaCode, Terminal};
use crate::profile::{KeySource, ProfileFiles, ResolvedProfile, Role};
use crate::session::{MFA_PROFILE, Session};
use crate::verbose;

/// The profile to use: `-p`, else `$AWS_PROFILE`, else `$AWS_MFA_PROFILE` (the session this
/// shell already holds), else `default`. The bool says whether it was asked for by name.
/// A variable that is set but not UTF-8 is an error, never a silent `default`.
pub fn profile_name(flag: Option<&str>) -> Result<(String, bool), Error> {
    if let Some(name) = flag {
        return Ok((name.to_owned(), true));
    }
    for var in ["AWS_PROFILE", MFA_PROFILE] {
        match std::env::var(var) {
            Ok(name) if !name.is_empty() => return Ok((name, true)),
            Err(std::env::VarError::NotUnicode(_)) => return Err(Error::NotUtf8Variable(var)),
            _ => {}
        }
    }
    Ok(("default".to_owned(), false))
}

/// Everything about the request that can be checked before a code is asked for.
pub struct Request {
    pub profile: ResolvedProfile,
    /// `--mfa-serial`, else the profile's; `None` until found (see `device`).
    pub serial: Option<String>,
    /// A region to export (from `-r` or the profile).
    pub region: Option<String>,
    /// The region for the STS call (also from the environment).
    pub sts_region: Option<String>,
    /// Length of the MFA session (GetSessionToken).
    pub session_seconds: u64,
    /// Roles to assume in order, each with its length settled.
    pub roles: Vec<RolePlan>,
    /// `--no-session`: the first role is assumed with the MFA code, not from a session.
    pub direct: bool,
    pub code: Option<MfaCode>,
    pub prompt: Prompt,
    pub timeout: Duration,
}

/// Whether the terminal may be asked for a code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Prompt {
    /// Ask on the terminal when no other source gives a code.
    Terminal,
    /// Never read the terminal (a credential server while its child runs).
    Never,
}

/// One role to assume, and for how long.
pub struct RolePlan {
    pub role: Role,
    pub seconds: u64,
    /// What the profile (or `-d`) asked for, when more than role chaining allows.
    pub capped_from: Option<u64>,
}

impl RolePlan {
    /// Everything that makes the role's credentials what they are, for the cache key.
    fn key_parts(&self) -> [String; 4] {
        let role = &self.role;
        [
            role.arn.clone(),
            role.external_id.clone().unwrap_or_default(),
            role.session_name.clone().unwrap_or_default(),
            self.seconds.to_string(),
        ]
    }
}

impl Request {
    pub fn new(args: &SessionArgs, prompt: Prompt) -> Result<Self, Error> {
        // The code is checked first: a malformed one needs no file read at all.
        let code = args.token_code.as_deref().map(MfaCode::parse).transpose()?;
        let (name, explicit) = profile_name(args.profile.as_deref())?;
        let files = ProfileFiles::load()?;
        let profile = files.resolve(&name, explicit)?;
        let serial = args
            .mfa_serial
            .clone()
            .or_else(|| profile.mfa_serial.clone());
        trace_resolved(&profile, serial.as_deref());
        // `-d` sets the length of what is handed out: the MFA session for a plain profile,
        // the (last) role's credentials for a role profile.
        let is_role = !profile.roles.is_empty();
        let session_seconds = match (args.duration.as_deref(), is_role) {
            (Some(value), false) => duration::session_seconds(value)?,
            _ => match profile.session_duration.as_deref() {
                Some(value) => duration::session_seconds(value)?,
                None => duration::SESSION_DEFAULT,
            },
        };
        let direct = args.no_session && is_role;
        let last = profile.roles.len().saturating_sub(1);
        let roles = profile
            .roles
            .iter()
            .enumerate()
            .map(|(i, role)| {
                let asked = match (i == last).then_some(args.duration.as_deref()).flatten() {
                    Some(value) => Some(duration::role_seconds(value)?),
                    None => role
                        .duration_seconds
                        .as_deref()
                        .map(duration::role_seconds)
                        .transpose()?,
                };
                let seconds = asked.unwrap_or(duration::ROLE_DEFAULT);
                // Assumed with session credentials (from the MFA session or the previous
                // role) is role chaining, which AWS limits to one hour.
                let chained = !(direct && i == 0);
                let (seconds, capped_from) = if chained && seconds > duration::CHAINED_MAX {
                    (duration::CHAINED_MAX, Some(seconds))
                } else {
                    (seconds, None)
                };
                Ok(RolePlan {
                    role: role.clone(),
                    seconds,
                    capped_from,
                })
            })
            .collect::<Result<Vec<_>, Error>>()?;
        let region = args.region.clone().or_else(|| profile.region.clone());
        let sts_region = region.clone().or_else(|| {
            ["AWS_REGION", "AWS_DEFAULT_REGION"]
                .into_iter()
                .find_map(|var| std::env::var(var).ok().filter(|v| !v.is_empty()))
        });
        let timeout = Duration::try_from_secs_f64(args.timeout)
            .ok()
            .filter(|t| !t.is_zero())
            .ok_or_else(|| Error::InvalidTimeout(args.timeout.to_string()))?;
        Ok(Request {
            profile,
            serial,
            region,
            sts_region,
            session_seconds,
            roles,
            direct,
            code,
            prompt,
            timeout,
        })
    }

    /// Where the code comes from, first that applies: `-t`, `mfa_process`, the terminal, a
    /// desktop dialog.
    fn code_source(&self) -> Result<CodeSource, Error> {
        if let Some(code) = &self.code {
            return Ok(CodeSource::Flag(code.clone()));
        }
        if let Some(command) = &self.profile.mfa_process {
            return Ok(CodeSource::Process(command.clone()));
        }
        match self.prompt {
            // No terminal (an IDE running credential_process): a dialog, on a desktop.
            Prompt::Terminal => match Terminal::open() {
                Ok(terminal) => Ok(CodeSource::Ask(Ask::Terminal(terminal))),
                Err(e) => Dialog::find(&self.profile.name)
                    .map(|dialog| CodeSource::Ask(Ask::Dialog(dialog)))
                    .ok_or(e),
            },
            Prompt::Never => Err(Error::CodeNeeded {
                profile: self.profile.name.clone(),
                no_session: self.direct,
            }),
        }
    }

    /// Calls `send` with a one-time code. A code sent lately is refused before any call
    /// (STS answers a reused code exactly like a wrong one); at the terminal or in a dialog
    /// a malformed, reused or rejected code gets another try, three in all.
    fn with_code<T>(
        &self,
        records: &Records,
        serial: &str,
        mut send: impl FnMut(&MfaCode) -> Result<T, Error>,
    ) -> Result<T, Error> {
        let mut source = self.code_source()?;
        tracing::info!(
            "MFA code for {serial} from {}",
            match &source {
                CodeSource::Flag(_) => "--token-code".to_owned(),
                CodeSource::Process(_) => "mfa_process".to_owned(),
                CodeSource::Ask(Ask::Terminal(_)) => "the terminal".to_owned(),
                CodeSource::Ask(Ask::Dialog(dialog)) => format!("a dialog ({})", dialog.name()),
            }
        );
        for attempt in 1..=CODE_TRIES {
            let again = attempt < CODE_TRIES;
            let code = match &mut source {
                CodeSource::Flag(code) => code.clone(),
                CodeSource::Process(command) => mfa::run_mfa_process(command)?,
                CodeSource::Ask(ask) => match ask.ask_code(serial) {
                    Err(e @ Error::InvalidCode(_)) if again => {
                        ask.say(&format!("aws-mfa: {e}"));
                        continue;
                    }
                    other => other?,
                },
            };
            if records.code_was_used(serial, code.as_str()) {
                match &mut source {
                    CodeSource::Ask(ask) if again => {
                        ask.say("aws-mfa: that code was just used; wait for the next one");
                        continue;
                    }
                    _ => return Err(Error::CodeReused),
                }
            }
            let result = send(&code);
            let rejected = matches!(&result, Err(e) if e.is_rejected_code());
            if result.is_ok() || rejected {
                // STS has seen this code: it cannot serve again in its window.
                records.remember_code(serial, code.as_str());
            }
            match (result, &mut source) {
                (Err(e), CodeSource::Ask(ask)) if rejected && again => {
                    ask.say(&format!("aws-mfa: {e}; try again"));
                }
                (result, _) => return result,
            }
        }
        Err(Error::Prompt("no accepted code after 3 tries".into()))
    }

    /// The MFA device: `--mfa-serial` or the profile's `mfa_serial`, else the one found
    /// before for these keys, else asked of IAM (ListMFADevices), which the usual
    /// MFA-enforcing policy allows without MFA.
    fn device(&self, records: &Records, aws: &mut LazyAws) -> Result<String, Error> {
        if let Some(serial) = &self.serial {
            return Ok(serial.clone());
        }
        let keys = &self.profile.keys;
        if let Some(serial) = records.known_device(&keys.access_key_id) {
            tracing::info!("MFA device {serial}: found by an earlier lookup");
            return Ok(serial);
        }
        tracing::info!("no mfa_serial: asking IAM for the user's MFA devices");
        let no_device = |why: String| Error::NoDevice {
            profile: self.profile.name.clone(),
            why,
        };
        let listed = aws
            .get()?
            .list_mfa_devices(keys.long_term()?)
            .map_err(|e| {
                no_device(format!(
                    "no mfa_serial is set, and looking one up failed: {e}"
                ))
            })?;
        let devices: Vec<String> = listed
            .into_iter()
            .filter(|s| mfa::is_totp_device(s))
            .collect();
        let serial = match devices.as_slice() {
            [] => {
                return Err(no_device(
                    "no mfa_serial is set, and IAM lists no TOTP device for this user".into(),
                ));
            }
            [one] => one.clone(),
            several => match (self.prompt, Terminal::open()) {
                (Prompt::Terminal, Ok(mut terminal)) => {
                    terminal.say("aws-mfa: your IAM user has several MFA devices:");
                    let choice = terminal.choose("which one", several)?;
                    several[choice].clone()
                }
                _ => {
                    return Err(Error::SeveralDevices {
                        profile: self.profile.name.clone(),
                        devices: several.to_vec(),
                    });
                }
            },
        };
        let section = match self.profile.source_name() {
            "default" => "[default]".to_owned(),
            name => format!("[profile {name}]"),
        };
        // IAM's answer and a profile name: shown with control characters escaped.
        eprintln!(
            "aws-mfa: using MFA device {0}; add this line under {1} in ~/.aws/config to skip the lookup:\nmfa_serial = {0}",
            escape_controls(&serial),
            escape_controls(&section)
        );
        records.remember_device(&keys.access_key_id, &serial);
        Ok(serial)
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
        let keys = self.profile.keys.long_term()?;
        let seconds = self.session_seconds_for(serial);
        let credentials = self.with_code(records, serial, |code| {
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
        Ok(Entry {
            profile: self.profile.source_name().to_owned(),
            identity,
            credentials,
        })
    }

    /// The MFA session's length: the root user gets one hour at most, known up front from
    /// its device, so a longer ask is cut with a notice instead of a surprise afterwards.
    fn session_seconds_for(&self, serial: &str) -> u64 {
        let asked = self.session_seconds;
        if !mfa::is_root_device(serial) || asked <= duration::ROOT_SESSION_MAX {
            return asked;
        }
        if self.prompt != Prompt::Never {
            eprintln!(
                "aws-mfa: note: asking for 1h, not {}: {serial} is the account root user's device, and STS gives the root user 1 hour at most",
                duration::span(asked)
            );
        }
        duration::ROOT_SESSION_MAX
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
            .unwrap_or_else(default_session_name);
        let request = RoleRequest {
            arn: &plan.role.arn,
            session_name: &session_name,
            external_id: plan.role.external_id.as_deref(),
            duration_seconds: plan.seconds,
        };
        let credentials = match mfa {
            Some((records, serial)) => self.with_code(records, serial, |code| {
                aws.get()?
                    .assume_role(&signer, &request, Some((serial, code.as_str())))
            })?,
            None => aws.get()?.assume_role(&signer, &request, None)?,
        };
        warn_if_shortened(self.prompt, &credentials.expiration, plan.seconds);
        Ok(Entry {
            profile: plan.role.profile.clone(),
            identity: plan.role.arn.clone(),
            credentials,
        })
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

/// Tries a person gets at the terminal (or in a dialog) for one code.
const CODE_TRIES: u32 = 3;

enum CodeSource {
    Flag(MfaCode),
    Process(String),
    Ask(Ask),
}

/// Where a person is asked for a code: the terminal, else a desktop dialog.
enum Ask {
    Terminal(Terminal),
    Dialog(Dialog),
}

impl Ask {
    fn ask_code(&mut self, device: &str) -> Result<MfaCode, Error> {
        match self {
            Ask::Terminal(terminal) => terminal.ask_code(device),
            Ask::Dialog(dialog) => dialog.ask_code(device),
        }
    }

    /// Why a code was not taken, before the next try.
    fn say(&mut self, line: &str) {
        match self {
            Ask::Terminal(terminal) => terminal.say(line),
            Ask::Dialog(dialog) => dialog.say(line),
        }
    }
}

/// A connection to AWS made on first use: a run served from the cache never makes one.
struct LazyAws {
    profile: String,
    region: Option<String>,
    timeout: Duration,
    aws: Option<Aws>,
}

impl LazyAws {
    fn new(request: &Request) -> Self {
        LazyAws {
            profile: request.profile.name.clone(),
            region: request.sts_region.clone(),
            timeout: request.timeout,
            aws: None,
        }
    }

    fn get(&mut self) -> Result<&Aws, Error> {
        if self.aws.is_none() {
            self.aws = Some(Aws::connect(&StsTarget {
                profile: &self.profile,
                region: self.region.as_deref(),
                timeout: self.timeout,
            })?);
        }
        Ok(self.aws.as_ref().expect("set just above"))
    }
}

/// `aws-mfa-USER` (what CloudTrail shows), characters AWS allows only, 64 at most.
fn default_session_name() -> String {
    let user = ["USER", "USERNAME"]
        .into_iter()
        .find_map(|var| std::env::var(var).ok().filter(|v| !v.is_empty()))
        .unwrap_or_else(|| "user".into());
    let clean: String = user
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || "+=,.@_-".contains(*c))
        .collect();
    format!("aws-mfa-{clean}").chars().take(64).collect()
}

/// The cache key of the MFA session behind a profile, when the profile resolves.
pub fn mfa_session_key(records: &Records, profile: &str, explicit: bool) -> Option<CacheKey> {
    let resolved = ProfileFiles::load().ok()?.resolve(profile, explicit).ok()?;
    let akid = &resolved.keys.access_key_id;
    let serial = resolved.mfa_serial.or_else(|| records.known_device(akid))?;
    Some(CacheKey::mfa_session(akid, &serial))
}

/// A cached MFA session is reused by `env` and `exec` while it has more than this left.
pub const SESSION_MIN_LEFT: Duration = Duration::from_secs(5 * 60);
/// Credentials handed to an SDK that refreshes on its own (`credential-process`, the
/// `--server` endpoint) should have more than this left: botocore refreshes 15 minutes
/// before expiry (and insists at 10), the JS SDK v3 and aws-sdk-go-v2's container provider
/// at 5 minutes, aws-sdk-go-v2's `credential_process` provider at expiry. Outside every
/// window, an SDK keeps what it got until its own refresh.
pub const REFRESH_MIN_LEFT: Duration = Duration::from_secs(15 * 60);
/// What credentials lasting `lifetime_seconds` must have left to be reused: `wanted`, but
/// never more than half their life. Credentials shorter than an SDK's window (a 900 s role
/// against botocore's 15 minutes) then make the SDK ask on each request, which the cache
/// answers, and are re-minted once per half-life: a 900 s role costs at most one
/// AssumeRole every 7.5 minutes, whatever the number of calls.
pub fn min_left_for(wanted: Duration, lifetime_seconds: u64) -> Duration {
    wanted.min(Duration::from_secs(lifetime_seconds / 2))
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
        eprintln!(
            "aws-mfa: note: STS granted a session of {} instead of the {} asked for",
            duration::approx_span(granted),
            duration::span(asked_seconds)
        );
    }
}

/// The session the options ask for: cached when there is a good one (a file read, no SDK),
/// else fresh from STS and then cached. `min_left` is what the credentials handed out must
/// have left at least; `prompt` says whether the terminal may be asked for a code.
pub fn session(args: &SessionArgs, min_left: Duration, prompt: Prompt) -> Result<Session, Error> {
    match session_once(args, min_left, prompt) {
        // The key id on record for keychain keys was out of date; the record is right now,
        // and nothing was asked or sent yet (the keychain is read before any code).
        Err(Error::KeychainChanged { profile }) => {
            tracing::info!("keychain: the entry of profile '{profile}' changed; starting again");
            session_once(args, min_left, prompt)
        }
        other => other,
    }
}

fn session_once(args: &SessionArgs, min_left: Duration, prompt: Prompt) -> Result<Session, Error> {
    let request = Request::new(args, prompt)?;
    // The used-code and found-device records are kept even with --no-cache: they hold no
    // session, and a reused code is caught either way.
    let (cache, records) = cache::open(!args.no_cache);
    let read = !args.refresh;
    if args.no_cache {
        tracing::info!("cache: not used (--no-cache)");
    } else if args.refresh {
        tracing::info!("cache: entries not read (--refresh)");
    }
    // For an SDK that refreshes on its own (credential-process, the --server endpoint).
    let fall_back = min_left >= REFRESH_MIN_LEFT;
    let say_fall_back = prompt != Prompt::Never;
    // Role credentials go to SDKs (through `env` too: a shell's tools, often Terraform).
    let role_reuse = |plan: &RolePlan| Reuse {
        read,
        min_left: min_left_for(REFRESH_MIN_LEFT.max(min_left), plan.seconds),
        fall_back,
        say_fall_back,
    };
    let mut aws = LazyAws::new(&request);
    let serial = request.device(&records, &mut aws)?;
    let keys = &request.profile.keys;

    // The first credentials: the MFA session, or with --no-session the first role itself.
    let (mut key, mut credentials, rest) = match request.roles.split_first() {
        Some((first, rest)) if request.direct => {
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
            let wanted = if request.roles.is_empty() {
                min_left
            } else {
                SESSION_MIN_LEFT
            };
            let reuse = Reuse {
                read,
                min_left: min_left_for(wanted, request.session_seconds),
                fall_back,
                say_fall_back,
            };
            let key = CacheKey::mfa_session(&keys.access_key_id, &serial);
            let what = format!("MFA session for {serial}");
            let credentials = cache.get_or_make(&key, &what, reuse, || {
                request.fresh_session(&records, &mut aws, &serial)
            })?;
            (key, credentials, request.roles.as_slice())
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
        profile: request.profile.name,
        region: request.region,
        credentials,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_credentials_are_reused_for_half_their_life() {
        let minutes = |m: u64| Duration::from_secs(m * 60);
        // A 12-hour session or a 1-hour role: the SDKs' 15 minutes.
        assert_eq!(min_left_for(REFRESH_MIN_LEFT, 43_200), minutes(15));
        assert_eq!(min_left_for(REFRESH_MIN_LEFT, 3600), minutes(15));
        // A 15-minute role: re-minted after 7.5 minutes, not on every request.
        assert_eq!(
            min_left_for(REFRESH_MIN_LEFT, 900),
            Duration::from_secs(450)
        );
        assert_eq!(min_left_for(SESSION_MIN_LEFT, 900), minutes(5));
    }
}
