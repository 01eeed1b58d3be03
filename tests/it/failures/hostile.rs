//! Hostile conditions: absurd options, control characters from STS, planted and odd files,
//! secrets in the config, `mfa_process` programs that hang or misbehave, bytes that are not
//! UTF-8, and an unsafe cache directory; each fast, clear, and leaving nothing behind.

use std::os::unix::fs::PermissionsExt;
use std::time::{Duration, Instant};

use super::sts_error;
use crate::support::failure_matrix::{Case, assert_cache_clean, check, run_bounded};
use crate::support::*;

/// A config whose codes come from `mfa_process = COMMAND`.
fn with_mfa_process(command: &str) -> String {
    format!("{DEFAULT_CONFIG}mfa_process = {command}\n")
}

/// A GetSessionToken answer whose secret holds `&#0;`: XML for a NUL, which bash and dash
/// would silently drop (exporting another secret than STS gave).
const NUL_IN_SECRET: &str = r#"<GetSessionTokenResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><GetSessionTokenResult><Credentials><AccessKeyId>ASIAFAKE000000000001</AccessKeyId><SecretAccessKey>FAKESECRET1&#0;x/+abc</SecretAccessKey><SessionToken>FAKETOKEN1/+=tok</SessionToken><Expiration>2099-01-01T00:00:00Z</Expiration></Credentials></GetSessionTokenResult><ResponseMetadata><RequestId>fake-request</RequestId></ResponseMetadata></GetSessionTokenResponse>"#;
const ESC_IN_TOKEN: &str = r#"<GetSessionTokenResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><GetSessionTokenResult><Credentials><AccessKeyId>ASIAFAKE000000000001</AccessKeyId><SecretAccessKey>FAKESECRET1x/+abc</SecretAccessKey><SessionToken>FAKETOKEN1&#27;]0;x&#7;tok</SessionToken><Expiration>2099-01-01T00:00:00Z</Expiration></Credentials></GetSessionTokenResult><ResponseMetadata><RequestId>fake-request</RequestId></ResponseMetadata></GetSessionTokenResponse>"#;

#[test]
fn absurd_options_are_refused_when_read() {
    check(
        &[
            Case::env("a timeout past any clock")
                .args(&["--timeout", "9300000000000000000"])
                .says("invalid --timeout '9300000000000000000': it takes a positive number of seconds, at most 3600 (1 hour)")
                .hint("--timeout 30"),
            Case::env("a timeout of -1")
                .args(&["--timeout", "-1"])
                .says("invalid --timeout '-1': it takes a positive number of seconds")
                .never_says("unexpected argument"),
            Case::env("a timeout that is no number")
                .args(&["--timeout", "soon"])
                .says("invalid --timeout 'soon'"),
            Case::env("a duration that is no duration, explained")
                .args(&["-d", "abc"])
                .says("invalid duration 'abc': a duration is seconds (43200) or a number with a unit: 15m, 1h, 12h, 36h")
                .never_says("expected number")
                .hint("15m, 1h, 12h, 36h"),
            Case::env("a duration past any clock")
                .args(&["-d", "9300000000000000000"])
                .says("invalid duration '9300000000000000000': credentials can last from 900 s (15m) to 129600 s (36h)"),
            Case::env("a duration in hours past any clock")
                .args(&["-d", "99999999999999999999h"])
                .says("invalid duration '99999999999999999999h': that is far too long"),
            Case::env("a negative duration")
                .args(&["-d", "-5"])
                .says("invalid duration '-5'")
                .never_says("unexpected argument"),
            Case::env("a one-digit code")
                .code("1")
                .says("a code is 6 digits, not 1 digit")
                .never_says("1 digits"),
            Case::env("a one-letter code")
                .code("x")
                .says("a code is 6 digits, not 1 character and no digit"),
        ]
        .map(Case::no_calls),
    );
}

