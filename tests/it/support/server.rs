//! The harness for `aws-mfa exec --server`: starting it as a terminal would, with a child
//! that records its environment; the endpoint and token the child was told; requests to
//! that endpoint as an SDK makes them; waiting for what the child does.

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::os::unix::process::CommandExt;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::time::{Duration, Instant, SystemTime};

use super::*;

/// How long the harness waits for the child to start or to do what a test waits for.
const PATIENCE: Duration = Duration::from_secs(60);

/// A running `aws-mfa exec --server … -- sh -c SCRIPT` whose child has written its
/// environment to a file.
pub struct Served {
    pub process: Child,
    pub stdin: Option<ChildStdin>,
    /// The child's environment.
    pub env: BTreeMap<String, String>,
}

impl Served {
    /// Starts `aws-mfa exec --server ARGS -- sh -c 'SCRIPT'`; the script first records its
    /// environment. aws-mfa starts with default dispositions for every signal, whatever the
    /// test runner had.
    pub fn start(env: &TestEnv, args: &[&str], script: &str) -> Self {
        Self::start_with_fd_limit(env, args, script, None)
    }

    /// `start`, with at most `nofile` file descriptors for aws-mfa (`RLIMIT_NOFILE`).
    pub fn start_with_fd_limit(
        env: &TestEnv,
        args: &[&str],
        script: &str,
        nofile: Option<libc::rlim_t>,
    ) -> Self {
        let env_file = env.path().join(format!(
            "child-env-{}",
            SystemTime::now()
                .duration_since(SystemTime::UNIX_EPOCH)
                .unwrap()
                .as_nanos()
        ));
        let record = format!("env -0 > \"$0.tmp\" && mv \"$0.tmp\" \"$0\"\n{script}");
        let env_arg = env_file.to_str().expect("a UTF-8 path");
        let mut command = server_command(env, args, &["sh", "-c", &record, env_arg]);
        command.stdin(Stdio::piped());
        // SAFETY: getrlimit and setrlimit are async-signal-safe.
        unsafe {
            command.pre_exec(move || {
                if let Some(limit) = nofile {
                    let mut rlimit = libc::rlimit {
                        rlim_cur: 0,
                        rlim_max: 0,
                    };
                    libc::getrlimit(libc::RLIMIT_NOFILE, &mut rlimit);
                    rlimit.rlim_cur = limit.min(rlimit.rlim_max);
                    libc::setrlimit(libc::RLIMIT_NOFILE, &rlimit);
                }
                Ok(())
            });
        }
        let mut process = command.spawn().expect("start aws-mfa");
        let stdin = process.stdin.take();
        wait_while_running(&mut process, "the child ran", || {
            env_file.exists().then_some(())
        });
        let env = parse_env0(&std::fs::read_to_string(&env_file).unwrap());
        Served {
            process,
            stdin,
            env,
        }
    }

    /// The endpoint and token the child was given.
    pub fn endpoint(&self) -> Endpoint {
        let uri = &self.env["AWS_CONTAINER_CREDENTIALS_FULL_URI"];
        let rest = uri
            .strip_prefix("http://")
            .unwrap_or_else(|| panic!("plain http on loopback: {uri}"));
        let (address, path) = rest.split_at(rest.find('/').expect("a path"));
        Endpoint {
            address: address.to_owned(),
            path: path.to_owned(),
            token: self.env["AWS_CONTAINER_AUTHORIZATION_TOKEN"].clone(),
        }
    }

    /// Sends `signal` to aws-mfa.
    pub fn signal(&self, signal: libc::c_int) {
        send_signal(self.process.id(), signal);
    }

    /// Waits until the child has made `name` in its working directory.
    pub fn wait_for_file(&mut self, env: &TestEnv, name: &str) {
        let path = env.path().join(name);
        wait_while_running(&mut self.process, &format!("the child made {name}"), || {
            path.exists().then_some(())
        });
    }

    pub fn is_running(&mut self) -> bool {
        self.process.try_wait().unwrap().is_none()
    }

    /// Closes the child's stdin (scripts that `read` then exit) and collects the outcome.
    pub fn finish(mut self, env: &TestEnv) -> Outcome {
        drop(self.stdin.take());
        env.output_of(self.process)
    }
}

/// `aws-mfa exec --server ARGS -- CHILD…` as a terminal starts it, stdout and stderr piped.
pub fn server_command(env: &TestEnv, args: &[&str], child: &[&str]) -> Command {
    let mut command = env.command(BIN);
    command
        .args(["exec", "--server"])
        .args(args)
        .arg("--")
        .args(child)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    as_from_a_terminal(&mut command);
    command
}

/// aws-mfa starts with default dispositions for the signals a terminal sends, whatever the
/// test runner had (one started in the background would pass on an ignored SIGINT).
pub fn as_from_a_terminal(command: &mut Command) {
    // SAFETY: signal() is async-signal-safe.
    unsafe {
        command.pre_exec(|| {
            for signal in [libc::SIGINT, libc::SIGQUIT, libc::SIGTERM, libc::SIGHUP] {
                libc::signal(signal, libc::SIG_DFL);
            }
            Ok(())
        });
    }
}

