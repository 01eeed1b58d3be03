//! Faults and hostile conditions: every failure is fast, clear, and leaves nothing behind.
//!
//! One table per family of faults, one row per case; `check` (support/failure_matrix.rs)
//! runs each row plain and with `-v` and asserts every property a failure must have.
//! Here: bad input, broken profiles, STS's refusals and faults, signals; hostile
//! conditions (odd options, files, programs and bytes) are in `hostile`.

mod hostile;

use std::time::{Duration, Instant};

use crate::support::failure_matrix::{Case, assert_cache_clean, check};
use crate::support::server::{as_from_a_terminal, send_signal};
use crate::support::shells::SHELL_HINT;
use crate::support::*;

/// A loopback port nobody listens on.
fn closed_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

pub(super) fn sts_error(status: u16, code: &'static str, message: &'static str) -> Reply {
    Reply::Error {
        status,
        code,
        message,
    }
}

#[test]
fn bad_input_is_refused_before_sts_is_called() {
    let temporary =
        "[default]\naws_access_key_id = ASIATEMPORARY0000001\naws_secret_access_key = x\n";
    check(
        &[
            Case::env("a malformed code")
                .code("12ab56")
                .says(
                    "invalid MFA code: a code is 6 digits, not 6 characters of which 4 are digits",
                )
                .hint("type the 6 digits"),
            Case::env("a code too long")
                .code("3141597")
                .says("a code is 6 digits, not 7 digits"),
            Case::env("a duration past 36h")
                .args(&["-d", "37h"])
                .says("invalid duration '37h'")
                .hint("15m, 1h, 12h, 36h"),
            Case::env("a duration under 15m")
                .args(&["-d", "899"])
                .says("from 900 s (15m) to 129600 s (36h)"),
            Case::env("a duration that is no duration")
                .args(&["-d", "soon"])
                .says("invalid duration 'soon'"),
            Case::env("a zero timeout")
                .args(&["--timeout", "0"])
                .says("invalid --timeout '0': it takes a positive number of seconds")
                .hint("--timeout 30"),
            Case::env("a negative timeout")
                .args(&["--timeout=-3"])
                .says("invalid --timeout '-3'"),
            Case::env("temporary keys with a token")
                .files(
                    DEFAULT_CONFIG,
                    &format!("{temporary}aws_session_token = y\n"),
                )
                .says("cannot start a session from temporary keys (profile 'default')")
                .hint("the profile that holds your IAM user's access key"),
            Case::env("temporary keys")
                .files(DEFAULT_CONFIG, temporary)
                .says("GetSessionToken needs long-term keys"),
            Case::env("no keys at all")
                .files(DEFAULT_CONFIG, "")
                .says("no long-term keys for profile 'default'")
                .hint("aws_access_key_id and aws_secret_access_key"),
            Case::env("a key id without its secret")
                .files(
                    DEFAULT_CONFIG,
                    "[default]\naws_access_key_id = AKIAONLYKEYID0000001\n",
                )
                .says("aws_secret_access_key is missing"),
            Case::env("no terminal and no code")
                .only_args(&["env", "--shell", "bash"])
                .says("no MFA code: there is no terminal to ask on and no --token-code")
                .hint("pass the code with -t CODE"),
            Case::env("an unknown shell")
                .only_args(&["env", "-t", CODE])
                .var("SHELL", "/usr/bin/rc")
                .says("cannot tell which shell to write for")
                .hint(SHELL_HINT.as_str()),
        ]
        .map(Case::no_calls),
    );
}

/// ROLE_CONFIG and roles that cannot be used: a loop, no source, a missing source.
fn broken_roles() -> String {
    format!(
        "{ROLE_CONFIG}
[profile loop-a]
role_arn = arn:aws:iam::111111111111:role/a
source_profile = loop-b

[profile loop-b]
role_arn = arn:aws:iam::111111111111:role/b
source_profile = loop-a

[profile orphan]
role_arn = arn:aws:iam::111111111111:role/orphan

[profile lost]
role_arn = arn:aws:iam::111111111111:role/lost
source_profile = gone
"
    )
}

