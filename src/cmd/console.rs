//! `aws-mfa console`: the AWS console, signed in with a role profile's credentials.
//!
//! The role credentials come as for `env` (from the cached MFA session); the federation
//! endpoint turns them into a sign-in URL, which goes to the browser, or with `--print` to
//! stdout only (it is never logged, not even with `-v`).

use std::process::{Command, ExitCode, Stdio};
use std::time::{Duration, Instant};

use crate::cli::ConsoleArgs;
use crate::environment::Environment;
use crate::error::Error;
use crate::federation::{self, SignIn};
use crate::obtain::{self, Prompt};
use crate::plan::Recipient;
use crate::session::Secret;

/// How long an opener may run before it counts as the browser itself, still open.
const OPENER_GRACE: Duration = Duration::from_secs(3);

pub fn run(args: &ConsoleArgs, env: &Environment) -> Result<ExitCode, Error> {
    // Everything that can be refused is refused before a code is asked for.
    let planned = obtain::Planned::new(env, &args.session, Prompt::Terminal)?;
    let plan = planned.plan();
    let Some(last) = plan.roles.last() else {
        return Err(Error::ConsoleNeedsRole {
            profile: plan.profile.name.clone(),
        });
    };
    let region = obtain::sts_region(plan, env);
    let partition = federation::partition(&last.role.arn, region.as_deref());
    let destination = match &args.destination {
        Some(url) => check_destination(url)?,
        None => partition.console.to_owned(),
    };
    federation::endpoint(&partition, env)?;
    // SessionDuration only for a role AssumeRole gave to long-term keys (--no-session, one
    // role): the endpoint refuses it for role-chained credentials.
    let direct = plan.direct && plan.roles.len() == 1;
    let session_duration = direct.then_some(last.seconds);
    let role_profile = last.role.profile.clone();
    let timeout = plan.timeout;
    let session = planned.session(Recipient::Console { own_length: direct })?;
    let started = Instant::now();
    let url = federation::login_url(&SignIn {
        partition,
        credentials: &session.credentials,
        session_duration,
        destination: &destination,
        timeout,
        env,
    })?;
    let ends = match session_duration {
        Some(seconds) => {
            std::time::SystemTime::now() + Duration::from_secs(seconds) - started.elapsed()
        }
        None => session.credentials.expiration,
    };
    let until = format!(
        "the console session lasts until {}{}",
        crate::session::rfc3339(ends),
        if direct {
            ""
        } else {
            " (with the role credentials: role chaining allows no longer; --no-session allows up to the role's maximum)"
        }
    );
    if args.print {
        crate::error::say(&format!(
            "sign-in URL for role profile '{role_profile}' (good for 15 minutes); {until}"
        ));
        super::print(&format!("{}\n", url.expose()))?;
        return Ok(ExitCode::SUCCESS);
    }
    open_in_browser(&url, env)?;
    crate::error::say(&format!(
        "opened the console for role profile '{role_profile}'; {until}"
    ));
    Ok(ExitCode::SUCCESS)
}

/// `--destination`: an https:// URL (a console page).
fn check_destination(url: &str) -> Result<String, Error> {
    let ok = url.parse::<http::Uri>().ok().is_some_and(|u| {
        u.scheme_str() == Some("https") && u.host().is_some_and(|h| !h.is_empty())
    });
    if ok {
        Ok(url.to_owned())
    } else {
        Err(Error::SignIn {
            why: format!(
                "--destination '{}' is not an https:// URL",
                url.escape_debug()
            ),
            hint: Some("give a console page, such as https://console.aws.amazon.com/s3/".into()),
        })
    }
}

/// Opens the URL: each command of `$BROWSER` in turn (a list like PATH; `%s` stands for
/// the URL, else it goes last), else the system's opener. The URL has to be in the
/// opener's argv: no opener reads it from anywhere else.
fn open_in_browser(url: &Secret, env: &Environment) -> Result<(), Error> {
    let mut tried = Vec::new();
    if let Some(list) = env.non_empty_os("BROWSER") {
        for entry in std::env::split_paths(list) {
            let line = entry.to_string_lossy().into_owned();
            let Ok(mut words) = shell_words::split(&line) else {
                tried.push(format!(
                    "BROWSER entry '{}' cannot be split into words",
                    line.escape_debug()
                ));
                continue;
            };
            if words.is_empty() {
                continue;
            }
            // Messages name the program as the user wrote it: after `%s` is replaced it may
            // be the URL itself, sign-in token and all (`BROWSER='%s'`).
            let written = words[0].clone();
            if words.iter().any(|w| w.contains("%s")) {
                for word in &mut words {
                    *word = word.replace("%s", url.expose());
                }
            } else {
                words.push(url.expose().to_owned());
            }
            let (program, args) = words.split_first().expect("not empty");
            match launch(program, args) {
                Ok(()) => return Ok(()),
                Err(why) => tried.push(format!(
                    "BROWSER command '{}' {why}",
                    written.escape_debug()
                )),
            }
        }
    }
    let (program, args) = crate::platform::url_opener(url.expose());
    match launch(program, &args) {
        Ok(()) => Ok(()),
        Err(why) => {
            tried.push(format!("'{program}' {why}"));
            Err(Error::Browser {
                why: tried.join("; "),
            })
        }
    }
}

/// Starts an opener and waits a moment: a failure shows at once, while a browser started
/// directly keeps running (and is left running).
fn launch(program: &str, args: &[String]) -> Result<(), String> {
    let mut child = Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        // stdout carries only what aws-mfa prints.
        .stdout(Stdio::null())
        .spawn()
        .map_err(|e| format!("cannot be started: {e}"))?;
    let started = Instant::now();
    while started.elapsed() < OPENER_GRACE {
        match child.try_wait() {
            Ok(Some(status)) if status.success() => return Ok(()),
            Ok(Some(status)) => return Err(format!("failed ({status})")),
            Ok(None) => std::thread::sleep(Duration::from_millis(25)),
            Err(e) => return Err(format!("cannot be waited for: {e}")),
        }
    }
    Ok(())
}
