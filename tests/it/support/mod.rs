//! What every integration test shares: a private home with AWS files, the built binary run
//! the way a user runs it, the fake STS, and the real peers (shells, moto, aws CLI, boto3).

pub mod failure_matrix;
pub mod fake_sts;
pub mod js;
pub mod keyring;
pub mod peers;
pub mod pty;
pub mod pwsh;
pub mod server;
pub mod shells;
pub mod signin;
pub mod users;
pub mod wine;
pub mod xonsh;

use std::ffi::OsStr;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

pub use fake_sts::{FakeSts, Keys, Reply};

pub const BIN: &str = env!("CARGO_BIN_EXE_aws-mfa");

/// The long-term keys the test profiles hold.
pub const ACCESS_KEY: &str = "AKIATESTLONGTERM0001";
pub const SECRET_KEY: &str = "LONGTERMSECRET/do-not-print+0001";
pub const SERIAL: &str = "arn:aws:iam::123456789012:mfa/tester";
pub const CODE: &str = "314159";
/// Later codes: STS (and aws-mfa) refuse a code that was just used.
pub const CODE2: &str = "271828";
pub const CODE3: &str = "161803";

pub const DEFAULT_CREDENTIALS: &str = "[default]\naws_access_key_id = AKIATESTLONGTERM0001\naws_secret_access_key = LONGTERMSECRET/do-not-print+0001\n";
pub const DEFAULT_CONFIG: &str =
    "[default]\nmfa_serial = arn:aws:iam::123456789012:mfa/tester\nregion = eu-west-1\n";
/// DEFAULT_CONFIG and `admin`, a role assumed from `[default]`'s MFA session. Tests that
/// need more profiles append them: `format!("{ROLE_CONFIG}\n[profile …]")`.
pub const ROLE_CONFIG: &str = "[default]
mfa_serial = arn:aws:iam::123456789012:mfa/tester
region = eu-west-1

[profile admin]
role_arn = arn:aws:iam::111111111111:role/admin
source_profile = default
";

/// The aws CLI asked which account its credentials are in: it prints the number.
pub const AWS_CLI_ACCOUNT: [&str; 7] = [
    "aws",
    "sts",
    "get-caller-identity",
    "--query",
    "Account",
    "--output",
    "text",
];

/// Every variable of DESIGN §3: set by a session, or removed by one.
pub const SESSION_VARIABLES: [&str; 11] = [
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_CREDENTIAL_EXPIRATION",
    "AWS_REGION",
    "AWS_DEFAULT_REGION",
    "AWS_MFA_PROFILE",
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
    "AWS_SECURITY_TOKEN",
    "AWS_ACCOUNT_ID",
];

/// A private home: `~/.aws/config`, `~/.aws/credentials`, a cache directory. On drop it
/// checks that the AWS files are byte-identical to what the test wrote.
pub struct TestEnv {
    dir: tempfile::TempDir,
    files: Vec<(PathBuf, Vec<u8>)>,
    vars: Vec<(String, String)>,
    removed: Vec<String>,
}

/// Where AWS calls go that no test aimed anywhere: a closed loopback port, so a stray call
/// fails at once instead of resolving an AWS host name.
pub const NOWHERE: &str = "http://127.0.0.1:9";

/// What a run of the binary left: exit status and both streams.
#[derive(Debug)]
pub struct Outcome {
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

impl Outcome {
    /// Asserts a failure the user can act on: non-zero, nothing for `eval`, the message.
    #[track_caller]
    pub fn assert_failure(&self, message: &str) -> &Self {
        assert_ne!(self.code, Some(0), "expected a failure: {self:#?}");
        assert_eq!(self.stdout, "", "stdout must stay empty on failure");
        assert!(
            self.stderr.starts_with("aws-mfa: "),
            "errors start with 'aws-mfa: ': {}",
            self.stderr
        );
        assert!(
            self.stderr.contains(message),
            "stderr should mention {message:?}: {}",
            self.stderr
        );
        assert_no_secrets(&self.stderr);
        self
    }

    #[track_caller]
    pub fn assert_success(&self) -> &Self {
        assert_eq!(self.code, Some(0), "expected success: {self:#?}");
        assert_no_secrets(&self.stderr);
        self
    }
}

/// Every file under `dir` (and its subdirectories) that holds `needle`, as bytes anywhere
/// in it.
pub fn files_holding(dir: &Path, needle: &str) -> Vec<PathBuf> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        let meta = std::fs::symlink_metadata(&path).unwrap();
        if meta.is_dir() {
            found.extend(files_holding(&path, needle));
        } else if meta.is_file() {
            let bytes = std::fs::read(&path).unwrap_or_default();
            if bytes.windows(needle.len()).any(|w| w == needle.as_bytes()) {
                found.push(path);
            }
        }
    }
    found
}

