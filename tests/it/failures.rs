//! Bad input and a failing STS: a clear message, nothing on stdout, nothing called.

use std::time::{Duration, Instant};

use crate::support::*;

#[test]
fn bad_input_is_refused_before_sts_is_called() {
    let fake = FakeSts::start();
    let cases: &[(&str, &str, &[&str], &str)] = &[
        (
            DEFAULT_CONFIG,
            DEFAULT_CREDENTIALS,
            &["-p", "nope"],
            "unknown profile 'nope'",
        ),
        (
            DEFAULT_CONFIG,
            DEFAULT_CREDENTIALS,
            &["-p", "nope"],
            "known profiles: default",
        ),
        (
            DEFAULT_CONFIG,
            DEFAULT_CREDENTIALS,
            &["-t", "12ab56"],
            "invalid MFA code",
        ),
        (
            DEFAULT_CONFIG,
            DEFAULT_CREDENTIALS,
            &["-t", "3141597"],
            "a code is 6 digits",
        ),
        (
            DEFAULT_CONFIG,
            DEFAULT_CREDENTIALS,
            &["-d", "37h"],
            "invalid duration '37h'",
        ),
        (
            DEFAULT_CONFIG,
            DEFAULT_CREDENTIALS,
            &["-d", "899"],
            "from 900 s (15m) to 129600 s (36h)",
        ),
        (
            DEFAULT_CONFIG,
            DEFAULT_CREDENTIALS,
            &["-d", "soon"],
            "invalid duration 'soon'",
        ),
        (
            DEFAULT_CONFIG,
            DEFAULT_CREDENTIALS,
            &["--timeout", "0"],
            "--timeout takes a positive number",
        ),
        (
            DEFAULT_CONFIG,
            "[default]\naws_access_key_id = ASIATEMPORARY0000001\naws_secret_access_key = x\naws_session_token = y\n",
            &[],
            "cannot start a session from temporary keys (profile 'default')",
        ),
        (
            DEFAULT_CONFIG,
            "[default]\naws_access_key_id = ASIATEMPORARY0000001\naws_secret_access_key = x\n",
            &[],
            "GetSessionToken needs long-term keys",
        ),
        (
            DEFAULT_CONFIG,
            "",
            &[],
            "no long-term keys for profile 'default'",
        ),
        (
            DEFAULT_CONFIG,
            "[default]\naws_access_key_id = AKIAONLYKEYID0000001\n",
            &[],
            "aws_secret_access_key is missing",
        ),
        (
            "[default\nbroken",
            DEFAULT_CREDENTIALS,
            &[],
            "cannot read the AWS profile files",
        ),
    ];
    for (config, credentials, args, message) in cases {
        let env = TestEnv::with_files(config, credentials).sts(&fake);
        let mut full = vec!["env", "--shell", "bash"];
        if !args.contains(&"-t") {
            full.extend(["-t", CODE]);
        }
        full.extend_from_slice(args);
        env.run(&full).assert_failure(message);
    }
    assert_eq!(fake.calls().len(), 0, "nothing reached STS");
}

#[test]
fn no_terminal_and_no_code_is_an_error_not_a_hang() {
    let fake = FakeSts::start();
    let env = TestEnv::new().sts(&fake);
    let out = env.run(&["env", "--shell", "bash"]);
    out.assert_failure("no MFA code: there is no terminal to ask on and no --token-code");
    assert!(out.stderr.contains("hint: pass the code with -t CODE"));
    assert_eq!(fake.calls().len(), 0);
}

#[test]
fn an_unknown_shell_is_an_error_listing_the_choices() {
    let mut env = TestEnv::new();
    env.set("SHELL", "/usr/bin/tcsh");
    env.run(&["env", "-t", CODE])
        .assert_failure("cannot tell which shell to write for")
        .assert_failure("--shell bash|zsh|fish|pwsh|sh|json");
}

/// Runs `env` against a fake primed with `replies`.
fn run_against(replies: &[Reply], extra: &[&str]) -> (FakeSts, Outcome) {
    let fake = FakeSts::start();
    for reply in replies {
        fake.then(reply.clone());
    }
    let env = TestEnv::new().sts(&fake);
    let mut args = vec!["env", "--shell", "bash", "-t", CODE];
    args.extend_from_slice(extra);
    let out = env.run(&args);
    (fake, out)
}

#[test]
fn a_rejected_code_says_so() {
    let fake = FakeSts::start();
    fake.accept_only("654321");
    let env = TestEnv::new().sts(&fake);
    env.run(&["env", "--shell", "bash", "-t", CODE])
        .assert_failure("GetSessionToken failed: STS rejected the MFA code")
        .assert_failure("wait for the next code");
    assert_eq!(
        fake.count("GetSessionToken"),
        1,
        "a bad code is not retried blindly"
    );
}

