//! `aws-mfa clear`: forget cached sessions, so the next run asks for a code again.

use std::process::ExitCode;

use crate::cache;
use crate::cli::ClearArgs;
use crate::environment::Environment;
use crate::error::Error;
use crate::obtain;
use crate::profile::ProfileFiles;

pub fn run(args: &ClearArgs, env: &Environment) -> Result<ExitCode, Error> {
    let (cache, records) = cache::open(env, true);
    let (profile, explicit) = crate::profile::name_to_use(args.profile.as_deref(), env)?;
    let mut removed = 0;
    // The MFA session behind the profile may have been recorded under another profile that
    // shares its keys and device: forget it too, so the next run asks for a code.
    if !args.all
        && let Some(key) = obtain::mfa_session_key(env, &records, &profile, explicit)
        && cache.remove_key(&key)
    {
        removed += 1;
    }
    // Every entry of theirs, trusted or not: one that cannot be read may still hold a live
    // secret.
    let files = if args.all {
        cache.all_entry_files()
    } else {
        cache.entry_files_of(&profile)
    };
    for path in files {
        if cache.remove(&path).is_ok() {
            removed += 1;
        }
    }
    // A writer killed between write and rename leaves a temp file that holds a session.
    let leftovers = if args.all {
        cache.remove_temp_files()
    } else {
        0
    };
    let whose = if args.all {
        "all profiles".to_owned()
    } else {
        format!("profile '{profile}'")
    };
    let whose = crate::error::escape_controls(&whose);
    if removed > 0 || leftovers > 0 {
        let and_leftovers = match leftovers {
            0 => String::new(),
            n => format!(", and {n} temp file(s) a killed aws-mfa left behind"),
        };
        crate::error::say(&format!(
            "forgot {removed} cached session(s) of {whose}{and_leftovers}"
        ));
        return Ok(ExitCode::SUCCESS);
    }
    // Nothing was cached. A profile the files do not know is most likely a typo: say so and
    // fail, so a script that clears the wrong name notices; a known one simply had nothing
    // to forget, which is the state asked for.
    if !args.all
        && let Ok(files) = ProfileFiles::load(env)
        && !files.names().contains(&profile)
    {
        return Err(files.unknown(&profile));
    }
    if args.all {
        crate::error::say("nothing to forget: no session is cached");
    } else {
        crate::error::say(&format!("nothing to forget: no cached session of {whose}"));
    }
    Ok(ExitCode::SUCCESS)
}
