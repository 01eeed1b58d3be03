//! Windows: `aws-mfa.exe` (built for x86_64-pc-windows-gnu) run under Wine against the fake
//! STS, with Windows programs as its children and parents (support/windows/winchild.c).
//! Paths given to the exe are Wine's `Z:\…`. Wine reports only the low 8 bits of an exit
//! code to Linux, so codes above 255 are read by a Windows parent (`winchild run`).

use std::collections::BTreeMap;
use std::time::Duration;

use crate::support::pty::Pty;
use crate::support::pwsh::read_pwsh;
use crate::support::wine::{Wine, wine, wine_path};
use crate::support::*;

/// Values that break naive quoting: every PowerShell quote, `$`, backticks, a backslash
/// at the end, non-ASCII and a character past U+FFFF, tabs and a newline. They reach the
/// output through `-r` (the region is exported as it is given; the SDK would refuse it
/// for a call to STS, so the session comes from the cache).
const HOSTILE: &[&str] = &[
    "it's",
    "\u{2018}curly\u{2019} \u{201A}low\u{201B} \"double\" \u{201C}\u{201D}",
    "$(Remove-Item C:\\) $Env:PATH `n `$ @' '@",
    "trailing\\",
    "caf\u{e9} \u{65e5}\u{672c} \u{1F600} \u{2603}",
    "tab\there; & | < > %PATH% ^",
    "line one\nline two",
];

/// The session's variables as PowerShell would leave them, from `env --shell pwsh` output.
fn powershell_reads(stdout: &str) -> BTreeMap<String, Option<String>> {
    read_pwsh(stdout)
        .unwrap_or_else(|e| panic!("not what PowerShell reads back: {e}\n{stdout}"))
        .into_iter()
        .collect()
}

/// The statements but those carrying the credentials (which differ per session).
fn without_credentials(text: &str) -> Vec<&str> {
    text.lines()
        .filter(|line| {
            ![
                "AWS_ACCESS_KEY_ID",
                "AWS_SECRET_ACCESS_KEY",
                "AWS_SESSION_TOKEN",
                "AWS_CREDENTIAL_EXPIRATION",
            ]
            .iter()
            .any(|name| line.starts_with(&format!("$Env:{name} ")))
        })
        .collect()
}

#[test]
fn env_for_powershell_reads_back_every_value_byte_for_byte() {
    let Some(wine) = wine() else { return };
    let fake = FakeSts::start();
    let env = TestEnv::new().sts(&fake);
    // The Linux build, for the same statements.
    let linux_env = TestEnv::new().sts(&fake);
    wine.run(&env, &["env", "--shell", "pwsh", "-t", CODE])
        .assert_success();
    linux_env
        .run(&["env", "--shell", "pwsh", "-t", CODE])
        .assert_success();
    for value in HOSTILE {
        let out = wine.run(&env, &["env", "--shell", "pwsh", "-r", value]);
        out.assert_success();
        assert!(out.stdout.is_ascii(), "pure ASCII: {}", out.stdout);
        let vars = powershell_reads(&out.stdout);
        assert_eq!(
            vars["AWS_REGION"].as_deref(),
            Some(*value),
            "{}",
            out.stdout
        );
        assert_eq!(vars["AWS_DEFAULT_REGION"].as_deref(), Some(*value));
        assert_eq!(vars["AWS_MFA_PROFILE"].as_deref(), Some("default"));
        let key = vars["AWS_ACCESS_KEY_ID"].as_deref().unwrap();
        assert!(key.starts_with("ASIAFAKE"), "{key}");
        for removed in [
            "AWS_PROFILE",
            "AWS_DEFAULT_PROFILE",
            "AWS_SECURITY_TOKEN",
            "AWS_ACCOUNT_ID",
        ] {
            assert_eq!(vars[removed], None, "{removed} is removed");
        }
        let linux = linux_env.run(&["env", "--shell", "pwsh", "-r", value]);
        linux.assert_success();
        assert_eq!(
            without_credentials(&out.stdout),
            without_credentials(&linux.stdout)
        );
    }
    assert_eq!(fake.count("GetSessionToken"), 2, "one session per home");
}