#[test]
fn control_characters_reach_the_terminal_escaped() {
    check(&[
        Case::env("AWS_PROFILE writing to the clipboard (OSC 52)")
            .var("AWS_PROFILE", "\x1b]52;c;cHduZWQ=\x07")
            .says("unknown profile '\\x1b]52;c;cHduZWQ=\\x07'")
            .no_calls(),
        Case::env("a profile name clearing the screen")
            .args(&["-p", "\x1b[2J\x1b[Hdev"])
            .says("unknown profile '\\x1b[2J\\x1b[Hdev'")
            .no_calls(),
        Case::env("STS error text setting the window title")
            .reply(sts_error(
                403,
                "AccessDenied",
                // XML character references: the SDK's parser refuses the raw bytes.
                "&#27;]0;owned&#7;User is not authorized&#27;[2J",
            ))
            .says("GetSessionToken failed: AccessDenied: \\x1b]0;owned\\x07User is not authorized\\x1b[2J")
            .calls("GetSessionToken", 1),
        Case::env("a NUL inside the secret STS sent")
            .reply(Reply::Raw {
                status: 200,
                body: NUL_IN_SECRET,
            })
            .says("GetSessionToken failed: STS sent an answer that cannot be read: its SecretAccessKey holds a control character")
            .calls("GetSessionToken", 1),
        Case::env("an escape sequence inside the token STS sent")
            .reply(Reply::Raw {
                status: 200,
                body: ESC_IN_TOKEN,
            })
            .says("its SessionToken holds a control character")
            .calls("GetSessionToken", 1),
    ]);
}

#[test]
fn planted_and_odd_files_are_refused_without_hanging() {
    check(
        &[
            Case::env("a FIFO as AWS_CONFIG_FILE")
                .fifo("config.fifo")
                .var("AWS_CONFIG_FILE", "config.fifo")
                .says("cannot read the AWS profile file config.fifo: it is not a regular file but a FIFO (named pipe)")
                .hint("point AWS_CONFIG_FILE at your ~/.aws/config file"),
            Case::env("/dev/zero as AWS_CONFIG_FILE")
                .var("AWS_CONFIG_FILE", "/dev/zero")
                .says("cannot read the AWS profile file /dev/zero: it is not a regular file but a device"),
            Case::env("a FIFO as AWS_SHARED_CREDENTIALS_FILE")
                .fifo("credentials.fifo")
                .var("AWS_SHARED_CREDENTIALS_FILE", "credentials.fifo")
                .says("cannot read the AWS profile file credentials.fifo: it is not a regular file but a FIFO")
                .hint("point AWS_SHARED_CREDENTIALS_FILE at your ~/.aws/credentials file"),
            Case::env("a directory as AWS_CONFIG_FILE")
                .var("AWS_CONFIG_FILE", "/")
                .says("cannot read the AWS profile file /: "),
            Case::env("a FIFO as AWS_CA_BUNDLE")
                .fifo("ca.fifo")
                .var("AWS_CA_BUNDLE", "ca.fifo")
                .says("cannot read AWS_CA_BUNDLE ca.fifo: it is not a regular file but a FIFO (named pipe)")
                .hint("point AWS_CA_BUNDLE at a readable PEM file"),
            Case::env("/dev/zero as AWS_CA_BUNDLE")
                .var("AWS_CA_BUNDLE", "/dev/zero")
                .says("cannot read AWS_CA_BUNDLE /dev/zero: it is not a regular file but a device"),
        ]
        .map(|case| case.no_calls().within(10)),
    );
}