/// The `[default]` profile's long-term keys, as a set the fake verifies signatures with.
pub fn long_term() -> Keys {
    Keys::long_term(ACCESS_KEY, SECRET_KEY)
}

/// Checks credentials JSON (credential_process: token under `SessionToken`; the container
/// endpoint: `Token`) is exactly a set the fake issued, and returns it and its expiry.
#[track_caller]
pub fn assert_fake_credentials(
    fake: &FakeSts,
    doc: &serde_json::Value,
    token_field: &str,
) -> (Keys, std::time::SystemTime) {
    let field = |name: &str| {
        doc[name]
            .as_str()
            .unwrap_or_else(|| panic!("{name} missing: {doc}"))
    };
    let keys = fake.issued_set(
        field("AccessKeyId"),
        field("SecretAccessKey"),
        field(token_field),
    );
    let expiration = humantime::parse_rfc3339(field("Expiration")).expect("RFC 3339");
    (keys, expiration)
}

/// Checks the variables a shell or child holds are exactly a set the fake issued (id,
/// secret and token together), and returns it.
#[track_caller]
pub fn assert_issued_vars(
    fake: &FakeSts,
    vars: &std::collections::BTreeMap<String, String>,
) -> Keys {
    let var = |name: &str| {
        vars.get(name)
            .unwrap_or_else(|| panic!("{name} missing: {:?}", vars.keys().collect::<Vec<_>>()))
    };
    fake.issued_set(
        var("AWS_ACCESS_KEY_ID"),
        var("AWS_SECRET_ACCESS_KEY"),
        var("AWS_SESSION_TOKEN"),
    )
}

/// No secret of ours, nor the fake's, may appear in `text`.
#[track_caller]
pub fn assert_no_secrets(text: &str) {
    for secret in [
        SECRET_KEY,
        fake_sts::SECRET_MARK,
        fake_sts::TOKEN_MARK,
        CODE,
    ] {
        assert!(!text.contains(secret), "a secret ({secret}) leaked: {text}");
    }
}

impl TestEnv {
    /// A home with a `[default]` profile: long-term keys, an MFA device, a region.
    pub fn new() -> Self {
        Self::with_files(DEFAULT_CONFIG, DEFAULT_CREDENTIALS)
    }

    pub fn with_files(config: &str, credentials: &str) -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let aws = dir.path().join("home/.aws");
        std::fs::create_dir_all(&aws).unwrap();
        let mut env = TestEnv {
            dir,
            files: Vec::new(),
            vars: Vec::new(),
            removed: Vec::new(),
        };
        env.write_aws_file("config", config);
        env.write_aws_file("credentials", credentials);
        env
    }

    /// Writes an AWS file on purpose (the drop check then expects the new contents).
    pub fn write_aws_file(&mut self, name: &str, contents: &str) {
        let path = self.home().join(".aws").join(name);
        std::fs::write(&path, contents).unwrap();
        self.files.retain(|(p, _)| p != &path);
        self.files.push((path, contents.as_bytes().to_vec()));
    }

    pub fn home(&self) -> PathBuf {
        self.dir.path().join("home")
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn cache_dir(&self) -> PathBuf {
        self.dir.path().join("cache")
    }

    /// Points STS and IAM (per service: the SDK convention) at the fake, which from then on
    /// knows the `[default]` profile's long-term keys (other keys a test registers with
    /// `FakeSts::knows`).
    pub fn sts(mut self, fake: &FakeSts) -> Self {
        fake.knows(ACCESS_KEY, SECRET_KEY);
        self.set("AWS_ENDPOINT_URL_STS", fake.url());
        self.set("AWS_ENDPOINT_URL_IAM", fake.url());
        self
    }

    /// Sets a variable for every process this environment starts.
    pub fn set(&mut self, name: &str, value: &str) -> &mut Self {
        self.vars.retain(|(n, _)| n != name);
        self.removed.retain(|n| n != name);
        self.vars.push((name.to_owned(), value.to_owned()));
        self
    }

    /// Leaves a variable out, one that `command` would set (`AWS_ENDPOINT_URL`).
    pub fn unset(&mut self, name: &str) -> &mut Self {
        self.vars.retain(|(n, _)| n != name);
        self.removed.push(name.to_owned());
        self
    }

    /// A process in this environment: nothing inherited but PATH, no controlling terminal,
    /// loopback only (AWS calls go to `NOWHERE` unless a test aims them).
    pub fn command(&self, program: impl AsRef<OsStr>) -> Command {
        let mut command = Command::new(program);
        command
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", self.home())
            .env("LANG", "C.UTF-8")
            .env("AWS_CONFIG_FILE", self.home().join(".aws/config"))
            .env(
                "AWS_SHARED_CREDENTIALS_FILE",
                self.home().join(".aws/credentials"),
            )
            .env("AWS_MFA_CACHE_DIR", self.cache_dir())
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .env("AWS_PAGER", "")
            .env("AWS_MFA", BIN)
            .env("AWS_ENDPOINT_URL", NOWHERE)
            .envs(self.vars.iter().map(|(k, v)| (k, v)))
            .stdin(Stdio::null())
            .current_dir(self.dir.path());
        for name in &self.removed {
            command.env_remove(name);
        }
        // SAFETY: setsid is async-signal-safe; it detaches from the test runner's terminal
        // so "no terminal" is the truth unless a test opens a PTY itself.
        unsafe {
            command.pre_exec(|| {
                libc::setsid();
                Ok(())
            });
        }
        command
    }

    /// Runs `aws-mfa ARGS…`.
    pub fn run(&self, args: &[&str]) -> Outcome {
        self.output(self.command(BIN).args(args))
    }

    /// Runs a script in a real shell (`bash -c`, `fish -c`…) in this environment.
    pub fn shell(&self, shell: &Path, flags: &[&str], script: &str) -> Outcome {
        self.output(self.command(shell).args(flags).arg("-c").arg(script))
    }

    pub fn output(&self, command: &mut Command) -> Outcome {
        outcome(command.output().expect("start process"))
    }

    /// Waits for a child started from `command` and collects what it printed.
    pub fn output_of(&self, child: std::process::Child) -> Outcome {
        outcome(child.wait_with_output().expect("wait for process"))
    }
}