#[test]
fn broken_profile_files_are_refused_before_sts() {
    check(&[
        Case::env("a malformed config file")
            .files("[default\nbroken", DEFAULT_CREDENTIALS)
            .says("cannot read the AWS profile files: could not parse profile file: error parsing ")
            .says("config on line 1: Profile definition must end with ']'")
            .hint("fix the file at the line named"),
        Case::env("a malformed credentials file")
            .files(DEFAULT_CONFIG, "aws_access_key_id = AKIAOUTSIDEANYPROF01\n[default\n")
            .says("credentials on line 1: Expected a profile definition")
            .hint("fix the file at the line named"),
        Case::env("a missing profile")
            .args(&["-p", "nope"])
            .says("unknown profile 'nope'")
            .hint("known profiles: default"),
        Case::env("a missing profile from AWS_PROFILE")
            .var("AWS_PROFILE", "nope")
            .says("unknown profile 'nope'")
            .hint("known profiles: default"),
        Case::env("a source_profile loop")
            .files(&broken_roles(), DEFAULT_CREDENTIALS)
            .args(&["-p", "loop-a"])
            .says("profile 'loop-a' cannot be used: source_profile loops: loop-a -> loop-b -> loop-a")
            .hint("end the chain at a profile that holds your long-term keys"),
        Case::env("a role with no source")
            .files(&broken_roles(), DEFAULT_CREDENTIALS)
            .args(&["-p", "orphan"])
            .says("profile 'orphan' cannot be used: it has role_arn but no source_profile")
            .hint("add 'source_profile = NAME'"),
        Case::env("a role whose source is missing")
            .files(&broken_roles(), DEFAULT_CREDENTIALS)
            .args(&["-p", "lost"])
            .says("profile 'lost' cannot be used: its source_profile 'gone' is not in ")
            .hint("known profiles: admin, default, loop-a, loop-b, lost, orphan"),
        Case::env("a role duration past 12h")
            .files(&broken_roles(), DEFAULT_CREDENTIALS)
            .args(&["-p", "admin", "-d", "13h"])
            .says("role credentials can last from 900 s (15m) to 43200 s (12h)"),
    ]
    .map(Case::no_calls));
}

#[test]
fn sts_refusals_name_the_cause_and_the_fix() {
    check(&[
        Case::env("a wrong code")
            .accept_only("654321")
            .says("GetSessionToken failed: STS rejected the MFA code")
            .hint("wait for the next code")
            .calls("GetSessionToken", 1),
        Case::env("an unknown MFA device")
            .reply(sts_error(403, "AccessDenied", fake_sts::UNKNOWN_DEVICE_MESSAGE))
            .says("GetSessionToken failed: AccessDenied: MultiFactorAuthentication failed")
            .hint("check mfa_serial")
            .calls("GetSessionToken", 1),
        Case::env("a policy that denies the call")
            .reply(sts_error(
                403,
                "AccessDenied",
                "User: arn:aws:iam::123456789012:user/tester is not authorized to perform: sts:GetSessionToken",
            ))
            .says("GetSessionToken failed: AccessDenied: User: arn:aws:iam::123456789012:user/tester is not authorized")
            .hint("your IAM policies deny this call")
            .calls("GetSessionToken", 1),
        Case::env("an expired token")
            .reply(sts_error(
                403,
                "ExpiredToken",
                "The security token included in the request is expired",
            ))
            .says("GetSessionToken failed: ExpiredToken: The security token included in the request is expired")
            .hint("--refresh")
            .calls("GetSessionToken", 1),
        Case::env("a deleted or rotated key")
            .reply(sts_error(
                403,
                "InvalidClientTokenId",
                "The security token included in the request is invalid.",
            ))
            .says("GetSessionToken failed: InvalidClientTokenId: The security token included in the request is invalid.")
            .hint("deleted or rotated")
            .hint("check aws_access_key_id")
            .calls("GetSessionToken", 1),
        Case::env("a device lookup IAM refuses")
            .files("[default]\nregion = eu-west-1\n", DEFAULT_CREDENTIALS)
            .reply_for(
                "ListMFADevices",
                sts_error(
                    403,
                    "AccessDenied",
                    "User: arn:aws:iam::123456789012:user/tester is not authorized to perform: iam:ListMFADevices",
                ),
            )
            .says("no usable MFA device for profile 'default': no mfa_serial is set, and looking one up failed: ListMFADevices failed: AccessDenied")
            .hint("or set mfa_serial")
            .calls("ListMFADevices", 1)
            .calls("GetSessionToken", 0),
        Case::env("a wrong secret or clock")
            .reply(sts_error(
                403,
                "SignatureDoesNotMatch",
                "The request signature we calculated does not match the signature you provided.",
            ))
            .says("GetSessionToken failed: SignatureDoesNotMatch: The request signature we calculated does not match")
            .hint("aws_secret_access_key")
            .hint("clock")
            .calls("GetSessionToken", 1),
    ]);
}

