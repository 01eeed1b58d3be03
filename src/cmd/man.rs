//! `aws-mfa man`: one manual page for the whole program, as roff (`aws-mfa man | man -l -`).
//!
//! clap_mangen writes a page per command; a tool this small reads better as one page, so
//! each command's synopsis, description and options follow the top-level sections.

use std::process::ExitCode;

use clap::CommandFactory;
use clap_mangen::Man;
use clap_mangen::roff::{Roff, bold, roman};

use crate::cli::{Cli, ManArgs};
use crate::environment::Environment;
use crate::error::Error;
use crate::shell::Shell;

pub fn run(_args: &ManArgs, _env: &Environment) -> Result<ExitCode, Error> {
    super::print(&page())?;
    Ok(ExitCode::SUCCESS)
}

pub fn page() -> String {
    let mut cmd = Cli::command();
    cmd.build();
    let top = Man::new(cmd.clone()).manual("User Commands");
    let mut out = Vec::new();
    top.render_title(&mut out).expect("render to memory");
    top.render_name_section(&mut out).expect("render to memory");
    top.render_synopsis_section(&mut out)
        .expect("render to memory");
    top.render_description_section(&mut out)
        .expect("render to memory");
    top.render_options_section(&mut out)
        .expect("render to memory");

    for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
        let name = format!("aws-mfa {}", sub.get_name());
        let mut heading = Roff::new();
        heading.control("SH", [name.to_uppercase().as_str()]);
        heading.to_writer(&mut out).expect("render to memory");
        let man = Man::new(sub.clone());
        let mut body = Vec::new();
        man.render_synopsis_section(&mut body)
            .expect("render to memory");
        man.render_description_section(&mut body)
            .expect("render to memory");
        if sub.get_arguments().any(|a| !a.is_hide_set()) {
            man.render_options_section(&mut body)
                .expect("render to memory");
        }
        // Each command's parts become paragraphs of its own section.
        let body = String::from_utf8(body).expect("roff is UTF-8");
        for line in body.lines() {
            match line.strip_prefix(".SH ") {
                Some(title) if title != "DESCRIPTION" && title != "SYNOPSIS" => {
                    out.extend_from_slice(format!(".SS {title}\n").as_bytes());
                }
                Some(_) => out.extend_from_slice(b".PP\n"),
                None => out.extend_from_slice(format!("{line}\n").as_bytes()),
            }
        }
    }

    let mut integration = Roff::new();
    integration.control("SH", ["SHELL INTEGRATION"]);
    integration.text([roman(
        "One line in the shell's startup file defines aws-mfa-session [PROFILE] [OPTIONS] \
         (a session in this shell, evaluated only when aws-mfa succeeded), aws-mfa-clear \
         (remove it) and aws-mfa-prompt (the profile and the time left, for a prompt):",
    )]);
    // One-line set-ups first, then those with a second step ("then in …").
    let mut inits: Vec<_> = Shell::ALL.iter().filter_map(|shell| shell.init()).collect();
    inits.sort_by_key(|init| init.place.starts_with("then "));
    for init in inits {
        integration.control("IP", []);
        integration.text([bold(format!("{:<30}   # {}", init.line, init.place))]);
    }
    integration.to_writer(&mut out).expect("render to memory");
    reference().to_writer(&mut out).expect("render to memory");
    top.render_version_section(&mut out)
        .expect("render to memory");
    // Every piece rendered on its own starts with roff's apostrophe preamble: keep one.
    let page = String::from_utf8(out).expect("roff is UTF-8");
    format!("{APOSTROPHES}{}", page.replace(APOSTROPHES, ""))
}

/// EXAMPLES, ENVIRONMENT, FILES and EXIT STATUS: what `--help` has no room for.
fn reference() -> Roff {
    let mut roff = Roff::new();
    roff.control("SH", ["EXAMPLES"]);
    let evals = eval_lines();
    let evals: Vec<&str> = evals.iter().map(String::as_str).collect();
    let first = (
        "Put a session in this shell (the shell is told by the process that runs aws-mfa):",
        evals.as_slice(),
    );
    for (what, lines) in std::iter::once(&first).chain(EXAMPLES) {
        roff.control("PP", []);
        roff.text([roman(*what)]);
        roff.control("RS", ["4"]);
        roff.control("nf", []);
        for line in *lines {
            if line.is_empty() {
                roff.control("sp", []);
            } else {
                roff.text([bold(*line)]);
            }
        }
        roff.control("fi", []);
        roff.control("RE", []);
    }
    for (title, entries) in [
        ("ENVIRONMENT", ENVIRONMENT),
        ("FILES", FILES),
        ("EXIT STATUS", EXIT_STATUS),
        ("DIAGNOSTICS", DIAGNOSTICS),
    ] {
        roff.control("SH", [title]);
        for (tag, text) in entries {
            roff.control("TP", []);
            roff.text([bold(*tag)]);
            roff.text([roman(*text)]);
        }
    }
    roff
}