fn outcome(output: Output) -> Outcome {
    let Output {
        status,
        stdout,
        stderr,
    } = output;
    Outcome {
        code: status.code().or_else(|| {
            use std::os::unix::process::ExitStatusExt;
            status.signal().map(|s| 128 + s)
        }),
        stdout: String::from_utf8(stdout).expect("utf-8 stdout"),
        stderr: String::from_utf8_lossy(&stderr).into_owned(),
    }
}

impl Default for TestEnv {
    fn default() -> Self {
        Self::new()
    }
}

impl Drop for TestEnv {
    fn drop(&mut self) {
        if std::thread::panicking() {
            return;
        }
        for (path, contents) in &self.files {
            let now = std::fs::read(path).unwrap_or_default();
            assert!(
                now == *contents,
                "{} was changed; aws-mfa must never write the AWS files",
                path.display()
            );
        }
    }
}

/// Parses `env -0` output into name → value.
pub fn parse_env0(text: &str) -> std::collections::BTreeMap<String, String> {
    text.split('\0')
        .filter_map(|entry| entry.split_once('='))
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect()
}

/// Makes every session entry in `env`'s cache say STS granted it `granted`: credentials
/// made short by the fake then stand for long ones near their end (aws-mfa measures its
/// reuse window against the life STS granted).
pub fn entries_granted(env: &TestEnv, granted: std::time::Duration) {
    for entry in std::fs::read_dir(env.cache_dir()).unwrap().flatten() {
        let path = entry.path();
        if path.extension().is_none_or(|x| x != "json") {
            continue;
        }
        let mut doc: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        doc["granted_seconds"] = granted.as_secs().into();
        std::fs::write(&path, doc.to_string()).unwrap();
    }
}

/// What an aws-mfa waiting for another's lock says (after a second of waiting).
pub const WAITING_NOTE: &str = "waiting for another aws-mfa that is making the same session";

/// A process whose stderr is read while it runs: each line holding `needle` counts once in
/// `seen`, so a test can wait for an event (another aws-mfa waiting on a lock) instead of
/// sleeping.
pub struct Watched {
    child: std::process::Child,
    stderr: std::thread::JoinHandle<String>,
}

impl Watched {
    pub fn spawn(
        command: &mut Command,
        needle: &'static str,
        seen: &std::sync::Arc<std::sync::atomic::AtomicUsize>,
    ) -> Self {
        use std::io::BufRead;
        let mut child = command
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start process");
        let pipe = child.stderr.take().unwrap();
        let seen = std::sync::Arc::clone(seen);
        let stderr = std::thread::spawn(move || {
            let mut text = String::new();
            for line in std::io::BufReader::new(pipe).lines() {
                let Ok(line) = line else { break };
                if line.contains(needle) {
                    seen.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                }
                text.push_str(&line);
                text.push('\n');
            }
            text
        });
        Watched { child, stderr }
    }

    /// Waits for the process and returns what it left.
    pub fn finish(self) -> Outcome {
        let output = self.child.wait_with_output().expect("wait for process");
        let stderr = self.stderr.join().expect("stderr reader");
        let mut outcome = outcome(output);
        outcome.stderr = stderr;
        outcome
    }
}

/// Waits (at most a minute: a loaded machine is slow, not stuck) until `done` holds; false
/// when it never did.
pub fn wait_until(mut done: impl FnMut() -> bool) -> bool {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while !done() {
        if std::time::Instant::now() > deadline {
            return false;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    true
}
