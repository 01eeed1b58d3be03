//! A real Secret Service for the keychain tests: a private D-Bus session bus and an
//! unlocked `gnome-keyring-daemon` on it, one per test, in the test's private home. The
//! bus has no service directories, so nothing is started behind the test's back (a
//! stopped daemon stays stopped, and no prompter window is ever looked for).

use std::io::{BufRead, BufReader, Write};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use super::TestEnv;
use super::peers::require;

/// The password the test keyring is unlocked with.
const PASSWORD: &str = "test-keyring-password";

pub struct Keyring {
    bus: Child,
    daemon: Option<Child>,
    secret_tool: PathBuf,
    dbus_send: PathBuf,
}

impl Keyring {
    /// Starts the bus and the daemon for `env` and points `env`'s processes at them.
    /// `None` (with a note) when the tools are missing outside CI.
    pub fn start(env: &mut TestEnv) -> Option<Keyring> {
        let dbus_daemon = require("dbus-daemon")?;
        let daemon_program = require("gnome-keyring-daemon")?;
        let secret_tool = require("secret-tool")?;
        let dbus_send = require("dbus-send")?;

        let socket = env.path().join("bus.socket");
        let config = env.path().join("bus.conf");
        std::fs::write(
            &config,
            format!(
                r#"<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:path={}</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
"#,
                socket.display()
            ),
        )
        .unwrap();
        let mut bus = env
            .command(&dbus_daemon)
            .arg(format!("--config-file={}", config.display()))
            .args(["--nofork", "--nopidfile", "--print-address=1"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start dbus-daemon");
        let mut address = String::new();
        BufReader::new(bus.stdout.take().unwrap())
            .read_line(&mut address)
            .expect("the bus address");
        let address = address.trim().to_owned();
        assert!(!address.is_empty(), "dbus-daemon printed no address");
        env.set("DBUS_SESSION_BUS_ADDRESS", &address);

        let mut daemon = env
            .command(&daemon_program)
            .args(["--unlock", "--components=secrets", "--foreground"])
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start gnome-keyring-daemon");
        daemon
            .stdin
            .take()
            .unwrap()
            .write_all(PASSWORD.as_bytes())
            .unwrap();
        let keyring = Keyring {
            bus,
            daemon: Some(daemon),
            secret_tool,
            dbus_send,
        };
        keyring.wait_until_served(env);
        Some(keyring)
    }

    fn wait_until_served(&self, env: &TestEnv) {
        let started = Instant::now();
        loop {
            let out = env.output(&mut self.dbus_call(
                env,
                "/org/freedesktop/DBus",
                "org.freedesktop.DBus.NameHasOwner",
                "org.freedesktop.DBus",
                &["string:org.freedesktop.secrets"],
            ));
            if out.stdout.contains("boolean true") {
                return;
            }
            assert!(
                started.elapsed() < Duration::from_secs(30),
                "gnome-keyring-daemon never took the Secret Service name: {out:?}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn dbus_call(
        &self,
        env: &TestEnv,
        path: &str,
        method: &str,
        destination: &str,
        args: &[&str],
    ) -> Command {
        let mut command = env.command(&self.dbus_send);
        command
            .args(["--session", "--print-reply", "--type=method_call"])
            .arg(format!("--dest={destination}"))
            .arg(path)
            .arg(method)
            .args(args);
        command
    }

    /// What the keychain holds for `profile` under aws-mfa's service, read by libsecret's
    /// own tool: `None` when nothing.
    pub fn lookup(&self, env: &TestEnv, profile: &str) -> Option<String> {
        let out = env.output(
            env.command(&self.secret_tool)
                .args(["lookup", "service", "aws-mfa", "username", profile]),
        );
        (out.code == Some(0) && !out.stdout.is_empty()).then_some(out.stdout)
    }

    /// Files `password` for `profile` under aws-mfa's service with libsecret's own tool,
    /// as another program could.
    pub fn store(&self, env: &TestEnv, profile: &str, password: &str) {
        let mut child = env
            .command(&self.secret_tool)
            .args([
                "store",
                "--label=planted",
                "service",
                "aws-mfa",
                "username",
                profile,
            ])
            .stdin(Stdio::piped())
            .spawn()
            .expect("start secret-tool");
        child
            .stdin
            .take()
            .unwrap()
            .write_all(password.as_bytes())
            .unwrap();
        assert!(child.wait().unwrap().success(), "secret-tool store");
    }

    /// Locks the login collection, as a screen lock or `seahorse` would.
    pub fn lock(&self, env: &TestEnv) {
        let out = env.output(&mut self.dbus_call(
            env,
            "/org/freedesktop/secrets",
            "org.freedesktop.Secret.Service.Lock",
            "org.freedesktop.secrets",
            &["array:objpath:/org/freedesktop/secrets/collection/login"],
        ));
        assert_eq!(out.code, Some(0), "lock the keyring: {out:?}");
    }

    /// Stops the daemon for good: nobody serves the Secret Service any more.
    pub fn stop(&mut self) {
        if let Some(mut daemon) = self.daemon.take() {
            let _ = daemon.kill();
            let _ = daemon.wait();
        }
    }

    /// Freezes (`true`) or thaws the daemon: frozen, it takes calls and never answers.
    pub fn freeze(&self, frozen: bool) {
        let daemon = self.daemon.as_ref().expect("the daemon runs");
        let signal = if frozen { libc::SIGSTOP } else { libc::SIGCONT };
        // SAFETY: a signal to our own child.
        unsafe { libc::kill(daemon.id() as i32, signal) };
    }
}

impl Drop for Keyring {
    fn drop(&mut self) {
        if let Some(daemon) = &self.daemon {
            // SAFETY: a signal to our own child; a frozen one must run to die cleanly.
            unsafe { libc::kill(daemon.id() as i32, libc::SIGCONT) };
        }
        self.stop();
        let _ = self.bus.kill();
        let _ = self.bus.wait();
    }
}
