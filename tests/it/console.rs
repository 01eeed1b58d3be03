//! `aws-mfa console`: role credentials exchanged at a fake federation endpoint on loopback,
//! the printed sign-in URL, the browser, the partitions, and the refusals.

use std::collections::BTreeMap;
use std::time::Duration;

use crate::support::signin::{FakeSignin, SIGNIN_TOKEN};
use crate::support::*;

/// ROLE_CONFIG and two more roles: a chained one and one in another partition.
fn config() -> String {
    format!(
        "{ROLE_CONFIG}
[profile deep]
role_arn = arn:aws:iam::333333333333:role/deep
source_profile = admin

[profile gov]
role_arn = arn:aws-us-gov:iam::444444444444:role/admin
source_profile = default
region = us-gov-west-1
"
    )
}

fn console_env(fake: &FakeSts, signin: &FakeSignin) -> TestEnv {
    let mut env = TestEnv::with_files(&config(), DEFAULT_CREDENTIALS).sts(fake);
    env.set("AWS_MFA_SIGNIN_URL", &signin.url);
    env
}

/// The query of a printed URL, decoded.
fn query(url: &str) -> BTreeMap<String, String> {
    let (_, query) = url.trim().split_once('?').expect("a query");
    form_urlencoded::parse(query.as_bytes())
        .into_owned()
        .collect()
}

#[test]
fn role_credentials_go_to_the_federation_endpoint_and_the_printed_url_signs_in() {
    let fake = FakeSts::start();
    let signin = FakeSignin::start();
    let env = console_env(&fake, &signin);
    let out = env.run(&["console", "-p", "admin", "--print", "-t", CODE]);
    out.assert_success();

    // stdout: the sign-in URL and nothing else.
    assert_eq!(out.stdout.lines().count(), 1, "{}", out.stdout);
    assert!(
        out.stdout
            .starts_with(&format!("{}?Action=login&", signin.url)),
        "{}",
        out.stdout
    );
    let login = query(&out.stdout);
    assert_eq!(login["SigninToken"], SIGNIN_TOKEN);
    assert_eq!(login["Destination"], "https://console.aws.amazon.com/");
    assert!(!out.stderr.contains(SIGNIN_TOKEN), "{}", out.stderr);
    assert!(out.stderr.contains("role chaining"), "{}", out.stderr);

    // The role's credentials went to the endpoint, in a POST body; the long-term keys never.
    let requests = signin.requests();
    assert_eq!(requests.len(), 1);
    let request = &requests[0];
    assert_eq!(request.method, "POST");
    assert_eq!(request.form["Action"], "getSigninToken");
    assert_eq!(
        request.form.get("SessionDuration"),
        None,
        "role-chained credentials take no SessionDuration"
    );
    let session = request.session();
    let actions: Vec<String> = fake.mints().iter().map(|c| c.action.clone()).collect();
    assert_eq!(actions, ["GetSessionToken", "AssumeRole"]);
    // The role's set exactly: a `+` that arrived as a space, or a token of another
    // session, would not be it.
    let role = fake.keys(2);
    assert_eq!(
        session["sessionId"],
        role.access_key_id.as_str(),
        "the role's key"
    );
    assert_eq!(session["sessionKey"], role.secret_access_key.as_str());
    assert_eq!(
        session["sessionToken"].as_str(),
        role.session_token.as_deref()
    );
    for long_term in [ACCESS_KEY, SECRET_KEY] {
        assert!(!request.raw.contains(long_term), "{long_term} was sent");
        let encoded: String = form_urlencoded::byte_serialize(long_term.as_bytes()).collect();
        assert!(!request.raw.contains(&encoded), "{long_term} was sent");
    }

    // Next time the cached role credentials serve (no prompt), and -v never shows the URL.
    let verbose = env.run(&["console", "-p", "admin", "--print", "-v"]);
    verbose.assert_success();
    assert!(verbose.stdout.contains(SIGNIN_TOKEN));
    assert!(!verbose.stderr.contains(SIGNIN_TOKEN), "{}", verbose.stderr);
    assert!(
        verbose.stderr.contains("getSigninToken"),
        "{}",
        verbose.stderr
    );
    assert_eq!(fake.mints().len(), 2, "served from the cache");
}