/// Sends `signal` to `pid`, a process of our own tree.
pub fn send_signal(pid: u32, signal: libc::c_int) {
    // SAFETY: kill has no memory effects.
    let rc = unsafe { libc::kill(pid as libc::pid_t, signal) };
    assert_eq!(rc, 0, "kill {pid} with signal {signal}");
}

/// Polls `found` until it gives a value; fails, with what aws-mfa said, if aws-mfa ends
/// first, and fails after a minute.
pub fn wait_while_running<T>(
    process: &mut Child,
    what: &str,
    mut found: impl FnMut() -> Option<T>,
) -> T {
    let started = Instant::now();
    loop {
        if let Some(value) = found() {
            return value;
        }
        if let Some(status) = process.try_wait().unwrap() {
            let mut stderr = String::new();
            if let Some(mut pipe) = process.stderr.take() {
                pipe.read_to_string(&mut stderr).ok();
            }
            panic!("aws-mfa ended ({status}) before {what}: {stderr}");
        }
        assert!(
            started.elapsed() < PATIENCE,
            "not within {PATIENCE:?}: {what}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// The pid of `parent`'s child once it has exec'd `program`.
pub fn child_running(parent: &mut Child, program: &str) -> u32 {
    let pid = parent.id();
    wait_while_running(parent, &format!("{program} ran"), || {
        let children =
            std::fs::read_to_string(format!("/proc/{pid}/task/{pid}/children")).unwrap_or_default();
        children.split_whitespace().find_map(|child| {
            let comm = std::fs::read_to_string(format!("/proc/{child}/comm")).unwrap_or_default();
            (comm.trim() == program).then(|| child.parse().unwrap())
        })
    })
}

/// The endpoint as the child was told it.
pub struct Endpoint {
    pub address: String,
    pub path: String,
    pub token: String,
}

/// What the endpoint answered.
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub body: String,
}

impl Answer {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("JSON ({e}): {}", self.body))
    }
}

impl Endpoint {
    /// What an SDK does: GET the URI with the token as the Authorization header.
    pub fn credentials(&self) -> Answer {
        self.request("GET", &self.path, Some(&self.token))
    }

    /// `credentials`, failing when no answer comes within `limit`.
    pub fn credentials_within(&self, limit: Duration) -> Answer {
        self.request_within("GET", &self.path, Some(&self.token), limit)
    }

    pub fn request(&self, method: &str, path: &str, token: Option<&str>) -> Answer {
        self.request_within(method, path, token, PATIENCE)
    }

    pub fn request_within(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        limit: Duration,
    ) -> Answer {
        let mut stream = TcpStream::connect(&self.address).expect("connect to the endpoint");
        stream.set_read_timeout(Some(limit)).unwrap();
        let authorization = token
            .map(|t| format!("Authorization: {t}\r\n"))
            .unwrap_or_default();
        write!(
            stream,
            "{method} {path} HTTP/1.1\r\nHost: {}\r\nAccept: application/json\r\n{authorization}Content-Length: 0\r\nConnection: close\r\n\r\n",
            self.address
        )
        .unwrap();
        let mut response = String::new();
        stream.read_to_string(&mut response).unwrap();
        let (head, body) = response.split_once("\r\n\r\n").expect("an HTTP answer");
        let status = head
            .split(' ')
            .nth(1)
            .and_then(|s| s.parse().ok())
            .expect("a status line");
        Answer {
            status,
            body: body.to_owned(),
        }
    }
}

/// Credentials as the endpoint hands them out: exactly a set the fake issued.
#[track_caller]
pub fn parse_credentials(fake: &FakeSts, answer: &Answer) -> (Keys, SystemTime) {
    assert_eq!(answer.status, 200, "{answer:?}");
    assert_fake_credentials(fake, &answer.json(), "Token")
}

/// The signers of the child's own GetCallerIdentity calls (not aws-mfa's identity lookups),
/// in order, after asserting there are `calls` of them and that each was signed with a role
/// set the fake issued, never the long-term keys.
pub fn assert_child_calls_signed_by_roles(fake: &FakeSts, calls: usize) -> Vec<Option<Keys>> {
    let signers: Vec<Option<Keys>> = fake
        .calls()
        .into_iter()
        .filter(|c| c.action == "GetCallerIdentity" && !c.is_identity_lookup())
        .map(|c| c.signed_with)
        .collect();
    let roles: Vec<Option<Keys>> = fake
        .issued()
        .into_iter()
        .filter(|i| i.origin == fake_sts::Origin::Role)
        .map(|i| Some(i.keys))
        .collect();
    assert_eq!(signers.len(), calls, "every call reached STS");
    assert!(
        signers.iter().all(|s| roles.contains(s)),
        "each signed with a role set as issued, never the long-term keys of [default]"
    );
    signers
}