#[test]
fn exec_passes_the_session_and_the_exit_code_whole() {
    let Some(wine) = wine() else { return };
    let fake = FakeSts::start();
    let mut env = TestEnv::new().sts(&fake);
    env.set("AWS_PROFILE", "default");
    let child = wine.winchild();
    let out = wine.run(
        &env,
        &[
            "exec",
            "-t",
            CODE,
            "--",
            &child,
            "env",
            "AWS_ACCESS_KEY_ID",
            "AWS_MFA_PROFILE",
            "AWS_REGION",
            "AWS_PROFILE",
        ],
    );
    out.assert_success();
    let lines: Vec<&str> = out.stdout.lines().collect();
    assert!(
        lines[0].starts_with("AWS_ACCESS_KEY_ID=ASIAFAKE"),
        "{lines:?}"
    );
    assert_eq!(
        lines[1..],
        [
            "AWS_MFA_PROFILE=default",
            "AWS_REGION=eu-west-1",
            "AWS_PROFILE unset"
        ]
    );
    // Codes above 255 (and the whole u32 range) reach a Windows parent intact.
    for code in ["3", "300", "65536", "3221225786", "4294967295"] {
        let (out, seen) = wine.run_windows(&env, &["exec", "--", &child, "exit", code]);
        assert_eq!(seen.to_string(), code, "{out:#?}");
    }
    assert_eq!(fake.count("GetSessionToken"), 1, "later runs use the cache");
}

#[test]
fn a_command_that_is_not_there_fails_before_any_code_is_spent() {
    let Some(wine) = wine() else { return };
    let fake = FakeSts::start();
    let env = TestEnv::new().sts(&fake);
    let out = wine.run(&env, &["exec", "-t", CODE, "--", "no-such-program", "x"]);
    assert_eq!(out.code, Some(127));
    out.assert_failure("cannot run 'no-such-program': command not found");
    assert!(out.stderr.contains("hint: check the command's name"));
    let missing = wine_path(&wine.dir().join("missing.exe"));
    let out = wine.run(&env, &["exec", "-t", CODE, "--", &missing]);
    assert_eq!(out.code, Some(127));
    out.assert_failure("command not found");
    assert!(fake.calls().is_empty(), "no STS call for a typo");
}

#[test]
fn credential_process_and_the_cache_work_on_windows() {
    let Some(wine) = wine() else { return };
    let fake = FakeSts::start();
    let env = TestEnv::new().sts(&fake);
    let out = wine.run(&env, &["credential-process", "-t", CODE]);
    out.assert_success();
    let doc: serde_json::Value = serde_json::from_str(&out.stdout).expect("JSON");
    assert_eq!(doc["Version"], 1);
    let (key, _) = assert_fake_credentials(&fake, &doc, "SessionToken");
    // The second run is a cache hit: the same credentials, no STS call, no code needed.
    let again = wine.run(&env, &["credential-process"]);
    again.assert_success();
    let doc: serde_json::Value = serde_json::from_str(&again.stdout).expect("JSON");
    assert_eq!(assert_fake_credentials(&fake, &doc, "SessionToken").0, key);
    assert_eq!(fake.count("GetSessionToken"), 1);
}

#[test]
fn the_cache_is_private_by_dacl_and_an_entry_others_can_read_is_not_trusted() {
    let Some(wine) = wine() else { return };
    let fake = FakeSts::start();
    let env = TestEnv::new().sts(&fake);
    wine.run(&env, &["env", "--shell", "pwsh", "-t", CODE])
        .assert_success();
    let doctor = wine.run(&env, &["doctor"]);
    assert!(
        doctor.stdout.contains(&format!(
            "cache directory {} is private and writable",
            wine_path(&env.cache_dir())
        )),
        "{doctor:#?}"
    );

    // An entry replaced from outside, readable by everyone (Wine gives a file without a
    // DACL of its own one made from the mode: Everyone may read 0644): a miss with a
    // warning, a new code asked, and a private entry written in its place.
    let entry = std::fs::read_dir(env.cache_dir())
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .find(|p| {
            let name = p.file_name().unwrap().to_string_lossy();
            name.starts_with("session-") && name.ends_with(".json")
        })
        .expect("a session entry");
    let text = std::fs::read(&entry).unwrap();
    std::fs::remove_file(&entry).unwrap();
    std::fs::write(&entry, text).unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&entry, std::fs::Permissions::from_mode(0o644)).unwrap();
    let out = wine.run(&env, &["env", "--shell", "pwsh", "-t", CODE2]);
    out.assert_success();
    assert!(
        out.stderr
            .contains("aws-mfa: warning: ignoring cache entry")
            && out
                .stderr
                .contains("its access list lets other accounts in; it will be replaced"),
        "{}",
        out.stderr
    );
    assert_eq!(fake.count("GetSessionToken"), 2);
    let out = wine.run(&env, &["env", "--shell", "pwsh"]);
    out.assert_success();
    assert_eq!(out.stderr, "", "the replacement is private: a quiet hit");
    assert_eq!(fake.count("GetSessionToken"), 2);
}