/// Each shell's line that evaluates `aws-mfa env`, shells sharing a line on one.
fn eval_lines() -> Vec<String> {
    let mut lines: Vec<(&str, Vec<&str>)> = Vec::new();
    for eval in Shell::ALL
        .iter()
        .filter_map(|shell| shell.writer().eval.as_ref())
    {
        match lines.iter_mut().find(|(line, _)| *line == eval.line) {
            Some((_, who)) => who.push(eval.who),
            None => lines.push((eval.line, vec![eval.who])),
        }
    }
    lines
        .iter()
        .map(|(line, who)| format!("{line:<44}   # {}", who.join(", ")))
        .collect()
}

const EXAMPLES: &[(&str, &[&str])] = &[
    (
        "nushell cannot evaluate text: aws-mfa-session (from aws-mfa init nu) reads aws-mfa env --shell json as data in one step; or save the statements and source the file on the next line (source reads a file when its line is parsed; the file holds the session, so keep it private):",
        &[
            "aws-mfa-session work",
            "aws-mfa env | save -f ~/.cache/aws-mfa-session.nu",
            "source ~/.cache/aws-mfa-session.nu",
        ],
    ),
    (
        "Run one command with a session, leaving the shell as it is; with no command, a subshell:",
        &["aws-mfa exec -- terraform plan", "aws-mfa exec"],
    ),
    (
        "A role: role_arn and source_profile in ~/.aws/config; one MFA prompt covers every role for the session's life:",
        &[
            "[profile admin]",
            "role_arn = arn:aws:iam::111111111111:role/admin",
            "source_profile = default",
            "",
            "aws-mfa exec -p admin -- aws sts get-caller-identity",
        ],
    ),
    (
        "For the SDKs and tools that read profiles (AWS_PROFILE=work aws s3 ls):",
        &[
            "[profile work]",
            "credential_process = aws-mfa credential-process --profile admin",
        ],
    ),
    (
        "Replace a keychain-held key every 90 days under one MFA session (doctor shows its age); the old key is deleted once the new one is stored, or deactivated with --keep-old:",
        &["aws-mfa add work", "aws-mfa rotate work"],
    ),
    (
        "Take the code from a password manager instead of the terminal:",
        &[
            "[default]",
            "mfa_serial = arn:aws:iam::123456789012:mfa/you",
            "mfa_process = op item get AWS --otp",
        ],
    ),
];

const ENVIRONMENT: &[(&str, &str)] = &[
    (
        "AWS_PROFILE, AWS_MFA_PROFILE",
        "The profile to use when -p is not given: AWS_PROFILE, else AWS_MFA_PROFILE (the session this shell already holds), else default.",
    ),
    (
        "AWS_CONFIG_FILE, AWS_SHARED_CREDENTIALS_FILE",
        "Where the profile files are, as for the AWS CLI. They are read, never written.",
    ),
    (
        "AWS_MFA_CACHE_DIR",
        "The cache directory, an absolute path (a relative one is refused). Default: the platform cache directory, ~/.cache/aws-mfa on Linux.",
    ),
    (
        "AWS_REGION, AWS_DEFAULT_REGION",
        "The region when neither -r nor the profile names one.",
    ),
    (
        "AWS_ENDPOINT_URL_STS, AWS_ENDPOINT_URL, AWS_CA_BUNDLE",
        "Where STS is reached, and an extra CA to trust, as the AWS SDKs read them.",
    ),
    (
        "AWS_MFA_ENV_NAMES",
        "Set by env with a profile's aws_mfa_env variables: their names, space-separated. The next env (another profile) and env --unset remove those names, and only those.",
    ),
    (
        "SHELL",
        "The shell env writes for when the process that runs aws-mfa is not a shell it knows.",
    ),
    (
        "Set by a session",
        "AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN, AWS_CREDENTIAL_EXPIRATION (RFC 3339 UTC), AWS_REGION and AWS_DEFAULT_REGION (when a region is known), AWS_MFA_PROFILE. Removed: AWS_PROFILE, AWS_DEFAULT_PROFILE, AWS_SECURITY_TOKEN, AWS_ACCOUNT_ID.",
    ),
];

