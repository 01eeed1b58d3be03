//! `aws-mfa doctor`: checks the setup one line at a time and says how to fix what is wrong.
//! Exits non-zero when something blocks getting a session.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, SystemTime};

use crate::aws::{Aws, MFA_PROBE_ACTION, MfaEnforcement, Signer, StsTarget};
use crate::cache::{self, Inspection, Records, Sessions};
use crate::cli::DoctorArgs;
use crate::device::{self, Found, Mode};
use crate::environment::Environment;
use crate::error::{Error, escape_controls};
use crate::obtain;
use crate::profile::{KeySource, ProfileFiles, ResolvedProfile};
use crate::session::LongTermKeys;
use crate::verbose;

pub(super) mod key_age;

/// How far STS's clock may be from ours before it is worth a word (SigV4 refuses 15 min).
const SKEW_NOTICE: Duration = Duration::from_secs(60);
const SKEW_REFUSED: Duration = Duration::from_secs(15 * 60);
/// The network checks give up after this long.
const NETWORK_TIMEOUT: Duration = Duration::from_secs(8);

#[derive(Default)]
struct Report {
    lines: Vec<String>,
    blocked: bool,
}

impl Report {
    // Profile names, STS's words and paths go into these lines: control characters are
    // shown escaped, never sent to the terminal.
    fn ok(&mut self, what: String) {
        self.lines.push(format!("✓ {}", escape_controls(&what)));
    }

    fn info(&mut self, what: String) {
        self.lines.push(format!("- {}", escape_controls(&what)));
    }

    /// Something wrong, with the fix; `blocking` when no session can be had until fixed.
    fn bad(&mut self, what: String, fix: Option<String>, blocking: bool) {
        self.lines.push(format!("✗ {}", escape_controls(&what)));
        if let Some(fix) = fix {
            self.lines
                .push(format!("    fix: {}", escape_controls(&fix)));
        }
        self.blocked |= blocking;
    }

    fn error(&mut self, err: &Error, blocking: bool) {
        self.bad(err.to_string(), err.hint(), blocking);
    }
}

