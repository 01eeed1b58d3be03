//! No terminal but a desktop: the code is asked in a dialog. A stand-in `zenity` (and
//! `kdialog`) on PATH records how it was called and answers from a list; one real zenity
//! under Xvfb is answered with xdotool.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::time::{Duration, Instant};

use crate::support::*;

const NEXT_CODE: &str = "654321";
const THIRD_CODE: &str = "112358";

/// A desktop with stand-in dialog programs: each call is logged (its name, then its
/// arguments one a line) and answered with the next line of `answers` (`CANCEL`: exit 1).
struct Desktop {
    env: TestEnv,
    bin: PathBuf,
    log: PathBuf,
    answers: PathBuf,
}

impl Desktop {
    fn new(fake: &FakeSts, config: &str) -> Self {
        let mut env = TestEnv::with_files(config, DEFAULT_CREDENTIALS).sts(fake);
        let bin = env.path().join("bin");
        std::fs::create_dir(&bin).unwrap();
        let path = format!("{}:{}", bin.display(), std::env::var("PATH").unwrap());
        env.set("PATH", &path).set("DISPLAY", ":99");
        let log = env.path().join("dialogs");
        let answers = env.path().join("answers");
        std::fs::write(&answers, "").unwrap();
        let desktop = Desktop {
            env,
            bin,
            log,
            answers,
        };
        desktop.program("zenity", 0);
        desktop
    }

    /// Installs a stand-in dialog program that takes `delay` seconds to be answered.
    fn program(&self, name: &str, delay: u32) {
        let script = format!(
            "#!/bin/sh\n{{ echo \"=== $(basename \"$0\")\"; printf '%s\\n' \"$@\"; }} >> '{log}'\nsleep {delay}\nanswer=$(head -n 1 '{answers}')\ntail -n +2 '{answers}' > '{answers}.next'; mv '{answers}.next' '{answers}'\n[ \"$answer\" = CANCEL ] && exit 1\nprintf '%s\\n' \"$answer\"\n",
            log = self.log.display(),
            answers = self.answers.display(),
        );
        let path = self.bin.join(name);
        std::fs::write(&path, script).unwrap();
        std::fs::set_permissions(&path, std::os::unix::fs::PermissionsExt::from_mode(0o755))
            .unwrap();
    }

    fn answer(&self, answers: &[&str]) {
        std::fs::write(&self.answers, format!("{}\n", answers.join("\n"))).unwrap();
    }

    /// Each dialog shown: the program's name, then its arguments.
    fn dialogs(&self) -> Vec<Vec<String>> {
        let log = std::fs::read_to_string(&self.log).unwrap_or_default();
        log.split("=== ")
            .filter(|d| !d.is_empty())
            .map(|d| d.lines().map(str::to_owned).collect())
            .collect()
    }
}

#[test]
fn with_no_terminal_a_dialog_names_the_profile_and_the_device() {
    let fake = FakeSts::start();
    let desktop = Desktop::new(&fake, ROLE_CONFIG);
    desktop.answer(&[CODE]);
    let out = desktop
        .env
        .run(&["credential-process", "-p", "admin", "-v"]);
    out.assert_success();
    let doc: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_fake_credentials(&fake, &doc, "SessionToken");
    assert_eq!(fake.calls()[0].param("TokenCode"), Some(CODE));
    assert!(
        out.stderr
            .contains(&format!("MFA code for {SERIAL} from a dialog (zenity)")),
        "{}",
        out.stderr
    );

    let dialogs = desktop.dialogs();
    assert_eq!(dialogs.len(), 1, "{dialogs:?}");
    let dialog = &dialogs[0];
    assert_eq!(dialog[0], "zenity");
    assert!(dialog.contains(&"--entry".to_owned()), "{dialog:?}");
    assert!(
        dialog.contains(&"--title=aws-mfa: MFA code for profile 'admin'".to_owned()),
        "{dialog:?}"
    );
    let text = dialog.join("\n");
    assert!(
        text.contains("--text=Enter the MFA code for profile 'admin'"),
        "{text}"
    );
    assert!(text.contains(&format!("Device: {SERIAL}")), "{text}");
    assert_no_secrets(&text);
}