#[test]
fn secrets_in_the_config_are_never_echoed() {
    check(&[
        Case::env("a failing mfa_process holding a TOTP seed")
            .files(
                &with_mfa_process("false --totp -b JBSWY3DPEHPK3PXPSEED1"),
                DEFAULT_CREDENTIALS,
            )
            .only_args(&["env", "--shell", "bash"])
            .says("mfa_process 'false' failed: it exited with status 1")
            .never_says("SEED1")
            .never_says("--totp")
            .never_says("exit status:")
            .hint("run the mfa_process command by hand")
            .no_calls(),
        Case::env("an mfa_process that cannot be split into words")
            .files(
                &with_mfa_process("oathtool --totp -b \"JBSWY3DPEHPK3PXPSEED2"),
                DEFAULT_CREDENTIALS,
            )
            .only_args(&["env", "--shell", "bash"])
            .says("mfa_process 'oathtool' failed: it cannot be split into words")
            .never_says("SEED2")
            .no_calls(),
        Case::env("an mfa_process that is not there")
            .files(
                &with_mfa_process("no-such-otp-tool --seed JBSWY3DPEHPK3PXPSEED3"),
                DEFAULT_CREDENTIALS,
            )
            .only_args(&["env", "--shell", "bash"])
            .says("mfa_process 'no-such-otp-tool' failed: cannot start it")
            .never_says("SEED3")
            .no_calls(),
        Case::env("an mfa_process killed by a signal")
            .files(&with_mfa_process("sh -c 'kill -9 $$'"), DEFAULT_CREDENTIALS)
            .only_args(&["env", "--shell", "bash"])
            .says("mfa_process 'sh' failed: it was killed by SIGKILL")
            .no_calls(),
        Case::env("an endpoint URL with a user and password")
            .var(
                "AWS_ENDPOINT_URL_STS",
                "http://alice:s3cretpw@127.0.0.1:99999",
            )
            .says("the STS endpoint URL 'http://…@127.0.0.1:99999' is invalid")
            .never_says("s3cretpw")
            .never_says("alice")
            .no_calls(),
    ]);
}

/// A touch on a hardware key takes seconds: an `mfa_process` that has given no code after a
/// minute is stopped, and the run fails clearly instead of hanging.
#[test]
fn an_mfa_process_that_never_ends_is_stopped_after_a_minute() {
    check(&[Case::env("an mfa_process that never ends")
        .files(&with_mfa_process("sleep 600"), DEFAULT_CREDENTIALS)
        .only_args(&["env", "--shell", "bash"])
        .says("mfa_process 'sleep' failed: it gave no code within 60 s, and was stopped")
        .no_calls()
        .within(80)]);
}

/// The code is taken when `mfa_process` exits: a background child that keeps its stdout
/// open neither holds up the run nor outlives it.
#[test]
fn an_mfa_process_child_holding_its_output_is_not_waited_for() {
    let fake = FakeSts::start();
    let mut env = TestEnv::new().sts(&fake);
    env.write_aws_file(
        "config",
        &with_mfa_process(&format!(
            "sh -c 'sleep 600 & echo $! > left-behind.pid; echo {CODE}'"
        )),
    );
    let started = Instant::now();
    let out = run_bounded(&env, &["env", "--shell", "bash"], Duration::from_secs(30));
    out.assert_success();
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "taken at exit, not at EOF: {:?}",
        started.elapsed()
    );
    assert!(out.stdout.contains("export AWS_SESSION_TOKEN='FAKETOKEN1"));
    assert_eq!(fake.calls()[0].param("TokenCode"), Some(CODE));
    let pid: i32 = std::fs::read_to_string(env.path().join("left-behind.pid"))
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    let stat = format!("/proc/{pid}/stat");
    // Where there is a /proc, a zombie is seen there; elsewhere only an ended and reaped
    // process counts (kill finds no such process). A missing /proc never passes for "ended".
    let proc_fs = std::path::Path::new("/proc/self/stat").exists();
    assert!(
        proc_fs || !cfg!(target_os = "linux"),
        "Linux without /proc mounted"
    );
    let gone = (0..200).any(|_| {
        let ended = if proc_fs {
            // Ended: gone, or a zombie nobody reaped yet.
            let state = std::fs::read_to_string(&stat).unwrap_or_default();
            state.is_empty() || state.contains(") Z ")
        } else {
            // SAFETY: signal 0 only checks that the process exists.
            let alive = unsafe { libc::kill(pid, 0) } == 0;
            !alive && std::io::Error::last_os_error().raw_os_error() == Some(libc::ESRCH)
        };
        if !ended {
            std::thread::sleep(Duration::from_millis(50));
        }
        ended
    });
    assert!(gone, "the left-behind child was ended");
}

