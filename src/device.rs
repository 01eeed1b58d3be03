//! The MFA device: the one configured, else the one found before for these keys, else asked
//! of IAM (ListMFADevices), which the usual MFA-enforcing policy allows without MFA. One
//! discovery for getting a session and for `doctor`, which only looks.

use crate::aws::Aws;
use crate::cache::Records;
use crate::error::Error;
use crate::mfa::{self, Prompt, Terminal};
use crate::profile::ResolvedProfile;

/// How far discovery may go.
pub enum Mode<'a> {
    /// Getting a session: a device found by an earlier lookup counts; of several, one is
    /// chosen at the terminal when `prompt` allows; a device IAM gave is printed as the
    /// config line that skips the lookup, and remembered in `records`.
    Obtain {
        records: &'a Records,
        prompt: Prompt,
    },
    /// A diagnosis: the configured device or IAM's answer, nothing asked, printed or kept.
    Inspect,
}

/// What discovery found.
#[derive(Debug)]
pub enum Found {
    /// `--mfa-serial` or the profile's `mfa_serial`.
    Configured(String),
    /// Found by an earlier lookup for these keys.
    Remembered(String),
    /// The one TOTP device IAM lists, or the one chosen of several.
    Listed(String),
    /// Several TOTP devices, none chosen.
    Several(Vec<String>),
    /// IAM lists no TOTP device for the user.
    NoTotp,
    /// ListMFADevices failed.
    LookupFailed(Error),
}

/// Why there is no device, when IAM lists none.
pub const NO_TOTP: &str = "no mfa_serial is set, and IAM lists no TOTP device for this user";

/// Why there is no device, when the lookup failed.
pub fn lookup_failed(err: &Error) -> String {
    format!("no mfa_serial is set, and looking one up failed: {err}")
}

impl Found {
    /// The device to use, or why there is none to use without asking.
    pub fn serial(self, profile: &ResolvedProfile) -> Result<String, Error> {
        let no_device = |why: String| Error::NoDevice {
            profile: profile.name.clone(),
            why,
        };
        match self {
            Found::Configured(serial) | Found::Remembered(serial) | Found::Listed(serial) => {
                Ok(serial)
            }
            Found::Several(devices) => Err(Error::SeveralDevices {
                profile: profile.name.clone(),
                devices,
            }),
            Found::NoTotp => Err(no_device(NO_TOTP.into())),
            Found::LookupFailed(err) => Err(no_device(lookup_failed(&err))),
        }
    }
}

/// Finds the device of `profile` (`configured` first). `aws` connects on first use: a
/// configured or remembered device needs no connection. Errors are what stops the lookup
/// before IAM answers (no connection, the keys not readable) or a failed choice.
pub fn discover<'a>(
    profile: &ResolvedProfile,
    configured: Option<&str>,
    mode: Mode<'_>,
    aws: impl FnOnce() -> Result<&'a Aws, Error>,
) -> Result<Found, Error> {
    if let Some(serial) = configured {
        return Ok(Found::Configured(serial.to_owned()));
    }
    let keys = &profile.keys;
    if let Mode::Obtain { records, .. } = &mode
        && let Some(serial) = records.known_device(&keys.access_key_id)
    {
        tracing::info!("MFA device {serial}: found by an earlier lookup");
        return Ok(Found::Remembered(serial));
    }
    tracing::info!("no mfa_serial: asking IAM for the user's MFA devices");
    let listed = match aws()?.list_mfa_devices(keys.long_term()?) {
        Ok(listed) => listed,
        Err(err) => return Ok(Found::LookupFailed(err)),
    };
    let mut devices: Vec<String> = listed
        .into_iter()
        .filter(|s| mfa::is_totp_device(s))
        .collect();
    let Mode::Obtain { records, prompt } = mode else {
        return Ok(match devices.len() {
            0 => Found::NoTotp,
            1 => Found::Listed(devices.remove(0)),
            _ => Found::Several(devices),
        });
    };
    let serial = match devices.len() {
        0 => return Ok(Found::NoTotp),
        1 => devices.remove(0),
        _ => match (prompt, Terminal::open()) {
            (Prompt::Terminal, Ok(mut terminal)) => {
                terminal.say("aws-mfa: your IAM user has several MFA devices:");
                let choice = terminal.choose("which one", &devices)?;
                devices.swap_remove(choice)
            }
            _ => return Ok(Found::Several(devices)),
        },
    };
    let section = match profile.source_name() {
        "default" => "[default]".to_owned(),
        name => format!("[profile {name}]"),
    };
    // IAM's answer and a profile name: shown with control characters escaped.
    crate::error::say(&format!(
        "using MFA device {serial}; add this line under {section} in ~/.aws/config to skip the lookup:"
    ));
    crate::error::say_more(&format!("mfa_serial = {serial}"));
    records.remember_device(&keys.access_key_id, &serial);
    Ok(Found::Listed(serial))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::tests::profile;

    #[test]
    fn a_configured_device_needs_no_connection() {
        let records = Records::disabled();
        let modes = [
            Mode::Inspect,
            Mode::Obtain {
                records: &records,
                prompt: Prompt::Never,
            },
        ];
        for mode in modes {
            let found = discover(&profile(None, vec![]), Some("GAHT1"), mode, || {
                panic!("no connection is made for a configured device")
            });
            assert!(matches!(found, Ok(Found::Configured(s)) if s == "GAHT1"));
        }
    }

    #[test]
    fn what_was_found_becomes_a_device_or_the_error_a_user_sees() {
        let work = profile(None, vec![]);
        let serial = |found: Found| found.serial(&work).map_err(|e| e.to_string());
        for found in [
            Found::Configured("a".into()),
            Found::Remembered("a".into()),
            Found::Listed("a".into()),
        ] {
            assert_eq!(serial(found).as_deref(), Ok("a"));
        }
        let no_totp = serial(Found::NoTotp).unwrap_err();
        assert!(no_totp.ends_with(NO_TOTP), "{no_totp}");
        let failed = serial(Found::LookupFailed(Error::NoTerminal)).unwrap_err();
        assert!(
            failed.ends_with(&lookup_failed(&Error::NoTerminal)),
            "{failed}"
        );
        let several = Found::Several(vec!["a".into(), "b".into()]).serial(&work);
        assert!(
            matches!(several, Err(Error::SeveralDevices { profile, devices }) if profile == "work" && devices == ["a", "b"])
        );
    }
}