#[test]
fn cancel_is_a_clear_error_and_nothing_is_asked_of_sts() {
    let fake = FakeSts::start();
    let desktop = Desktop::new(&fake, DEFAULT_CONFIG);
    desktop.answer(&["CANCEL"]);
    desktop
        .env
        .run(&["env", "--shell", "bash"])
        .assert_failure("the MFA code dialog for profile 'default' was cancelled")
        .assert_failure("-t CODE");
    assert!(fake.calls().is_empty());
    assert_eq!(desktop.dialogs().len(), 1, "Cancel is not asked again");
}

#[test]
fn a_malformed_then_a_rejected_code_get_another_dialog_saying_why() {
    let fake = FakeSts::start();
    fake.accept_only(NEXT_CODE);
    let desktop = Desktop::new(&fake, DEFAULT_CONFIG);
    desktop.answer(&["12345", CODE, NEXT_CODE]);
    let out = desktop.env.run(&["env", "--shell", "bash"]);
    out.assert_success();
    assert!(out.stdout.contains("export AWS_SESSION_TOKEN="));
    let dialogs: Vec<String> = desktop.dialogs().iter().map(|d| d.join("\n")).collect();
    assert_eq!(dialogs.len(), 3, "{dialogs:?}");
    assert!(!dialogs[0].contains("invalid MFA code"));
    assert!(
        dialogs[1].contains("invalid MFA code: a code is 6 digits, not 5 digits"),
        "{}",
        dialogs[1]
    );
    assert!(
        dialogs[2].contains("STS rejected the MFA code"),
        "{}",
        dialogs[2]
    );
    let codes: Vec<String> = fake
        .mints()
        .iter()
        .map(|c| c.param("TokenCode").unwrap().to_owned())
        .collect();
    assert_eq!(codes, [CODE, NEXT_CODE], "the malformed one never left");
}

#[test]
fn three_tries_then_the_reason_and_a_used_code_is_named_as_such() {
    let fake = FakeSts::start();
    fake.accept_only("000000");
    let desktop = Desktop::new(&fake, DEFAULT_CONFIG);
    desktop.answer(&[CODE, NEXT_CODE, THIRD_CODE, "999999"]);
    desktop
        .env
        .run(&["env", "--shell", "bash"])
        .assert_failure("GetSessionToken failed: STS rejected the MFA code");
    assert_eq!(desktop.dialogs().len(), 3);
    assert_eq!(fake.count("GetSessionToken"), 3);

    // A code just sent is refused before any call, and the next dialog says so.
    let fake = FakeSts::start();
    let desktop = Desktop::new(&fake, DEFAULT_CONFIG);
    let no_cache = ["env", "--shell", "bash", "--no-cache"];
    let mut with_code = no_cache.to_vec();
    with_code.extend(["-t", CODE]);
    desktop.env.run(&with_code).assert_success();
    desktop.answer(&[CODE, NEXT_CODE]);
    desktop.env.run(&no_cache).assert_success();
    let dialogs = desktop.dialogs();
    assert_eq!(dialogs.len(), 2);
    assert!(
        dialogs[1]
            .join("\n")
            .contains("that code was just used; wait for the next one"),
        "{dialogs:?}"
    );
    assert_eq!(fake.count("GetSessionToken"), 2);
}

#[test]
fn parallel_calls_show_one_dialog() {
    let fake = FakeSts::start();
    let desktop = Desktop::new(&fake, ROLE_CONFIG);
    desktop.program("zenity", 0);
    desktop.answer(&[CODE, NEXT_CODE, THIRD_CODE]);
    // The session's answer is held until the three other callers are seen waiting on the
    // first one's lock: all four overlap, whatever the machine's load.
    fake.hold(&["GetSessionToken"]);
    let waited = Arc::new(AtomicUsize::new(0));
    let runs: Vec<Watched> = (0..4)
        .map(|_| {
            Watched::spawn(
                desktop
                    .env
                    .command(BIN)
                    .args(["credential-process", "-p", "admin"]),
                WAITING_NOTE,
                &waited,
            )
        })
        .collect();
    let overlapped =
        wait_until(|| fake.waiting() > 1 || (fake.waiting() == 1 && waited.load(SeqCst) == 3));
    let held = fake.waiting();
    fake.release();
    let outs: Vec<Outcome> = runs.into_iter().map(Watched::finish).collect();
    assert!(overlapped, "the four never overlapped: {outs:#?}");
    assert_eq!(held, 1, "one session was asked for while the others waited");
    let keys: Vec<Keys> = outs
        .iter()
        .map(|out| {
            out.assert_success();
            let doc: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
            assert_fake_credentials(&fake, &doc, "SessionToken").0
        })
        .collect();
    assert_eq!(desktop.dialogs().len(), 1, "one dialog for all four");
    assert_eq!(fake.count("GetSessionToken"), 1);
    assert_eq!(fake.count("AssumeRole"), 1);
    assert!(keys.iter().all(|k| k == &keys[0]), "{keys:?}");
    assert_eq!(keys[0], fake.keys(2), "the role's set");
}