#[test]
fn variables_and_files_that_are_not_utf8_are_named() {
    use std::os::unix::ffi::OsStrExt;
    let env = TestEnv::new();
    for var in ["AWS_PROFILE", "AWS_MFA_PROFILE"] {
        let out = env.output(
            env.command(BIN)
                .args(["env", "--shell", "bash", "-t", CODE])
                .env(var, std::ffi::OsStr::from_bytes(b"dev\xff")),
        );
        out.assert_failure(&format!(
            "aws-mfa: {var} cannot be used: it is not valid UTF-8"
        ));
        assert!(
            out.stderr
                .contains(&format!("hint: set {var} to a profile name"))
        );
    }

    let mut env = TestEnv::new();
    let config = env.path().join("latin1-config");
    std::fs::write(
        &config,
        b"[default]\nmfa_serial = arn:aws:iam::123456789012:mfa/tester\n# Gr\xfc\xdfe\nregion = eu-west-1\n",
    )
    .unwrap();
    env.set("AWS_CONFIG_FILE", config.to_str().unwrap());
    let out = env.run(&["env", "--shell", "bash", "-t", CODE]);
    out.assert_failure(&format!(
        "cannot read the AWS profile file {}: line 3 is not valid UTF-8",
        config.display()
    ));
    assert!(
        out.stderr.contains("hint: save the file as UTF-8"),
        "{}",
        out.stderr
    );
    assert_cache_clean(&env.cache_dir(), false, "latin-1 config");
}

/// STS gave a 15-second session: the note says 15s, not a minute.
#[test]
fn a_shortened_session_is_reported_without_rounding_up() {
    let fake = FakeSts::start();
    fake.lifetime(Duration::from_secs(15));
    let env = TestEnv::new().sts(&fake);
    let out = env.run(&["env", "--shell", "bash", "-t", CODE]);
    out.assert_success();
    assert!(
        out.stderr
            .contains("aws-mfa: note: STS granted a session of 1")
            && out.stderr.contains("s instead of the 12h asked for"),
        "{}",
        out.stderr
    );
    assert!(!out.stderr.contains("session of 1m"), "{}", out.stderr);
}

/// `doctor` names the `mfa_process` program, never the rest of its line (a TOTP seed), and
/// says why a cache directory others could swap is not used.
#[test]
fn doctor_shows_no_seed_and_names_an_unsafe_cache_directory() {
    let fake = FakeSts::start();
    let mut env = TestEnv::with_files(
        &with_mfa_process("oathtool --totp -b JBSWY3DPEHPK3PXPSEED4"),
        DEFAULT_CREDENTIALS,
    )
    .sts(&fake);
    let open = env.path().join("shared");
    std::fs::create_dir(&open).unwrap();
    std::fs::set_permissions(&open, std::fs::Permissions::from_mode(0o777)).unwrap();
    let dir = open.join("aws-mfa");
    std::fs::create_dir(&dir).unwrap();
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700)).unwrap();
    env.set("AWS_MFA_CACHE_DIR", dir.to_str().unwrap());
    let out = env.run(&["doctor"]);
    let all = format!("{}{}", out.stdout, out.stderr);
    assert!(
        out.stdout
            .contains("✗ mfa_process program 'oathtool' cannot be started: it is not found (PATH)"),
        "{all}"
    );
    assert!(!all.contains("SEED4") && !all.contains("--totp"), "{all}");
    assert!(
        out.stdout.contains(&format!(
            "✗ cache directory {}: other users can write in {} above it (mode 777)",
            dir.display(),
            open.display()
        )),
        "{all}"
    );
}