pub fn run(args: &DoctorArgs, env: &Environment) -> Result<ExitCode, Error> {
    let mut report = Report::default();
    let (name, explicit) = crate::profile::name_to_use(args.profile.as_deref(), env)?;
    let resolved = ProfileFiles::load(env).and_then(|files| files.resolve(&name, explicit));
    match &resolved {
        Ok(resolved) => check_profile(&mut report, resolved, env),
        Err(err) => report.error(err, true),
    }
    let (cache, records) = check_cache_dir(&mut report, env);
    if let Ok(resolved) = &resolved {
        check_cached_session(&mut report, resolved, &cache, &records);
        key_age::check(&mut report, resolved, &cache, &records, env);
    }
    check_shadowing(&mut report, env);
    let mut out = report.lines.join("\n");
    out.push('\n');
    super::print(&out)?;
    Ok(if report.blocked {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

fn check_profile(report: &mut Report, resolved: &ResolvedProfile, env: &Environment) {
    let keys = &resolved.keys;
    match &resolved.key_source {
        KeySource::Profile(holder) => {
            report.ok(format!(
                "profile '{}' resolves; long-term key {} in profile '{holder}'",
                resolved.name,
                verbose::key_id(&keys.access_key_id)
            ));
            suggest_keychain(report, holder);
        }
        KeySource::Environment => report.ok(format!(
            "long-term key {} from AWS_ACCESS_KEY_ID (profile '{}' has none)",
            verbose::key_id(&keys.access_key_id),
            resolved.name
        )),
        KeySource::Keychain(holder) => match keys.long_term() {
            Ok(_) => report.ok(format!(
                "profile '{}' resolves; long-term key {} in {} (profile '{holder}')",
                resolved.name,
                verbose::key_id(&keys.access_key_id),
                crate::keychain::name()
            )),
            Err(err) => return report.error(&err, true),
        },
    }
    for role in &resolved.roles {
        report.ok(format!("role {} (profile '{}')", role.arn, role.profile));
    }
    match &resolved.region {
        Some(region) => report.ok(format!("region {region}")),
        None => report.bad(
            format!("profile '{}' names no region", resolved.name),
            Some("add 'region = …' to the profile, or pass -r REGION".into()),
            false,
        ),
    }
    if let Some(command) = &resolved.mfa_process {
        check_mfa_process(report, command, env);
    }

    let aws = Aws::connect(&StsTarget {
        profile: &resolved.name,
        region: resolved.region.as_deref(),
        timeout: NETWORK_TIMEOUT,
        env,
    });
    let aws = match aws {
        Ok(aws) => aws,
        Err(err) => return report.error(&err, true),
    };
    let keys = match keys.long_term() {
        Ok(keys) => keys,
        Err(err) => return report.error(&err, true),
    };
    let accepted = match aws.caller_identity(&Signer::LongTerm(keys)) {
        Ok(identity) => {
            report.ok(format!("STS accepts the keys: {}", identity.arn));
            check_clock(report, identity.server_time);
            true
        }
        Err(err) => {
            report.error(&err, true);
            false
        }
    };
    check_device(report, resolved, &aws);
    if accepted {
        check_mfa_enforced(report, &aws, keys);
    }
}

/// Whether the keys alone are refused what the MFA policy denies: one read-only call,
/// nothing changed in the account.
fn check_mfa_enforced(report: &mut Report, aws: &Aws, keys: &LongTermKeys) {
    match aws.mfa_enforcement(keys) {
        MfaEnforcement::Enforced => report.ok(format!(
            "MFA is enforced: {MFA_PROBE_ACTION} without MFA was denied explicitly"
        )),
        MfaEnforcement::NotEnforced => report.bad(
            format!(
                "MFA is not enforced: these keys alone were allowed {MFA_PROBE_ACTION}, so a leaked key works without the MFA device"
            ),
            Some(
                "attach the policy 'aws-mfa policy' prints to the user's group (see aws-mfa policy --help)"
                    .into(),
            ),
            false,
        ),
        MfaEnforcement::Unknown(why) => report.info(format!(
            "could not tell whether MFA is enforced ({MFA_PROBE_ACTION} without MFA): {why}"
        )),
    }
}

/// Keys in a plain-text file: any process of the user, or a stolen backup, can read them.
fn suggest_keychain(report: &mut Report, holder: &str) {
    report.info(format!(
        "the keys of profile '{holder}' are in a plain-text file; 'aws-mfa add {holder}' keeps them in {} instead (then delete the two lines it names)",
        crate::keychain::name()
    ));
}

fn check_clock(report: &mut Report, server_time: Option<SystemTime>) {
    let Some(server) = server_time else {
        return report.info("STS sent no Date header: the clock was not checked".into());
    };
    let now = SystemTime::now();
    let (skew, behind) = match server.duration_since(now) {
        Ok(ahead) => (ahead, true),
        Err(e) => (e.duration(), false),
    };
    let seconds = skew.as_secs();
    if skew < SKEW_NOTICE {
        report.ok(format!(
            "this clock is within a minute of STS's ({seconds} s)"
        ));
    } else {
        let side = if behind { "behind" } else { "ahead of" };
        report.bad(
            format!("this clock is {seconds} s {side} STS's"),
            Some("turn on time synchronisation (NTP): AWS refuses requests signed 15 minutes off, and sessions seem to expire early or late".into()),
            skew >= SKEW_REFUSED,
        );
    }
}

fn check_device(report: &mut Report, resolved: &ResolvedProfile, aws: &Aws) {
    let configured = resolved.mfa_serial.as_deref();
    // Only looks: nothing asked, printed or remembered.
    let found = device::discover(resolved, configured, Mode::Inspect, || Ok(aws))
        .unwrap_or_else(Found::LookupFailed);
    match found {
        Found::Configured(serial) | Found::Remembered(serial) => {
            report.ok(format!("MFA device {serial}"))
        }
        Found::LookupFailed(err) => report.bad(
            device::lookup_failed(&err),
            Some(format!(
                "add 'mfa_serial = arn:aws:iam::ACCOUNT:mfa/NAME' under the profile '{}'",
                resolved.source_name()
            )),
            true,
        ),
        Found::NoTotp => report.bad(
            device::NO_TOTP.into(),
            Some("assign a virtual or hardware TOTP device (IAM console → Security credentials → Assign MFA device)".into()),
            true,
        ),
        Found::Listed(one) => report.ok(format!(
            "MFA device {one}, found with ListMFADevices (add 'mfa_serial = {one}' under profile '{}' to skip the lookup)",
            resolved.source_name()
        )),
        Found::Several(several) => report.ok(format!(
            "MFA devices {}: you will be asked which one (or set mfa_serial)",
            several.join(", ")
        )),
    }
}

/// The cache directory as it is: looked at, never made or tightened (a diagnosis changes
/// nothing of what it diagnoses). Its stores, for reading, when it can be used.
fn check_cache_dir(report: &mut Report, env: &Environment) -> (Sessions, Records) {
    let disabled = || (Sessions::disabled(), Records::disabled());
    let dir = match cache::inspect(env) {
        Inspection::Nowhere => {
            report.bad(
                "no cache directory: sessions will not be cached".into(),
                Some("set AWS_MFA_CACHE_DIR".into()),
                false,
            );
            return disabled();
        }
        Inspection::NotMade(dir) => {
            report.info(format!(
                "cache directory {} will be made on first use",
                dir.display()
            ));
            return disabled();
        }
        Inspection::Unusable(dir, why) => {
            cache_dir_bad(report, &dir, &format!("{why}; sessions will not be cached"));
            return disabled();
        }
        Inspection::Usable(dir) => dir,
    };
    // Private (a loose directory of ours is tightened on the next run; doctor only looks)
    // and writable.
    match dir.check_closed_and_writable() {
        Ok(()) => report.ok(format!(
            "cache directory {} is private and writable",
            dir.path().display()
        )),
        Err(why) => cache_dir_bad(report, dir.path(), &why),
    }
    cache::read_only(&dir)
}

fn cache_dir_bad(report: &mut Report, dir: &std::path::Path, why: &str) {
    let fix = format!(
        "set AWS_MFA_CACHE_DIR to an absolute path in a directory only you can write, or {}",
        crate::platform::private_dir_repair(dir)
    );
    report.bad(
        format!("cache directory {}: {why}", dir.display()),
        Some(fix),
        false,
    );
}

fn check_cached_session(
    report: &mut Report,
    resolved: &ResolvedProfile,
    cache: &Sessions,
    records: &Records,
) {
    let entry = obtain::known_session_key(records, resolved).and_then(|key| cache.read(&key));
    match entry {
        Some(entry) if !entry.time_left().is_zero() => report.ok(format!(
            "cached MFA session, {} left",
            crate::duration::span(entry.time_left().as_secs() / 60 * 60)
        )),
        _ => report.info("no cached MFA session: the next run asks for a code".into()),
    }
}

/// Settings that make tools ignore the session in the environment.
fn check_shadowing(report: &mut Report, env: &Environment) {
    if env.non_empty_os("AWS_PROFILE").is_some() {
        report.bad(
            "AWS_PROFILE is set: SDKs such as Terraform's prefer that profile's long-term keys over a session in the environment".into(),
            Some("unset AWS_PROFILE (eval \"$(aws-mfa env)\" removes it and keeps the name in AWS_MFA_PROFILE)".into()),
            false,
        );
    }
    if fish_universal_aws_profile(env) {
        report.bad(
            "fish has a universal AWS_PROFILE, which reaches every program started from fish"
                .into(),
            Some("in fish: set -e -U AWS_PROFILE".into()),
            false,
        );
    }
}

/// Whether fish's universal variables (`fish_variables`) hold an `AWS_PROFILE`.
fn fish_universal_aws_profile(env: &Environment) -> bool {
    let config = env
        .non_empty_os("XDG_CONFIG_HOME")
        .map(PathBuf::from)
        .or_else(|| dirs::home_dir().map(|h| h.join(".config")));
    let Some(file) = config.map(|c| c.join("fish/fish_variables")) else {
        return false;
    };
    std::fs::read_to_string(file).is_ok_and(|text| {
        text.lines().any(|line| {
            let rest = line
                .strip_prefix("SETUVAR ")
                .map(|r| r.strip_prefix("--export ").unwrap_or(r));
            rest.is_some_and(|r| r.starts_with("AWS_PROFILE:"))
        })
    })
}

/// `mfa_process`: a program that can be started. Its name only is shown: the rest of the
/// line may hold a secret (a TOTP seed).
fn check_mfa_process(report: &mut Report, command: &str, env: &Environment) {
    let path = env.os("PATH");
    let words = match crate::mfa::process_words(command, path) {
        Ok(words) => words,
        Err(why) => {
            let err = Error::MfaProcess {
                command: None,
                why: why.to_string(),
            };
            return report.bad(format!("mfa_process cannot run: {why}"), err.hint(), true);
        }
    };
    let program = &words[0];
    match crate::platform::check_runnable(std::ffi::OsStr::new(program), path) {
        Ok(()) => report.ok(format!("codes come from mfa_process: {program} …")),
        Err(why) => report.bad(
            format!(
                "mfa_process program '{program}' cannot be started: {}",
                match why {
                    crate::platform::Unrunnable::NotFound => "it is not found (PATH)",
                    crate::platform::Unrunnable::Directory => "it is a directory",
                    crate::platform::Unrunnable::NotExecutable => crate::error::NOT_EXECUTABLE,
                }
            ),
            Some("install it, or give its full path in mfa_process".into()),
            true,
        ),
    }
}