#[test]
fn role_failures_after_a_good_session_keep_only_the_session() {
    check(&[
        Case::env("a role the user may not assume")
            .files(&broken_roles(), DEFAULT_CREDENTIALS)
            .args(&["-p", "admin"])
            .reply_for(
                "AssumeRole",
                sts_error(
                    403,
                    "AccessDenied",
                    "User: arn:aws:iam::123456789012:user/tester is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::111111111111:role/admin",
                ),
            )
            .says("AssumeRole failed: AccessDenied: User: arn:aws:iam::123456789012:user/tester is not authorized to perform: sts:AssumeRole")
            .hint("trust policy")
            .calls("GetSessionToken", 1)
            .calls("AssumeRole", 1)
            .keeps_session(),
        Case::env("a session STS calls expired")
            .files(&broken_roles(), DEFAULT_CREDENTIALS)
            .args(&["-p", "admin"])
            .reply_for(
                "AssumeRole",
                sts_error(
                    403,
                    "ExpiredToken",
                    "The security token included in the request is expired",
                ),
            )
            .says("AssumeRole failed: ExpiredToken")
            .hint("--refresh")
            .calls("AssumeRole", 1)
            .keeps_session(),
        Case::env("a wrong code with --no-session")
            .files(&broken_roles(), DEFAULT_CREDENTIALS)
            .args(&["-p", "admin", "--no-session"])
            .accept_only("654321")
            .says("AssumeRole failed: STS rejected the MFA code")
            .hint("wait for the next code")
            .calls("GetSessionToken", 0)
            .calls("AssumeRole", 1),
    ]);
}

#[test]
fn throttling_and_server_errors_are_retried_then_explained() {
    check(&[
        Case::env("throttling")
            .three_times(sts_error(400, "Throttling", "Rate exceeded"))
            .says("GetSessionToken failed: Throttling: Rate exceeded")
            .hint("wait a moment")
            .calls("GetSessionToken", 3),
        Case::env("HTTP 500 with an HTML page")
            .three_times(Reply::Raw {
                status: 500,
                body: "<html><body><h1>Internal Server Error</h1></body></html>",
            })
            .says("GetSessionToken failed: STS answered HTTP 500 without an error code")
            .hint("try again shortly")
            .calls("GetSessionToken", 3),
        Case::env("HTTP 503 from STS")
            .three_times(sts_error(
                503,
                "ServiceUnavailable",
                "Service is unavailable.",
            ))
            .says("GetSessionToken failed: ServiceUnavailable: Service is unavailable.")
            .hint("try again shortly")
            .calls("GetSessionToken", 3),
        Case::env("HTTP 502 from a proxy")
            .three_times(Reply::Raw {
                status: 502,
                body: "Bad Gateway",
            })
            .says("STS answered HTTP 502 without an error code")
            .hint("try again shortly")
            .calls("GetSessionToken", 3),
    ]);
}