/// A cache directory others may enter, made by another tool. Windows: aws-mfa gives one
/// of the user's the private DACL. Wine 8 cannot store a DACL set on an existing file
/// (measured: it rewrites the mode bits instead, to 0775), so here the directory stays
/// open, and what is checked is what the user sees when it cannot be made private:
/// doctor says so, and sessions are not cached in it, with a warning.
#[test]
fn a_cache_directory_others_may_enter_is_reported_and_not_used() {
    let Some(wine) = wine() else { return };
    let fake = FakeSts::start();
    let env = TestEnv::new().sts(&fake);
    std::fs::create_dir(env.cache_dir()).unwrap();
    let doctor = wine.run(&env, &["doctor"]);
    assert!(
        doctor.stdout.contains(&format!(
            "cache directory {}: its access list lets other accounts in",
            wine_path(&env.cache_dir())
        )),
        "{doctor:#?}"
    );
    assert!(
        doctor.stdout.contains("run aws-mfa env once"),
        "{doctor:#?}"
    );
    for code in [CODE, CODE2] {
        let out = wine.run(&env, &["env", "--shell", "pwsh", "-t", code]);
        out.assert_success();
        assert!(
            out.stderr.contains("cannot use the cache directory")
                && out.stderr.contains("sessions will not be cached"),
            "{}",
            out.stderr
        );
    }
    assert_eq!(fake.count("GetSessionToken"), 2);
    let written = std::fs::read_dir(env.cache_dir()).unwrap().count();
    assert_eq!(written, 0, "nothing is written into it");
}

#[test]
fn status_shows_the_expiry_in_local_time() {
    let Some(wine) = wine() else { return };
    let fake = FakeSts::start();
    fake.lifetime(Duration::from_secs(3 * 3600));
    let mut env = TestEnv::new().sts(&fake);
    // India: +05:30 all year, so the offset cannot depend on the date.
    env.set("TZ", "Asia/Kolkata");
    wine.run(&env, &["env", "--shell", "pwsh", "-t", CODE])
        .assert_success();
    let out = wine.run(&env, &["status"]);
    out.assert_success();
    let row = out.stdout.lines().nth(1).expect("a row");
    let utc = row
        .split_whitespace()
        .find(|w| w.ends_with('Z'))
        .expect("the UTC expiry");
    let expiry = humantime::parse_rfc3339(utc).unwrap() + Duration::from_secs(5 * 3600 + 1800);
    let local = humantime::format_rfc3339_seconds(expiry).to_string();
    // 2026-11-29T15:30:00Z → "2026-11-29 15:30 +05:30"
    let expected = format!("{} {} +05:30", &local[..10], &local[11..16]);
    assert!(row.contains(&expected), "{expected} in {row}");
}

#[test]
fn exec_server_serves_a_windows_child_and_returns_its_code() {
    let Some(wine) = wine() else { return };
    let fake = FakeSts::start();
    let env = TestEnv::new().sts(&fake);
    let child = wine.winchild();
    let out = wine.run(&env, &["exec", "--server", "-t", CODE, "--", &child, "get"]);
    out.assert_success();
    let (status, body) = out.stdout.split_once('\n').expect("status and body");
    assert_eq!(status, "200", "{}", out.stdout);
    let doc: serde_json::Value = serde_json::from_str(body.trim()).expect("JSON");
    assert_fake_credentials(&fake, &doc, "Token");

    let out = wine.run(
        &env,
        &[
            "exec",
            "--server",
            "--",
            &child,
            "env",
            "AWS_ACCESS_KEY_ID",
            "AWS_SESSION_TOKEN",
            "AWS_CONTAINER_CREDENTIALS_FULL_URI",
            "AWS_SHARED_CREDENTIALS_FILE",
            "AWS_MFA_PROFILE",
        ],
    );
    out.assert_success();
    let lines: Vec<&str> = out.stdout.lines().collect();
    assert_eq!(
        lines[..2],
        ["AWS_ACCESS_KEY_ID unset", "AWS_SESSION_TOKEN unset"]
    );
    assert!(
        lines[2].starts_with("AWS_CONTAINER_CREDENTIALS_FULL_URI=http://127.0.0.1:"),
        "{lines:?}"
    );
    assert!(
        lines[3].starts_with("AWS_SHARED_CREDENTIALS_FILE="),
        "{lines:?}"
    );
    assert_eq!(lines[4], "AWS_MFA_PROFILE=default");

    let (out, seen) = wine.run_windows(&env, &["exec", "--server", "--", &child, "exit", "300"]);
    assert_eq!(seen, 300, "{out:#?}");
    assert_eq!(fake.count("GetSessionToken"), 1);
}