#[test]
fn mfa_process_comes_before_the_dialog() {
    let fake = FakeSts::start();
    let mut desktop = Desktop::new(&fake, DEFAULT_CONFIG);
    let script = desktop.env.path().join("otp.sh");
    std::fs::write(&script, format!("#!/bin/sh\necho {CODE}\n")).unwrap();
    std::fs::set_permissions(&script, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let config = format!("{DEFAULT_CONFIG}mfa_process = {}\n", script.display());
    desktop.env.write_aws_file("config", &config);
    desktop.answer(&[NEXT_CODE]);
    desktop
        .env
        .run(&["env", "--shell", "bash"])
        .assert_success();
    assert!(desktop.dialogs().is_empty());
    assert_eq!(fake.calls()[0].param("TokenCode"), Some(CODE));
}

#[test]
fn kdialog_on_a_kde_desktop() {
    let fake = FakeSts::start();
    let mut desktop = Desktop::new(&fake, DEFAULT_CONFIG);
    desktop.program("kdialog", 0);
    desktop.env.set("XDG_CURRENT_DESKTOP", "KDE");
    desktop.answer(&[CODE]);
    desktop
        .env
        .run(&["env", "--shell", "bash"])
        .assert_success();
    let dialogs = desktop.dialogs();
    assert_eq!(dialogs.len(), 1);
    assert_eq!(
        dialogs[0][..4],
        [
            "kdialog",
            "--title",
            "aws-mfa: MFA code for profile 'default'",
            "--inputbox"
        ]
    );
    let text = dialogs[0][4..].join("\n");
    assert!(
        text.contains("profile 'default'") && text.contains(SERIAL),
        "{text}"
    );
}

#[test]
fn neither_terminal_nor_desktop_says_what_would_have_worked() {
    let fake = FakeSts::start();
    let mut desktop = Desktop::new(&fake, DEFAULT_CONFIG);
    desktop.answer(&[CODE]);
    let what_works = |env: &TestEnv| {
        env.run(&["env", "--shell", "bash"])
            .assert_failure("no MFA code: there is no terminal to ask on")
            .assert_failure("pass the code with -t CODE, set mfa_process in the profile, or run it in a terminal")
            .assert_failure("a dialog needs DISPLAY or WAYLAND_DISPLAY set and zenity or kdialog on PATH");
    };
    // A dialog program but no desktop.
    desktop.env.unset("DISPLAY");
    what_works(&desktop.env);
    // A desktop (Wayland) but no dialog program on PATH.
    let empty = desktop.env.path().join("empty");
    desktop
        .env
        .set("WAYLAND_DISPLAY", "wayland-0")
        .set("PATH", &empty.display().to_string());
    what_works(&desktop.env);
    assert!(desktop.dialogs().is_empty());
    assert!(fake.calls().is_empty());
}

/// Whether a tool the real-dialog test needs is here; with CI set, missing is a failure.
pub(crate) fn have(tool: &str) -> bool {
    let found = std::process::Command::new("sh")
        .args(["-c", &format!("command -v {tool}")])
        .output()
        .is_ok_and(|o| o.status.success());
    if !found {
        assert!(
            std::env::var_os("CI").is_none(),
            "{tool} is required with CI set (.ci/run installs it)"
        );
        eprintln!("note: {tool} not found: skipping the real dialog test");
    }
    found
}

/// Xvfb on a free display, stopped on drop.
pub(crate) struct Xvfb {
    child: std::process::Child,
    pub(crate) display: String,
}

impl Xvfb {
    pub(crate) fn start() -> Self {
        // Tests in this process start Xvfbs at the same time: each tries display
        // numbers until its own server holds the display's lock (the lock file
        // names its pid) and answers a connection. A server that lost the race
        // is retried on the next number, never taken for another test's display.
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let first = 90 + std::process::id() as usize % 500;
        let started = Instant::now();
        loop {
            let n = first + NEXT.fetch_add(1, SeqCst);
            let mut child = std::process::Command::new("Xvfb")
                .args([
                    format!(":{n}").as_str(),
                    "-screen",
                    "0",
                    "800x600x24",
                    "-nolisten",
                    "tcp",
                ])
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::null())
                .spawn()
                .expect("start Xvfb");
            let ours = child.id().to_string();
            loop {
                assert!(
                    started.elapsed() < Duration::from_secs(20),
                    "Xvfb did not start"
                );
                if child.try_wait().unwrap().is_some() {
                    break;
                }
                let lock = std::fs::read_to_string(format!("/tmp/.X{n}-lock")).unwrap_or_default();
                if lock.trim() == ours
                    && std::os::unix::net::UnixStream::connect(format!("/tmp/.X11-unix/X{n}"))
                        .is_ok()
                {
                    return Xvfb {
                        child,
                        display: format!(":{n}"),
                    };
                }
                std::thread::sleep(Duration::from_millis(50));
            }
        }
    }

    pub(crate) fn run(&self, program: &str, args: &[&str]) -> std::process::Output {
        std::process::Command::new(program)
            .args(args)
            .env("DISPLAY", &self.display)
            .output()
            .unwrap_or_else(|e| panic!("{program}: {e}"))
    }
}

