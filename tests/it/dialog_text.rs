//! A real zenity under Xvfb shows the profile and the device as they are: zenity decodes
//! `\t`, `\101` in its text and takes `_` for a mnemonic marker, so `prod_admin` would read
//! `prodadmin`. The window aws-mfa opens is compared, pixel for pixel, with zenity showing
//! the same words escaped and unescaped.

use std::path::Path;
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use crate::dialog::{Xvfb, have};
use crate::support::*;

/// The device: a serial with backslash sequences zenity would decode.
const DEVICE: &str = r"arn:aws:iam::123456789012:mfa/a\tb\101";

/// The newest window whose name holds `name`.
fn window(x: &Xvfb, name: &str) -> String {
    let started = Instant::now();
    loop {
        let found = x.run("xdotool", &["search", "--name", name]);
        let ids = String::from_utf8_lossy(&found.stdout).trim().to_owned();
        if let Some(id) = ids.lines().last().filter(|id| !id.is_empty()) {
            // Let it draw.
            std::thread::sleep(Duration::from_millis(700));
            return id.to_owned();
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "no window {name:?}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn screenshot(x: &Xvfb, window: &str, file: &Path) {
    let taken = x.run("import", &["-window", window, &file.display().to_string()]);
    assert!(taken.status.success(), "{taken:?}");
}

/// How many pixels differ between two screenshots.
fn differing_pixels(a: &Path, b: &Path) -> u64 {
    let out = std::process::Command::new("compare")
        .args(["-metric", "AE"])
        .arg(a)
        .arg(b)
        .arg("null:")
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&out.stderr);
    said.split_whitespace()
        .next()
        .and_then(|n| n.parse::<f64>().ok())
        .unwrap_or_else(|| panic!("compare said {said:?}")) as u64
}

/// A zenity entry dialog given `text` as it is, as aws-mfa's is shaped.
fn reference(env: &TestEnv, x: &Xvfb, title: &str, text: &str) -> Child {
    env.command("zenity")
        .env("DISPLAY", &x.display)
        .args([
            "--entry",
            &format!("--title={title}"),
            &format!("--text={text}"),
            "--width=420",
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap()
}

#[test]
fn a_real_zenity_shows_the_profile_and_the_device_as_they_are() {
    if !["Xvfb", "zenity", "xdotool", "import", "compare"]
        .iter()
        .all(|t| have(t))
    {
        return;
    }
    let fake = FakeSts::start();
    let config = format!("[profile prod_admin]\nmfa_serial = {DEVICE}\nregion = eu-west-1\n");
    let credentials = DEFAULT_CREDENTIALS.replace("[default]", "[prod_admin]");
    let mut env = TestEnv::with_files(&config, &credentials).sts(&fake);
    // A cursor that blinks would make two pictures of one text differ.
    let gtk = env.home().join(".config/gtk-3.0");
    std::fs::create_dir_all(&gtk).unwrap();
    std::fs::write(
        gtk.join("settings.ini"),
        "[Settings]\ngtk-cursor-blink = false\n",
    )
    .unwrap();
    let x = Xvfb::start();
    env.set("DISPLAY", &x.display);
    let child = env
        .command(BIN)
        .args(["credential-process", "-p", "prod_admin"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let shown = window(&x, "MFA code for profile");

    // What zenity was given: the words escaped for its --text rules.
    let words = format!("Enter the MFA code for profile 'prod_admin'\nDevice: {DEVICE}");
    let escaped = words.replace('\\', r"\\").replace('_', "__");
    let pid = x.run("xdotool", &["getwindowpid", &shown]);
    let pid = String::from_utf8_lossy(&pid.stdout).trim().to_owned();
    let argv = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap();
    let argv: Vec<String> = argv
        .split(|b| *b == 0)
        .map(|a| String::from_utf8_lossy(a).into_owned())
        .collect();
    assert!(
        argv.contains(&format!("--text={escaped}")),
        "zenity was given {argv:?}"
    );

    // What it shows: the same picture as zenity given the escaped words, and not the
    // picture of the words read zenity's way (`prodadmin`, a tab, `A`).
    let dir = env.path().to_owned();
    screenshot(&x, &shown, &dir.join("aws-mfa.png"));
    for (title, text, file) in [
        ("reference as they are", escaped.as_str(), "as-they-are.png"),
        (
            "reference read by zenity",
            words.as_str(),
            "read-by-zenity.png",
        ),
    ] {
        let mut zenity = reference(&env, &x, title, text);
        let id = window(&x, title);
        screenshot(&x, &id, &dir.join(file));
        let _ = zenity.kill();
        let _ = zenity.wait();
    }
    assert_eq!(
        differing_pixels(&dir.join("aws-mfa.png"), &dir.join("as-they-are.png")),
        0,
        "the dialog does not show the words as they are"
    );
    assert!(
        differing_pixels(&dir.join("aws-mfa.png"), &dir.join("read-by-zenity.png")) > 0,
        "the dialog shows the words as zenity reads them"
    );

    // The references are gone: give aws-mfa's dialog the keyboard again, and answer it.
    x.run("xdotool", &["windowfocus", "--sync", &shown]);
    x.run("xdotool", &["type", "--delay", "50", CODE]);
    x.run("xdotool", &["key", "Return"]);
    let out = env.output_of(child);
    // STS refuses a serial with a backslash or a tab, as the real one does; what matters
    // here is that the code typed into the dialog was sent for the device as it is.
    assert_eq!(out.code, Some(1), "{out:?}");
    assert!(out.stderr.contains("ValidationError"), "{}", out.stderr);
    assert_eq!(fake.calls()[0].param("TokenCode"), Some(CODE));
    assert_eq!(fake.calls()[0].param("SerialNumber"), Some(DEVICE));
}