/// A console signed in with role-chained credentials ends with them: credentials with less
/// than 45 minutes left are re-minted first, from the cached MFA session (no prompt),
/// however long STS granted them for. The same credentials still serve a shell's tools.
#[test]
fn role_credentials_with_less_than_45_minutes_left_are_re_minted_before_signing_in() {
    let fake = FakeSts::start();
    let signin = FakeSignin::start();
    let env = console_env(&fake, &signin);
    fake.lifetime(Duration::from_secs(40 * 60));
    env.run(&["console", "-p", "admin", "--print", "-t", CODE])
        .assert_success();
    assert_eq!(fake.count("AssumeRole"), 1);

    let out = env.run(&["console", "-p", "admin", "--print"]);
    out.assert_success();
    assert_eq!(out.stdout.lines().count(), 1, "{}", out.stdout);
    assert_eq!(
        fake.count("AssumeRole"),
        2,
        "40 minutes left is less than the console's 45"
    );
    assert_eq!(fake.count("GetSessionToken"), 1, "no new code");
    assert_eq!(signin.requests().len(), 2);

    env.run(&["env", "-p", "admin", "--shell", "bash"])
        .assert_success();
    assert_eq!(
        fake.count("AssumeRole"),
        2,
        "a shell takes them as they are"
    );
}

#[test]
fn a_role_assumed_with_long_term_keys_gets_the_console_session_asked_for() {
    let fake = FakeSts::start();
    let signin = FakeSignin::start();
    let env = console_env(&fake, &signin);
    let args = [
        "console",
        "-p",
        "admin",
        "--no-session",
        "-d",
        "8h",
        "--print",
        "-t",
        CODE,
    ];
    env.run(&args).assert_success();
    let calls = fake.calls();
    assert_eq!(calls.len(), 1);
    assert_eq!(calls[0].action, "AssumeRole");
    assert_eq!(calls[0].signed_with, Some(long_term()));
    assert_eq!(calls[0].param("DurationSeconds"), Some("28800"));
    assert_eq!(signin.requests()[0].form["SessionDuration"], "28800");
}

#[test]
fn a_chain_of_roles_sends_no_session_duration_even_with_no_session() {
    let fake = FakeSts::start();
    let signin = FakeSignin::start();
    let env = console_env(&fake, &signin);
    let out = env.run(&[
        "console",
        "-p",
        "deep",
        "--no-session",
        "--print",
        "-t",
        CODE,
    ]);
    out.assert_success();
    assert_eq!(fake.count("AssumeRole"), 2);
    let request = &signin.requests()[0];
    assert_eq!(request.form.get("SessionDuration"), None);
    assert_eq!(request.session()["sessionId"], "ASIAFAKE000000000002");
}

#[test]
fn a_plain_user_profile_is_refused_with_the_reason_before_any_call() {
    let fake = FakeSts::start();
    let signin = FakeSignin::start();
    let env = console_env(&fake, &signin);
    env.run(&["console", "--print", "-t", CODE])
        .assert_failure(
            "profile 'default' cannot sign in to the console: it is a plain user profile",
        )
        .assert_failure("credentials from GetSessionToken cannot sign in to the console")
        .assert_failure("GetFederationToken, which could, is denied under an MFA-enforcing policy")
        .assert_failure("hint: use a role profile")
        .assert_failure("source_profile = default");
    assert!(fake.calls().is_empty());
    assert!(signin.requests().is_empty());
}

#[test]
fn errors_from_the_federation_endpoint_are_shown_with_what_to_do() {
    let fake = FakeSts::start();
    let signin = FakeSignin::start();
    let mut env = console_env(&fake, &signin);
    signin.fail_with(
        400,
        r#"{"message":"Invalid credentials parameter","description":"The request sent by the client was syntactically incorrect."}"#,
    );
    env.run(&["console", "-p", "admin", "--print", "-t", CODE])
        .assert_failure("console sign-in failed: the federation endpoint answered HTTP 400: Invalid credentials parameter: The request sent by the client was syntactically incorrect.")
        .assert_failure("--refresh");
    signin.fail_with(200, "<html>not the federation endpoint</html>");
    env.run(&["console", "-p", "admin", "--print"])
        .assert_failure("the federation endpoint answered without a sign-in token")
        .assert_failure("AWS_MFA_SIGNIN_URL");
    signin.fail_with(503, "");
    env.run(&["console", "-p", "admin", "--print"])
        .assert_failure("answered HTTP 503")
        .assert_failure("try again shortly");

    // Nobody listening: said with the address, never with what was to be sent.
    env.set("AWS_MFA_SIGNIN_URL", "http://127.0.0.1:9/federation");
    env.run(&["console", "-p", "admin", "--print"])
        .assert_failure("cannot reach the federation endpoint http://127.0.0.1:9/federation");
}