impl Drop for Xvfb {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn a_real_zenity_under_xvfb_answered_with_xdotool() {
    if !["Xvfb", "zenity", "xdotool", "import"]
        .iter()
        .all(|t| have(t))
    {
        return;
    }
    let fake = FakeSts::start();
    let mut env = TestEnv::with_files(ROLE_CONFIG, DEFAULT_CREDENTIALS).sts(&fake);
    // A display nobody serves: zenity's failure is reported, not taken for Cancel.
    env.set("DISPLAY", ":7777");
    env.run(&["credential-process", "-p", "admin"])
        .assert_failure("the MFA code dialog (zenity) failed: it ended with exit status 1")
        .assert_failure("cannot open display");
    let x = Xvfb::start();
    env.set("DISPLAY", &x.display);
    let mut child = env
        .command(BIN)
        .args(["credential-process", "-p", "admin"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();

    // The dialog's window is found by its title, which names the profile.
    let title = "aws-mfa: MFA code for profile 'admin'";
    let started = Instant::now();
    let window = loop {
        let found = x.run("xdotool", &["search", "--name", "MFA code for profile"]);
        let ids = String::from_utf8_lossy(&found.stdout).trim().to_owned();
        if let Some(id) = ids.lines().last().filter(|id| !id.is_empty()) {
            break id.to_owned();
        }
        if let Some(status) = child.try_wait().unwrap() {
            let mut stderr = String::new();
            std::io::Read::read_to_string(child.stderr.as_mut().unwrap(), &mut stderr).unwrap();
            panic!("aws-mfa ended ({status}) before its dialog appeared: {stderr}");
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "no dialog appeared"
        );
        std::thread::sleep(Duration::from_millis(100));
    };
    let name = x.run("xdotool", &["getwindowname", &window]);
    assert_eq!(String::from_utf8_lossy(&name.stdout).trim(), title);
    // Once it is drawn (more than a blank screen's colours), keep a screenshot
    // (AWS_MFA_TEST_SCREENSHOT names where, to look at): shots are taken until it is.
    let shot = std::env::var("AWS_MFA_TEST_SCREENSHOT")
        .map(PathBuf::from)
        .unwrap_or_else(|_| env.path().join("dialog.png"));
    let started = Instant::now();
    let colours = loop {
        let taken = x.run("import", &["-window", "root", &shot.display().to_string()]);
        assert!(taken.status.success(), "{taken:?}");
        let colours = std::process::Command::new("identify")
            .args(["-format", "%k", &shot.display().to_string()])
            .output()
            .unwrap();
        let colours: u32 = String::from_utf8_lossy(&colours.stdout)
            .trim()
            .parse()
            .unwrap_or(0);
        if colours > 2 || started.elapsed() > Duration::from_secs(30) {
            break colours;
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    assert!(colours > 2, "the screenshot is blank ({colours} colours)");

    x.run("xdotool", &["type", "--delay", "50", CODE]);
    x.run("xdotool", &["key", "Return"]);
    let out = env.output_of(child);
    out.assert_success();
    let doc: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_fake_credentials(&fake, &doc, "SessionToken");
    assert_eq!(fake.calls()[0].param("TokenCode"), Some(CODE));
}