#[test]
fn sts_errors_become_one_readable_line_with_a_hint() {
    let cases = [
        (
            "InvalidClientTokenId",
            "The security token included in the request is invalid.",
            "deleted or rotated",
        ),
        (
            "SignatureDoesNotMatch",
            "The request signature we calculated does not match",
            "clock",
        ),
        (
            "ExpiredToken",
            "The security token included in the request is expired",
            "--refresh",
        ),
        (
            "AccessDenied",
            fake_sts::UNKNOWN_DEVICE_MESSAGE,
            "check mfa_serial",
        ),
    ];
    for (code, message, hint) in cases {
        let (fake, out) = run_against(
            &[Reply::Error {
                status: 403,
                code,
                message,
            }],
            &[],
        );
        out.assert_failure(&format!("GetSessionToken failed: {code}: "))
            .assert_failure(hint);
        assert_eq!(fake.count("GetSessionToken"), 1, "{code} is not retried");
    }
}

#[test]
fn server_errors_and_throttling_are_retried_then_explained() {
    let html = Reply::Raw {
        status: 500,
        body: "<html><body>Internal Server Error</body></html>",
    };
    let (fake, out) = run_against(&[html.clone(), html.clone(), html], &[]);
    out.assert_failure("STS answered HTTP 500 without an error code");
    assert!(!out.stderr.contains("<html>"));
    assert_eq!(
        fake.count("GetSessionToken"),
        3,
        "standard retries: 3 attempts"
    );

    let throttled = Reply::Error {
        status: 400,
        code: "Throttling",
        message: "Rate exceeded",
    };
    let (fake, out) = run_against(&[throttled.clone(), throttled.clone(), throttled], &[]);
    out.assert_failure("GetSessionToken failed: Throttling: Rate exceeded");
    assert_eq!(fake.count("GetSessionToken"), 3);

    // A passing fault: the retry succeeds and the user sees a session.
    let fake = FakeSts::start();
    fake.then(Reply::Raw {
        status: 503,
        body: "",
    });
    let env = TestEnv::new().sts(&fake);
    let out = env.run(&["env", "--shell", "bash", "-t", CODE]);
    out.assert_success();
    assert!(out.stdout.contains("export AWS_SESSION_TOKEN="));
    assert_eq!(fake.count("GetSessionToken"), 2);
}

#[test]
fn a_malformed_answer_is_reported_without_its_body() {
    let truncated = "<GetSessionTokenResponse><GetSessionTokenResult><Credentials><AccessKeyId>";
    for body in [truncated, "this is not xml"] {
        let (_fake, out) = run_against(&[Reply::Raw { status: 200, body }], &[]);
        out.assert_failure("GetSessionToken failed: STS sent an answer that cannot be read");
        assert!(!out.stderr.contains(body), "{}", out.stderr);
    }
}

#[test]
fn a_silent_server_is_given_up_on_within_the_timeout() {
    let fake = FakeSts::start();
    for _ in 0..3 {
        fake.then(Reply::Hang);
    }
    let env = TestEnv::new().sts(&fake);
    let started = Instant::now();
    env.run(&["env", "--shell", "bash", "-t", CODE, "--timeout", "2"])
        .assert_failure("no answer from STS within 2 s");
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "bounded by --timeout"
    );
}

#[test]
fn an_unreachable_endpoint_is_reported() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut env = TestEnv::new();
    env.set("AWS_ENDPOINT_URL_STS", &format!("http://127.0.0.1:{port}"));
    env.run(&["env", "--shell", "bash", "-t", CODE])
        .assert_failure("cannot reach STS");
    env.set("AWS_ENDPOINT_URL_STS", "not a url");
    env.run(&["env", "--shell", "bash", "-t", CODE])
        .assert_failure("GetSessionToken failed");
}

#[test]
fn aws_ca_bundle_adds_a_trusted_ca() {
    let (fake, ca_pem) = FakeSts::start_tls();
    let mut env = TestEnv::new().sts(&fake);
    // Without the CA the fake's certificate is refused, as TLS inspection would be.
    env.run(&["env", "--shell", "bash", "-t", CODE, "--no-cache"])
        .assert_failure("cannot reach STS")
        .assert_failure("AWS_CA_BUNDLE");
    assert!(fake.calls().is_empty(), "nothing got through TLS");

    let bundle = env.path().join("corporate-ca.pem");
    std::fs::write(&bundle, ca_pem).unwrap();
    env.set("AWS_CA_BUNDLE", bundle.to_str().unwrap());
    let out = env.run(&["env", "--shell", "bash", "-t", CODE]);
    out.assert_success();
    assert!(out.stdout.contains("export AWS_SESSION_TOKEN='FAKETOKEN1"));
    assert_eq!(fake.count("GetSessionToken"), 1);

    env.set("AWS_CA_BUNDLE", "/nonexistent/ca.pem");
    env.run(&["env", "--shell", "bash", "-t", CODE2, "--refresh"])
        .assert_failure("cannot read AWS_CA_BUNDLE /nonexistent/ca.pem");
}