/// Ctrl-C on the console reaches every process on it. aws-mfa ignores it while the child
/// runs; the child (which handles it and exits 7, as a program that stops cleanly would)
/// decides. Without aws-mfa's handler, aws-mfa would die at once and leave the child.
#[test]
fn ctrl_c_is_the_childs_to_handle_with_and_without_server() {
    let Some(wine) = wine() else { return };
    let fake = FakeSts::start();
    let env = TestEnv::new().sts(&fake);
    let child = wine.winchild();
    // A fresh code each time: the terminal is never asked, even if the cache failed.
    for (server, code) in [(false, CODE), (true, CODE2)] {
        let pty = Pty::open();
        let mut command = wine.command(&env, &wine.exe());
        command.args(["exec", "-t", code]);
        if server {
            command.arg("--server");
        }
        command.args(["--", &child, "ctrl-c"]);
        let out = env.output_of(pty.attach(&mut command));
        assert_eq!(
            out.code,
            Some(7),
            "server={server}: aws-mfa waits and returns the child's code: {out:#?}"
        );
        assert_eq!(out.stdout, "child: got Ctrl-C, exiting 7\n");
    }
}

#[test]
fn nothing_the_child_started_outlives_aws_mfa() {
    let Some(wine) = wine() else { return };
    let fake = FakeSts::start();
    let env = TestEnv::new().sts(&fake);
    let winchild = wine.dir().join("winchild.exe");
    let pid_file = env.path().join("grandchild.pid");
    // The child starts a grandchild that would sleep for 10 minutes, and exits. (No pipes:
    // under Wine a grandchild keeps its parent's Unix descriptors open.)
    let spawn = |program: &std::path::Path, args: &[&str]| -> String {
        let status = wine
            .command(&env, program)
            .args(args)
            .args([&wine.winchild(), "spawn", &wine_path(&pid_file)])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .status()
            .unwrap();
        assert!(status.success(), "{status}");
        std::fs::read_to_string(&pid_file).expect("the grandchild's pid")
    };
    let alive = |pid: &str| {
        let out = env.output(wine.command(&env, &winchild).args(["alive", pid]));
        if out.stdout == "alive\n" {
            kill_windows_process(wine, &env, pid);
        }
        out.stdout
    };
    let pid = spawn(&wine.exe(), &["exec", "-t", CODE, "--"]);
    assert_eq!(
        alive(&pid),
        "gone\n",
        "the job ended the grandchild with aws-mfa"
    );
    // Started by another Windows program instead, the same grandchild lives on (so the
    // check above can fail).
    let pid = spawn(&winchild, &["run"]);
    assert_eq!(alive(&pid), "alive\n");
}

/// Ends a Wine process by its Windows pid (Wine's taskkill).
fn kill_windows_process(wine: &Wine, env: &TestEnv, pid: &str) {
    env.output(
        wine.command(env, std::path::Path::new("taskkill"))
            .args(["/F", "/PID", pid]),
    );
}

#[test]
fn env_detects_powershell_parents_and_refuses_cmd() {
    let Some(wine) = wine() else { return };
    let fake = FakeSts::start();
    let env = TestEnv::new().sts(&fake);
    let exe = wine_path(&wine.exe());
    // No --shell: the parent process decides.
    for (parent, code) in [("pwsh.exe", CODE), ("powershell.exe", CODE2)] {
        let out = env.output(
            wine.command(&env, &wine.dir().join(parent))
                .args(["run", &exe, "env", "-t", code]),
        );
        assert_eq!(out.code, Some(0), "{parent}: {out:#?}");
        let vars = powershell_reads(&out.stdout);
        assert_eq!(
            vars["AWS_MFA_PROFILE"].as_deref(),
            Some("default"),
            "{parent}"
        );
    }
    let calls = fake.calls().len();
    // cmd.exe cannot evaluate statements: a clear error, nothing on stdout, no code spent.
    let out = env.output(
        wine.command(&env, std::path::Path::new("cmd"))
            .args(["/c", &exe, "env", "-t", CODE3]),
    );
    out.assert_failure(
        "aws-mfa: cannot write statements for cmd.exe: it has no way to run another program's output as commands",
    );
    assert!(
        out.stderr
            .contains("hint: in PowerShell: aws-mfa env | Out-String | Invoke-Expression; in cmd.exe: aws-mfa exec -- COMMAND"),
        "{}",
        out.stderr
    );
    assert_eq!(fake.calls().len(), calls);
}