const FILES: &[(&str, &str)] = &[
    (
        "~/.aws/credentials",
        "The long-term keys: aws_access_key_id and aws_secret_access_key under [NAME].",
    ),
    (
        "~/.aws/config",
        "Under [default] or [profile NAME]: mfa_serial (the MFA device), mfa_process (a command that prints a code; run without a shell), duration_seconds, region, role_arn, source_profile, role_session_name, external_id, endpoint_url; aws_mfa_env, followed by indented NAME = value lines: variables env sets with the session (a leading ~ is the home directory), exec and the --server child get, and switching profile or env --unset removes. A name starting with AWS_ or not a variable name is an error naming the line. An mfa_process silent for a second is announced on the terminal, or else by a desktop notification (notify-send, osascript, a PowerShell balloon) naming the profile and the program.",
    ),
    (
        "~/.cache/aws-mfa/ (or $AWS_MFA_CACHE_DIR)",
        "Cached sessions and role credentials, one file each (directory 0700, files 0600), a record of the last code used per device, and the devices found by a lookup. aws-mfa clear forgets them.",
    ),
];

const EXIT_STATUS: &[(&str, &str)] = &[
    ("0", "Success."),
    (
        "1",
        "Failure, said on stderr as what happened, why, and a hint; nothing is printed on stdout, so eval does nothing.",
    ),
    ("2", "The command line could not be parsed."),
    (
        "exec",
        "The command's own status; 128+N when signal N ended it; 127 when it cannot be found and 126 when it cannot be run (both checked before any code is asked for).",
    ),
];

const DIAGNOSTICS: &[(&str, &str)] = &[
    (
        "aws-mfa: what went wrong: why",
        "Every failure is one such line on stderr, with a hint: line under it when there is something to do. Text from outside (STS's words, profile names, paths) is shown with control characters escaped; no secret is ever shown.",
    ),
    (
        "STS rejected the MFA code",
        "A wrong code, or one already used in its 30-second window: wait for the next.",
    ),
    (
        "InvalidClientTokenId",
        "The access key was deleted or rotated: check aws_access_key_id. For a call the cached session signed (a role's AssumeRole, rotate), the key that made the session is gone: run again with --refresh.",
    ),
    (
        "SignatureDoesNotMatch",
        "A wrong aws_secret_access_key, or this machine's clock is off (doctor measures it).",
    ),
    (
        "ExpiredToken",
        "The credentials that signed the call have expired: run again with --refresh.",
    ),
    (
        "AccessDenied",
        "An IAM policy, or the role's trust policy, denies the call.",
    ),
    (
        "no answer from STS within 15 s",
        "The endpoint took the connection and never answered; --timeout bounds the whole run, retries included. Throttling and HTTP 5xx are retried first (three attempts).",
    ),
    (
        "cannot read the AWS profile files",
        "The file and line where the parser stopped; also a FIFO, a device or a directory named as a profile file, or a line that is not UTF-8.",
    ),
    (
        "profile 'x' cannot be used",
        "A source_profile loop, a role with no source, or a source that does not exist.",
    ),
    (
        "invalid MFA code, invalid duration, invalid --timeout",
        "What was given is described, never echoed; durations run from 15m to 36h (roles: 12h).",
    ),
    (
        "mfa_process 'prog' failed",
        "It exited with a status, was killed, printed no code, or gave none within 60 s; only the program's name is shown.",
    ),
    (
        "cannot run 'cmd'",
        "exec's command is not on PATH (127) or cannot be executed (126); checked before any code is asked for.",
    ),
    (
        "warning: cannot use the cache directory D",
        "It or a directory above it belongs to another user or is writable by others: the command works without the cache.",
    ),
    (
        "warning: ignoring cache entry F",
        "An entry made for another session, corrupt, readable by others, or not a regular file: a fresh session replaces it.",
    ),
    (
        "note: waiting for another aws-mfa",
        "Another terminal is making the same session (perhaps at its prompt); after 90 s this one goes on by itself.",
    ),
];

/// What the roff crate writes first, so that `'` prints as an apostrophe.
const APOSTROPHES: &str = ".ie \\n(.g .ds Aq \\(aq\n.el .ds Aq '\n";