#[test]
fn broken_answers_and_unreachable_endpoints_are_reported() {
    let closed = format!("http://127.0.0.1:{}", closed_port());
    check(&[
        Case::env("truncated XML")
            .reply(Reply::Raw {
                status: 200,
                body: "<GetSessionTokenResponse><GetSessionTokenResult><Credentials><AccessKeyId>",
            })
            .says("GetSessionToken failed: STS sent an answer that cannot be read")
            .hint("check that the endpoint really is STS"),
        Case::env("an answer that is not XML")
            .reply(Reply::Raw {
                status: 200,
                body: "this is not xml",
            })
            .says("STS sent an answer that cannot be read")
            .hint("check that the endpoint really is STS"),
        Case::env("an HTML page instead of STS")
            .reply(Reply::Raw {
                status: 200,
                body: "<!DOCTYPE html><html><head><title>Sign in to the Wi-Fi</title></head></html>",
            })
            .says("STS sent an answer that cannot be read")
            .hint("check that the endpoint really is STS"),
        Case::env("an empty answer")
            .reply(Reply::Raw {
                status: 200,
                body: "",
            })
            .says("STS sent an answer that cannot be read"),
        Case::env("a truncated error document")
            .reply(Reply::Raw {
                status: 400,
                body: "<ErrorResponse><Error><Code>Access",
            })
            .says("GetSessionToken failed: STS answered HTTP 400 with error code 'Access' and no message"),
        Case::env("a server that never answers")
            .three_times(Reply::Hang)
            .args(&["--timeout", "2"])
            .says("GetSessionToken failed: no answer from STS within 2 s")
            .hint("--timeout")
            .within(10),
        Case::env("connection refused")
            .var("AWS_ENDPOINT_URL_STS", &closed)
            .says("GetSessionToken failed: cannot reach STS")
            .hint("AWS_ENDPOINT_URL_STS"),
        Case::env("a CA bundle that is not there")
            .var("AWS_CA_BUNDLE", "/nonexistent/ca.pem")
            .says("connecting to STS failed: cannot read AWS_CA_BUNDLE /nonexistent/ca.pem")
            .hint("point AWS_CA_BUNDLE at a readable PEM file"),
        Case::env("a CA bundle cut off")
            .file("ca.pem", "-----BEGIN CERTIFICATE-----\nMIIB\n", 0o644)
            .var("AWS_CA_BUNDLE", "ca.pem")
            .says("AWS_CA_BUNDLE ca.pem cannot be used: it is not readable PEM")
            .hint("point AWS_CA_BUNDLE at a readable PEM file"),
        Case::env("a CA bundle holding garbage")
            .file(
                "ca.pem",
                "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
                0o644,
            )
            .var("AWS_CA_BUNDLE", "ca.pem")
            .says("AWS_CA_BUNDLE ca.pem cannot be used: a certificate in it cannot be used"),
        Case::env("a CA bundle with no certificate")
            .file("ca.pem", "hello\n", 0o644)
            .var("AWS_CA_BUNDLE", "ca.pem")
            .says("AWS_CA_BUNDLE ca.pem cannot be used: it holds no certificate"),
        Case::env("an endpoint that is no URL")
            .var("AWS_ENDPOINT_URL_STS", "not a url")
            .says("GetSessionToken failed: the STS endpoint URL 'not a url' is invalid")
            .hint("AWS_ENDPOINT_URL_STS"),
        Case::env("an endpoint with a bad port")
            .var("AWS_ENDPOINT_URL_STS", "http://127.0.0.1:99999")
            .says("the STS endpoint URL 'http://127.0.0.1:99999' is invalid: the port '99999' is not a port number")
            .hint("AWS_ENDPOINT_URL_STS"),
        Case::env("an empty endpoint variable")
            .var("AWS_ENDPOINT_URL_STS", "")
            .says("GetSessionToken failed: the STS endpoint URL is set but empty")
            .hint("AWS_ENDPOINT_URL_STS"),
        Case::env("an endpoint of another scheme")
            .var("AWS_ENDPOINT_URL_STS", &closed.replace("http:", "ftp:"))
            .says("the scheme 'ftp' is not http or https"),
        Case::env("an endpoint without a scheme")
            .var("AWS_ENDPOINT_URL_STS", "127.0.0.1:9")
            .says("it has no scheme"),
        Case::env("an invalid endpoint_url in the profile")
            .files(
                "[default]\nmfa_serial = arn:aws:iam::123456789012:mfa/tester\nendpoint_url = ::nonsense::\n",
                DEFAULT_CREDENTIALS,
            )
            .endpoint_from_profile()
            .says("the STS endpoint URL '::nonsense::' is invalid")
            .hint("endpoint_url in the profile"),
    ]);
}

