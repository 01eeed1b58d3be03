//! Real programs the tests talk to. Missing ones are skipped with a note; with `CI` set
//! they are required, so CI cannot skip them silently.

use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The program's path, or `None` (with a printed note) when it is missing outside CI.
pub fn require(program: &str) -> Option<PathBuf> {
    let found = on_path(program);
    if found.is_none() {
        if std::env::var_os("CI").is_some() {
            panic!("{program} is required when CI is set; .ci/run installs it");
        }
        eprintln!("note: {program} is not installed; skipping this test");
    }
    found
}

/// Where `program` is on PATH, if it is.
pub fn on_path(program: &str) -> Option<PathBuf> {
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|dir| dir.join(program))
            .find(|path| path.is_file())
    })
}

/// Python can import `module` (boto3), or `None` with a note (a failure under CI).
pub fn require_python_module(module: &str) -> Option<PathBuf> {
    let python = require("python3")?;
    let ok = Command::new(&python)
        .args(["-c", &format!("import {module}")])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !ok {
        if std::env::var_os("CI").is_some() {
            panic!("python module {module} is required when CI is set; .ci/run installs it");
        }
        eprintln!("note: python module {module} is not installed; skipping this test");
        return None;
    }
    Some(python)
}

/// `moto_server` on a free loopback port, stopped on drop.
pub struct Moto {
    child: Child,
    pub url: String,
}

impl Moto {
    pub fn start() -> Option<Self> {
        let program = require("moto_server")?;
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("free port")
            .port();
        let child = Command::new(program)
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start moto_server");
        let started = Instant::now();
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                started.elapsed() < Duration::from_secs(30),
                "moto_server did not start"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        Some(Moto {
            child,
            url: format!("http://127.0.0.1:{port}"),
        })
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
