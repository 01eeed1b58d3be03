//! A pseudo-terminal, so a test can be the person at the keyboard: read the prompt, type a
//! code or Ctrl-C, and look at the terminal's settings afterwards.

use std::fs::File;
use std::io::{Read, Write};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::os::unix::process::CommandExt;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

pub struct Pty {
    master: File,
    slave: OwnedFd,
    screen: Arc<Mutex<Vec<u8>>>,
}

/// The terminal settings a person relies on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Mode {
    pub echo: bool,
    pub line_mode: bool,
    pub signals: bool,
}

impl Pty {
    pub fn open() -> Pty {
        let (mut master, mut slave) = (0, 0);
        // SAFETY: openpty fills two fds; null name/termios/winsize are allowed.
        let rc = unsafe {
            libc::openpty(
                &mut master,
                &mut slave,
                std::ptr::null_mut(),
                std::ptr::null(),
                std::ptr::null(),
            )
        };
        assert_eq!(rc, 0, "openpty");
        // SAFETY: both fds were just returned to us and are owned from here on.
        let (master, slave) = unsafe { (File::from_raw_fd(master), OwnedFd::from_raw_fd(slave)) };
        // The child must not inherit the master side.
        unsafe { libc::fcntl(master.as_raw_fd(), libc::F_SETFD, libc::FD_CLOEXEC) };
        let screen = Arc::new(Mutex::new(Vec::new()));
        let mut reader = master.try_clone().unwrap();
        let sink = Arc::clone(&screen);
        std::thread::spawn(move || {
            let mut buf = [0u8; 1024];
            while let Ok(n) = reader.read(&mut buf) {
                if n == 0 {
                    break;
                }
                sink.lock().unwrap().extend_from_slice(&buf[..n]);
            }
        });
        Pty {
            master,
            slave,
            screen,
        }
    }

    /// Makes `command` run with this terminal as its controlling terminal, stdin and
    /// stderr; stdout stays a pipe, as under `eval "$(…)"`.
    pub fn attach(&self, command: &mut Command) -> Child {
        let slave = self.slave.as_raw_fd();
        let input = File::from(self.slave.try_clone().unwrap());
        let errors = File::from(self.slave.try_clone().unwrap());
        command
            .stdin(Stdio::from(input))
            .stderr(Stdio::from(errors))
            .stdout(Stdio::piped());
        // SAFETY: setsid and ioctl are async-signal-safe.
        unsafe {
            command.pre_exec(move || {
                libc::setsid();
                if libc::ioctl(slave, libc::TIOCSCTTY, 0) != 0 {
                    return Err(std::io::Error::last_os_error());
                }
                Ok(())
            });
        }
        command.spawn().expect("start on the terminal")
    }

    /// Everything written to the terminal so far.
    pub fn screen(&self) -> String {
        String::from_utf8_lossy(&self.screen.lock().unwrap()).into_owned()
    }

    /// Waits until the terminal shows `text`.
    #[track_caller]
    pub fn wait_for(&self, text: &str) {
        let started = Instant::now();
        while !self.screen().contains(text) {
            assert!(
                started.elapsed() < Duration::from_secs(20),
                "the terminal never showed {text:?}; it shows {:?}",
                self.screen()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Types on the keyboard.
    pub fn type_keys(&self, keys: &str) {
        (&self.master).write_all(keys.as_bytes()).unwrap();
    }

    pub fn mode(&self) -> Mode {
        // SAFETY: termios is plain data; tcgetattr fills it.
        let mut t: libc::termios = unsafe { std::mem::zeroed() };
        assert_eq!(
            unsafe { libc::tcgetattr(self.slave.as_raw_fd(), &mut t) },
            0
        );
        Mode {
            echo: t.c_lflag & libc::ECHO != 0,
            line_mode: t.c_lflag & libc::ICANON != 0,
            signals: t.c_lflag & libc::ISIG != 0,
        }
    }
}