/// `--timeout` bounds the whole call, retries included; 15 s unless told.
#[test]
fn a_silent_server_is_given_up_on_after_15_seconds_by_default() {
    let fake = FakeSts::start();
    for _ in 0..3 {
        fake.then(Reply::Hang);
    }
    let env = TestEnv::new().sts(&fake);
    let started = Instant::now();
    env.run(&["env", "--shell", "bash", "-t", CODE])
        .assert_failure("GetSessionToken failed: no answer from STS within 15 s");
    let took = started.elapsed();
    assert!(
        took >= Duration::from_secs(14) && took < Duration::from_secs(30),
        "15 s in total, retries included: {took:?}"
    );
    assert_cache_clean(&env.cache_dir(), false, "default timeout");
}

#[test]
fn exec_of_a_missing_or_unrunnable_command_gets_127_or_126_before_any_code() {
    check(&[
        Case::exec("a command not on PATH", &["no-such-command-here"])
            .says("cannot run 'no-such-command-here': command not found")
            .hint("check the command's name and your PATH")
            .exit(127)
            .no_calls(),
        Case::exec("a path that does not exist", &["./missing", "arg"])
            .says("cannot run './missing': command not found")
            .exit(127)
            .no_calls(),
        Case::exec("a file that is not executable", &["./not-executable.sh"])
            .file("not-executable.sh", "#!/bin/sh\necho hi\n", 0o644)
            .says(
                "cannot run './not-executable.sh': permission denied: it is not an executable file",
            )
            .hint("chmod +x")
            .exit(126)
            .no_calls(),
        Case::exec("a directory", &["/"])
            .says("cannot run '/': it is a directory")
            .exit(126)
            .no_calls(),
    ]);
}

#[test]
fn a_passing_fault_is_retried_into_a_session() {
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

/// Ctrl-C (or a `kill`) while STS is being asked: the process ends by that signal (the
/// shell shows 130 or 143), nothing on stdout, no cache entry, no temp file. The default
/// disposition does it: no handler runs, and nothing is written before STS answers.
#[test]
fn a_signal_during_the_sts_call_ends_the_run_and_leaves_nothing() {
    use std::process::Stdio;

    let commands: [&[&str]; 4] = [
        &["env", "--shell", "bash", "-t", CODE],
        &["credential-process", "-t", CODE],
        &["exec", "-t", CODE, "--", "true"],
        &["exec", "--server", "-t", CODE, "--", "true"],
    ];
    for (signal, name) in [(libc::SIGINT, "SIGINT"), (libc::SIGTERM, "SIGTERM")] {
        for args in commands {
            let what = format!("{name} during {}", args.join(" "));
            let fake = FakeSts::start();
            fake.then(Reply::Hang);
            let env = TestEnv::new().sts(&fake);
            let mut command = env.command(BIN);
            command
                .args(args)
                .stdout(Stdio::piped())
                .stderr(Stdio::piped());
            as_from_a_terminal(&mut command);
            let child = command.spawn().unwrap();
            let started = Instant::now();
            while fake.calls().is_empty() {
                assert!(
                    started.elapsed() < Duration::from_secs(20),
                    "{what}: STS never asked"
                );
                std::thread::sleep(Duration::from_millis(10));
            }
            let sent = Instant::now();
            send_signal(child.id(), signal);
            let out = env.output_of(child);
            assert_eq!(
                out.code,
                Some(128 + signal),
                "{what}: ended by it: {out:#?}"
            );
            assert_eq!(out.stdout, "", "{what}");
            assert_no_secrets(&out.stderr);
            assert!(
                sent.elapsed() < Duration::from_secs(10),
                "{what}: ended at once"
            );
            assert_eq!(fake.calls().len(), 1, "{what}");
            assert_cache_clean(&env.cache_dir(), false, &what);
        }
    }
}

#[test]
fn aws_ca_bundle_names_the_trusted_ca() {
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