#[test]
fn the_partition_sets_the_console_and_destination_and_endpoint_are_checked() {
    let fake = FakeSts::start();
    let signin = FakeSignin::start();
    let mut env = console_env(&fake, &signin);
    let out = env.run(&["console", "-p", "gov", "--print", "-t", CODE]);
    out.assert_success();
    assert_eq!(
        query(&out.stdout)["Destination"],
        "https://console.amazonaws-us-gov.com/"
    );
    let page = "https://console.aws.amazon.com/s3/home?region=eu-west-1#&x=1";
    let out = env.run(&["console", "-p", "admin", "--print", "--destination", page]);
    out.assert_success();
    assert_eq!(query(&out.stdout)["Destination"], page);

    let calls = fake.calls().len();
    env.run(&[
        "console",
        "-p",
        "admin",
        "--print",
        "--destination",
        "http://example.com/",
    ])
    .assert_failure("--destination 'http://example.com/' is not an https:// URL");
    env.set("AWS_MFA_SIGNIN_URL", "http://192.0.2.1/federation");
    env.run(&["console", "-p", "admin", "--print"])
        .assert_failure(
            "AWS_MFA_SIGNIN_URL 'http://192.0.2.1/federation' is plain http to another host",
        );
    assert_eq!(fake.calls().len(), calls, "refused before any call");
    assert_eq!(signin.requests().len(), 2);
}

/// A stand-in opener that writes its arguments, one a line, to `log`.
fn recorder(dir: &std::path::Path, name: &str, log: &std::path::Path) -> std::path::PathBuf {
    let path = dir.join(name);
    std::fs::write(
        &path,
        format!("#!/bin/sh\nprintf '%s\\n' \"$@\" > '{}'\n", log.display()),
    )
    .unwrap();
    std::fs::set_permissions(&path, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    path
}

#[test]
fn the_url_goes_to_the_browser_not_to_stdout() {
    let fake = FakeSts::start();
    let signin = FakeSignin::start();
    let mut env = console_env(&fake, &signin);
    let bin = env.path().join("bin");
    std::fs::create_dir(&bin).unwrap();
    let log = env.path().join("opened");
    recorder(&bin, "xdg-open", &log);
    let path = format!("{}:{}", bin.display(), std::env::var("PATH").unwrap());
    env.set("PATH", &path);

    let out = env.run(&["console", "-p", "admin", "-t", CODE]);
    out.assert_success();
    assert_eq!(out.stdout, "");
    assert!(
        out.stderr
            .contains("opened the console for role profile 'admin'"),
        "{}",
        out.stderr
    );
    let opened = std::fs::read_to_string(&log).unwrap();
    assert_eq!(opened.lines().count(), 1, "{opened}");
    assert_eq!(query(&opened)["SigninToken"], SIGNIN_TOKEN);

    // $BROWSER comes first: a list like PATH, %s standing for the URL.
    let browser_log = env.path().join("browser");
    let browser = recorder(&bin, "my browser", &browser_log);
    env.set(
        "BROWSER",
        &format!("/nonexistent/browser:'{}' --new-tab %s", browser.display()),
    );
    std::fs::remove_file(&log).unwrap();
    env.run(&["console", "-p", "admin"]).assert_success();
    let opened = std::fs::read_to_string(&browser_log).unwrap();
    let lines: Vec<&str> = opened.lines().collect();
    assert_eq!(lines[0], "--new-tab");
    assert_eq!(query(lines[1])["SigninToken"], SIGNIN_TOKEN);
    assert!(!log.exists(), "xdg-open is not needed");

    // Nothing that opens: say what was tried, and how to go on.
    env.set("PATH", &env.path().join("empty").display().to_string());
    env.set("BROWSER", "/nonexistent/browser");
    env.run(&["console", "-p", "admin"])
        .assert_failure(
            "cannot open the browser: BROWSER command '/nonexistent/browser' cannot be started",
        )
        .assert_failure("'xdg-open' cannot be started")
        .assert_failure("--print");
}

#[test]
fn over_https_the_federation_endpoint_is_trusted_through_aws_ca_bundle() {
    let fake = FakeSts::start();
    let (signin, ca_pem) = FakeSignin::start_tls();
    let mut env = console_env(&fake, &signin);
    assert!(signin.url.starts_with("https://127.0.0.1:"));
    // Not trusted: the TLS stack checks the certificate.
    env.run(&["console", "-p", "admin", "--print", "-t", CODE])
        .assert_failure("cannot reach the federation endpoint https://127.0.0.1:")
        .assert_failure("invalid peer certificate: UnknownIssuer")
        .assert_failure("AWS_CA_BUNDLE");
    assert!(signin.requests().is_empty());
    let ca = env.path().join("ca.pem");
    std::fs::write(&ca, ca_pem).unwrap();
    env.set("AWS_CA_BUNDLE", &ca.display().to_string());
    let out = env.run(&["console", "-p", "admin", "--print"]);
    out.assert_success();
    assert_eq!(query(&out.stdout)["SigninToken"], SIGNIN_TOKEN);
    assert_eq!(
        signin.requests()[0].session()["sessionId"],
        "ASIAFAKE000000000002"
    );
}
