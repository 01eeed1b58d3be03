//! The failure matrix: one `Case` per hostile condition, and `check`, which runs each
//! twice, plain and with `-v`, each time in a fresh home against a fresh fake STS, and
//! asserts every property: a non-zero exit, an empty stdout, one `aws-mfa: what: why` line
//! naming the cause (never `service error` alone, never a raw XML or HTML body), the hint, no
//! cache entry written, no temp file left, the AWS files unchanged (`TestEnv`'s drop), a
//! bounded time, and no secret (the fake's, the long-term secret, the code) on stderr.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::time::{Duration, Instant};

use super::*;

/// One hostile condition and what the user must see.
#[derive(Clone)]
pub struct Case {
    name: &'static str,
    config: String,
    credentials: String,
    /// Replies the fake gives instead of its normal ones, for one action or for any.
    replies: Vec<(Option<&'static str>, Reply)>,
    accept_only: Option<&'static str>,
    /// Whether STS and IAM are pointed at the fake (`AWS_ENDPOINT_URL_STS`, `…_IAM`).
    at_fake: bool,
    vars: Vec<(&'static str, String)>,
    /// Files written into the test directory (the working directory) first: name, text, mode.
    files: Vec<(&'static str, &'static str, u32)>,
    /// FIFOs made in the test directory first (nothing ever writes to them).
    fifos: Vec<&'static str>,
    /// The subcommand and its options; `-v` goes after these.
    args: Vec<String>,
    /// What follows `--` (exec).
    command: Vec<String>,
    says: Vec<String>,
    /// Text that must not appear anywhere on stderr (a secret from the config, a raw word).
    never_says: Vec<&'static str>,
    hints: Vec<&'static str>,
    exit: Option<i32>,
    calls: Vec<(&'static str, usize)>,
    no_calls: bool,
    /// A role failed after a good MFA session: that session's entry may stay.
    keeps_session: bool,
    within: Duration,
}

impl Case {
    /// `aws-mfa env --shell bash -t CODE` against the default home.
    pub fn env(name: &'static str) -> Self {
        Case {
            name,
            config: DEFAULT_CONFIG.into(),
            credentials: DEFAULT_CREDENTIALS.into(),
            replies: Vec::new(),
            accept_only: None,
            at_fake: true,
            vars: Vec::new(),
            files: Vec::new(),
            fifos: Vec::new(),
            args: ["env", "--shell", "bash", "-t", CODE]
                .map(String::from)
                .to_vec(),
            command: Vec::new(),
            says: Vec::new(),
            never_says: Vec::new(),
            hints: Vec::new(),
            exit: None,
            calls: Vec::new(),
            no_calls: false,
            keeps_session: false,
            // Generous: a slow CI machine with 2 cores, not a benchmark. Retries back off
            // for a few seconds at most.
            within: Duration::from_secs(20),
        }
    }

    /// `aws-mfa exec -t CODE -- COMMAND…`.
    pub fn exec(name: &'static str, command: &[&str]) -> Self {
        Case {
            args: ["exec", "-t", CODE].map(String::from).to_vec(),
            command: command.iter().map(|s| s.to_string()).collect(),
            ..Case::env(name)
        }
    }

    pub fn files(mut self, config: &str, credentials: &str) -> Self {
        self.config = config.into();
        self.credentials = credentials.into();
        self
    }

    /// The code given with `-t`, instead of `CODE`.
    pub fn code(mut self, code: &str) -> Self {
        let at = self
            .args
            .iter()
            .position(|a| a == "-t")
            .expect("a -t option");
        self.args[at + 1] = code.into();
        self
    }

    /// More options for the subcommand.
    pub fn args(mut self, args: &[&str]) -> Self {
        self.args.extend(args.iter().map(|s| s.to_string()));
        self
    }

    /// The subcommand's options, replacing the default ones.
    pub fn only_args(mut self, args: &[&str]) -> Self {
        self.args = args.iter().map(|s| s.to_string()).collect();
        self
    }

    pub fn reply(mut self, reply: Reply) -> Self {
        self.replies.push((None, reply));
        self
    }

    /// Three attempts: what the SDK's standard retry mode makes.
    pub fn three_times(self, reply: Reply) -> Self {
        self.reply(reply.clone()).reply(reply.clone()).reply(reply)
    }

    pub fn reply_for(mut self, action: &'static str, reply: Reply) -> Self {
        self.replies.push((Some(action), reply));
        self
    }

    pub fn accept_only(mut self, code: &'static str) -> Self {
        self.accept_only = Some(code);
        self
    }

    /// Leaves the endpoint to the profile (and the case's variables).
    pub fn endpoint_from_profile(mut self) -> Self {
        self.at_fake = false;
        self
    }

    pub fn var(mut self, name: &'static str, value: &str) -> Self {
        self.vars.push((name, value.into()));
        self
    }

    pub fn file(mut self, name: &'static str, text: &'static str, mode: u32) -> Self {
        self.files.push((name, text, mode));
        self
    }

    pub fn fifo(mut self, name: &'static str) -> Self {
        self.fifos.push(name);
        self
    }

    pub fn never_says(mut self, text: &'static str) -> Self {
        self.never_says.push(text);
        self
    }

    pub fn says(mut self, message: impl Into<String>) -> Self {
        self.says.push(message.into());
        self
    }

    pub fn hint(mut self, hint: &'static str) -> Self {
        self.hints.push(hint);
        self
    }

    pub fn exit(mut self, code: i32) -> Self {
        self.exit = Some(code);
        self
    }

    pub fn calls(mut self, action: &'static str, count: usize) -> Self {
        self.calls.push((action, count));
        self
    }

    pub fn no_calls(mut self) -> Self {
        self.no_calls = true;
        self
    }

    pub fn keeps_session(mut self) -> Self {
        self.keeps_session = true;
        self
    }

    pub fn within(mut self, seconds: u64) -> Self {
        self.within = Duration::from_secs(seconds);
        self
    }
}

/// Rows run at once at most: enough to overlap their waits on retries and timeouts, few
/// enough that each row's time bound holds on a loaded two-core machine.
const ROWS_AT_ONCE: usize = 6;

/// Runs every row, plain and with `-v`; a few rows side by side (most of their time is
/// spent waiting on retries and timeouts).
pub fn check(cases: &[Case]) {
    let runs: Vec<(&Case, bool)> = cases
        .iter()
        .flat_map(|case| [(case, false), (case, true)])
        .collect();
    let next = std::sync::atomic::AtomicUsize::new(0);
    std::thread::scope(|scope| {
        for _ in 0..ROWS_AT_ONCE.min(runs.len()) {
            scope.spawn(|| {
                while let Some(&(case, verbose)) =
                    runs.get(next.fetch_add(1, std::sync::atomic::Ordering::SeqCst))
                {
                    run(case, verbose);
                }
            });
        }
    });
}

fn run(case: &Case, verbose: bool) {
    let fake = FakeSts::start();
    if let Some(code) = case.accept_only {
        fake.accept_only(code);
    }
    for (action, reply) in &case.replies {
        match action {
            Some(action) => fake.then_for(action, reply.clone()),
            None => fake.then(reply.clone()),
        };
    }
    let mut env = TestEnv::with_files(&case.config, &case.credentials);
    if case.at_fake {
        env = env.sts(&fake);
    } else {
        // The profile's endpoint_url would lose to the environment's.
        env.unset("AWS_ENDPOINT_URL");
    }
    for (name, value) in &case.vars {
        env.set(name, value);
    }
    for (name, text, mode) in &case.files {
        let path = env.path().join(name);
        std::fs::write(&path, text).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(*mode)).unwrap();
    }
    for name in &case.fifos {
        make_fifo(&env.path().join(name));
    }
    let mut args: Vec<&str> = case.args.iter().map(String::as_str).collect();
    if verbose {
        args.push("-v");
    }
    if !case.command.is_empty() {
        args.push("--");
        args.extend(case.command.iter().map(String::as_str));
    }

    let started = Instant::now();
    let out = run_bounded(&env, &args, case.within + Duration::from_secs(10));
    let took = started.elapsed();

    let name = format!("{} ({})", case.name, if verbose { "-v" } else { "plain" });
    let err = &out.stderr;
    assert_ne!(out.code, Some(0), "{name}: must fail: {out:#?}");
    if let Some(code) = case.exit {
        assert_eq!(out.code, Some(code), "{name}: exit code: {err}");
    }
    assert_eq!(out.stdout, "", "{name}: stdout must stay empty");
    assert_no_secrets(err);
    assert!(
        !err.contains(ACCESS_KEY) && !err.contains("ASIAFAKE0"),
        "{name}: key ids are shown redacted, if at all: {err}"
    );
    for raw in [
        "service error",
        "dispatch failure",
        "unhandled error",
        "<",
        "Error {",
    ] {
        assert!(!err.contains(raw), "{name}: {raw:?} on stderr: {err}");
    }

    // What reaches the terminal never holds a raw control character (ESC, BEL, NUL…).
    assert!(
        !err.chars().any(|c| c.is_control() && c != '\n'),
        "{name}: a raw control character on stderr: {err:?}"
    );
    for text in &case.never_says {
        assert!(!err.contains(text), "{name}: {text:?} on stderr: {err}");
    }

    // Exactly one error line, `aws-mfa: what: why`, naming the cause; the hint under it.
    let lines: Vec<&str> = err.lines().collect();
    let errors: Vec<usize> = (0..lines.len())
        .filter(|&i| {
            lines[i].starts_with("aws-mfa: ")
                && !lines[i].starts_with("aws-mfa: warning: ")
                && !lines[i].starts_with("aws-mfa: note: ")
        })
        .collect();
    assert_eq!(errors.len(), 1, "{name}: one error line: {err}");
    let line = lines[errors[0]];
    assert!(
        line.matches(": ").count() >= 2,
        "{name}: 'aws-mfa: what: why': {line}"
    );
    for message in &case.says {
        assert!(
            line.contains(message.as_str()),
            "{name}: {message:?} in: {err}"
        );
    }
    if !case.hints.is_empty() {
        let hint = lines.get(errors[0] + 1).copied().unwrap_or("");
        assert!(hint.starts_with("  hint: "), "{name}: a hint: {err}");
        for wanted in &case.hints {
            assert!(hint.contains(wanted), "{name}: hint with {wanted:?}: {err}");
        }
    }
    // Nothing else speaks: no SDK output, no panic. With -v, aws-mfa's own steps.
    for line in &lines {
        let ours = line.starts_with("aws-mfa: ")
            || line.starts_with("  hint: ")
            || (verbose && line.starts_with("aws-mfa ["));
        assert!(
            ours,
            "{name}: a line that is not aws-mfa's: {line:?}\n{err}"
        );
    }
    if verbose {
        for (action, count) in &case.calls {
            if *count > 0 {
                assert!(
                    lines
                        .iter()
                        .any(|l| l.starts_with("aws-mfa [") && l.contains(action)),
                    "{name}: -v shows the {action} call: {err}"
                );
            }
        }
    }

    assert!(
        took < case.within,
        "{name}: took {took:?}, more than {:?}",
        case.within
    );
    for (action, count) in &case.calls {
        assert_eq!(fake.count(action), *count, "{name}: {action} calls");
    }
    if case.no_calls {
        assert!(fake.calls().is_empty(), "{name}: nothing reaches STS");
    }
    assert_cache_clean(&env.cache_dir(), case.keeps_session, &name);
}

/// Runs the binary, killed after `limit`: a run that hangs fails the test instead of
/// hanging the suite.
pub fn run_bounded(env: &TestEnv, args: &[&str], limit: Duration) -> Outcome {
    use std::process::Stdio;
    use std::sync::atomic::{AtomicBool, Ordering};
    let child = env
        .command(BIN)
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let pid = child.id() as libc::pid_t;
    let done = std::sync::Arc::new(AtomicBool::new(false));
    let watchdog = {
        let done = done.clone();
        std::thread::spawn(move || {
            let until = Instant::now() + limit;
            while !done.load(Ordering::SeqCst) {
                if Instant::now() >= until {
                    // SAFETY: kill has no memory effects; the child has not been reaped.
                    unsafe { libc::kill(pid, libc::SIGKILL) };
                    return true;
                }
                std::thread::sleep(Duration::from_millis(50));
            }
            false
        })
    };
    let out = env.output_of(child);
    done.store(true, Ordering::SeqCst);
    let killed = watchdog.join().unwrap();
    assert!(
        !killed,
        "aws-mfa {args:?} still ran after {limit:?}: a hang: {out:#?}"
    );
    out
}

/// No entry (except, when allowed, the MFA session's) and no temp file.
#[track_caller]
pub fn assert_cache_clean(dir: &Path, keeps_session: bool, name: &str) {
    let Ok(listing) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in listing.flatten() {
        let file = entry.file_name().to_string_lossy().into_owned();
        assert!(
            !file.starts_with(".tmp-"),
            "{name}: a temp file was left: {file}"
        );
        if file.ends_with(".json") {
            assert!(
                keeps_session && file.starts_with("session-"),
                "{name}: no cache entry may be written: {file}"
            );
        }
    }
}

/// A FIFO at `path`: opening it for reading blocks until a writer comes, and none ever does.
pub fn make_fifo(path: &Path) {
    use std::os::unix::ffi::OsStrExt;
    let name = std::ffi::CString::new(path.as_os_str().as_bytes()).unwrap();
    // SAFETY: mkfifo reads a NUL-terminated path and has no other memory effects.
    assert_eq!(unsafe { libc::mkfifo(name.as_ptr(), 0o600) }, 0, "mkfifo");
}
