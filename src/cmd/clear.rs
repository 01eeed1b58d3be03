//! `aws-mfa clear`: forget cached sessions, so the next run asks for a code again.

use crate::cache::SessionCache;
use crate::cli::ClearArgs;
use crate::error::Error;
use crate::obtain;

pub fn run(args: &ClearArgs) -> Result<(), Error> {
    let cache = SessionCache::open();
    let (profile, explicit) = obtain::profile_name(args.profile.as_deref())?;
    let mut removed = 0;
    // The MFA session behind the profile may have been recorded under another profile that
    // shares its keys and device: forget it too, so the next run asks for a code.
    if !args.all
        && let Some(key) = obtain::mfa_session_key(&cache, &profile, explicit)
        && cache.remove_key(&key)
    {
        removed += 1;
    }
    for (path, entry) in cache.entries() {
        if (args.all || entry.profile == profile) && cache.remove(&path).is_ok() {
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
    let and_leftovers = match leftovers {
        0 => String::new(),
        n => format!(", and {n} temp file(s) a killed aws-mfa left behind"),
    };
    eprintln!(
        "aws-mfa: forgot {removed} cached session(s) of {}{and_leftovers}",
        crate::error::escape_controls(&whose)
    );
    Ok(())
}
