//! `aws-mfa add PROFILE`: keep a profile's long-term keys in the OS keychain instead of a
//! plain-text file. Asks on the terminal (the secret hidden), or with `--from-env` takes
//! `AWS_ACCESS_KEY_ID` / `AWS_SECRET_ACCESS_KEY`. Never writes the AWS files: when they
//! still hold keys for the profile, it says which lines to delete.

use std::io::{BufRead, BufReader, Write};
use std::process::ExitCode;

use crate::cache::{self, Records};
use crate::cli::AddArgs;
use crate::environment::Environment;
use crate::error::Error;
use crate::keychain::{self, Keychain};
use crate::profile;
use crate::session::{LongTermKeys, Secret};
use crate::verbose;

pub fn run(args: &AddArgs, env: &Environment) -> Result<ExitCode, Error> {
    check_profile_name(&args.profile)?;
    let keys = if args.from_env {
        from_environment(env)?
    } else {
        ask_on_terminal(&args.profile)?
    };
    check_keys(&keys)?;
    Keychain::new(env).store(&args.profile, &keys)?;
    // The key id, never the secret, where the cached path can find it without a keychain call.
    Records::open(cache::location(env)).remember_keychain_key(&args.profile, &keys.access_key_id);
    crate::error::say(&format!(
        "stored the keys of profile '{}' ({}) in {}",
        args.profile,
        verbose::key_id(&keys.access_key_id),
        keychain::name()
    ));
    let lines = profile::plain_text_key_lines(&args.profile, env);
    if !lines.is_empty() {
        crate::error::say(&format!(
            "the profile files still hold keys for '{}' in plain text, and those are used before the keychain's; delete these lines by hand:",
            args.profile
        ));
        for line in lines {
            crate::error::say_more(&format!("  {line}"));
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Names the SDK's profile parser accepts (it drops others without a word).
fn check_profile_name(name: &str) -> Result<(), Error> {
    let allowed = |c: char| c.is_ascii_alphanumeric() || "_-/.%@:+".contains(c);
    if !name.is_empty() && name.chars().all(allowed) {
        return Ok(());
    }
    Err(Error::BrokenProfile {
        profile: name.escape_debug().to_string(),
        why: "a profile name is letters, digits and _ - / . % @ : + only".into(),
        hint: "name the profile as it appears in ~/.aws/config ([profile NAME]) or ~/.aws/credentials ([NAME])".into(),
    })
}

fn from_environment(env: &Environment) -> Result<LongTermKeys, Error> {
    let var = |name: &str| env.get(name).map(str::to_owned);
    let missing = |name: &str| Error::BadAccessKey {
        what: "--from-env".into(),
        why: format!("{name} is not set"),
    };
    let access_key_id = var("AWS_ACCESS_KEY_ID").ok_or_else(|| missing("AWS_ACCESS_KEY_ID"))?;
    let secret = var("AWS_SECRET_ACCESS_KEY").ok_or_else(|| missing("AWS_SECRET_ACCESS_KEY"))?;
    if var("AWS_SESSION_TOKEN").is_some() {
        return Err(Error::TemporaryKeys {
            origin: "AWS_SESSION_TOKEN is set in the environment".into(),
        });
    }
    Ok(LongTermKeys {
        access_key_id,
        secret_access_key: Secret::new(secret),
    })
}

/// The key id (shown as typed, and checked at once) and the secret (hidden).
fn ask_on_terminal(profile: &str) -> Result<LongTermKeys, Error> {
    let (input, mut output) = crate::platform::open_terminal()
        .map_err(|_| Error::KeysPrompt("there is no terminal to ask on".into()))?;
    let prompt_failed = |e: std::io::Error| Error::KeysPrompt(e.to_string());
    writeln!(
        output,
        "Keys of profile '{profile}' for {} (an IAM user's access key):",
        keychain::name()
    )
    .map_err(prompt_failed)?;
    write!(output, "Access key ID: ").map_err(prompt_failed)?;
    output.flush().map_err(prompt_failed)?;
    let mut line = String::new();
    if BufReader::new(input)
        .read_line(&mut line)
        .map_err(prompt_failed)?
        == 0
    {
        return Err(Error::KeysPrompt(
            "the terminal closed before a key id was entered".into(),
        ));
    }
    let access_key_id = line.trim().to_owned();
    // Refused before the secret is typed.
    check_key_id(&access_key_id)?;
    let secret = crate::platform::read_hidden("Secret access key (not shown): ")
        .map_err(|e| Error::KeysPrompt(e.to_string()))?;
    Ok(LongTermKeys {
        access_key_id,
        secret_access_key: Secret::new(secret.trim().to_owned()),
    })
}

fn check_keys(keys: &LongTermKeys) -> Result<(), Error> {
    check_key_id(&keys.access_key_id)?;
    check_secret(keys.secret_access_key.expose())
}

/// The secret, described and never shown: 40 characters of the base64 alphabet, as AWS
/// issues them. Anything else (a bidi override, a look-alike letter, a whole file pasted)
/// would be stored and fail later, or worse, show up in the keychain's own dialogs.
fn check_secret(secret: &str) -> Result<(), Error> {
    let length = secret.chars().count();
    let refused = |why: &str| Error::BadSecretKey {
        what: match length {
            1 => "1 character".into(),
            n => format!("{n} characters"),
        },
        why: why.into(),
    };
    if secret.is_empty() {
        return Err(Error::BadSecretKey {
            what: "empty".into(),
            why: "nothing was given".into(),
        });
    }
    if secret.chars().any(|c| c.is_control() || c.is_whitespace()) {
        return Err(refused("it holds spaces or control characters"));
    }
    if !secret.is_ascii() {
        return Err(refused(
            "it holds characters that are not ASCII (a look-alike letter, a direction mark?)",
        ));
    }
    if !crate::session::looks_like_secret_key(secret) {
        return Err(refused(
            "a secret access key is 40 characters: letters, digits, + and /",
        ));
    }
    Ok(())
}

/// An IAM user's key id: `AKIA` and upper-case letters and digits. `ASIA…` keys are
/// temporary (STS) and cannot ask for an MFA session.
fn check_key_id(id: &str) -> Result<(), Error> {
    if id.starts_with("ASIA") {
        return Err(Error::TemporaryKeys {
            origin: format!("the key id {} starts with ASIA", verbose::key_id(id)),
        });
    }
    // Described, not shown: a secret pasted into the wrong prompt must not reach stderr.
    let well_formed = id.len() == 20
        && id
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit());
    if !well_formed {
        return Err(Error::BadAccessKey {
            what: format!("{} characters", id.chars().count()),
            why: "an access key id is 20 upper-case letters and digits".into(),
        });
    }
    if !id.starts_with("AKIA") {
        return Err(Error::BadAccessKey {
            what: format!("it starts with {}", &id[..4]),
            why: "the long-term key of an IAM user starts with AKIA".into(),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::{check_key_id, check_secret};

    #[test]
    fn only_secrets_of_the_shape_aws_issues() {
        assert!(check_secret("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY").is_ok());
        for bad in [
            "",
            "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKE",
            "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEYY",
            "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKE\u{202e}",
            "wJalrXUtnFEMI-K7MDENG/bPxRfiCYEXAMPLEKEY",
            "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKE=",
        ] {
            assert!(check_secret(bad).is_err(), "{bad:?} accepted");
        }
        let said = check_secret(&"A".repeat(120 * 1024))
            .unwrap_err()
            .to_string();
        assert!(
            said.starts_with("not a secret access key (122880 characters)"),
            "{said}"
        );
    }

    #[test]
    fn only_long_term_key_ids() {
        assert!(check_key_id("AKIAIOSFODNN7EXAMPLE").is_ok());
        for bad in [
            "ASIAIOSFODNN7EXAMPLE",
            "akiaiosfodnn7example",
            "AKIA",
            "AKIA IOSFODNN7EXAMPL",
            "AIDAIOSFODNN7EXAMPLE",
        ] {
            assert!(check_key_id(bad).is_err(), "{bad} accepted");
        }
    }
}
