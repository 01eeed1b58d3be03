//! `aws-mfa console` against federation endpoints that misbehave: one that echoes the
//! request (a proxy's error page), one that answers without end, one whose token is absurd;
//! a `BROWSER` whose program is the URL; an endpoint URL that two parsers read differently.

use crate::support::signin::{FakeSignin, SIGNIN_TOKEN};
use crate::support::*;

fn console_env(fake: &FakeSts, url: &str) -> TestEnv {
    let mut env = TestEnv::with_files(ROLE_CONFIG, DEFAULT_CREDENTIALS).sts(fake);
    env.set("AWS_MFA_SIGNIN_URL", url);
    env
}

/// The role's credentials as the federation endpoint received them (its `Session`).
fn sent_credentials(form: &str) -> [String; 3] {
    let session = form_urlencoded::parse(form.as_bytes())
        .find(|(k, _)| k == "Session")
        .map(|(_, v)| v.into_owned())
        .expect("a Session");
    let session: serde_json::Value = serde_json::from_str(&session).unwrap();
    ["sessionId", "sessionKey", "sessionToken"].map(|k| session[k].as_str().unwrap().to_owned())
}

/// Every way a reply could show `value`: raw, URL-encoded (`%2F`, `+` for a space), JSON.
fn encodings(value: &str) -> Vec<String> {
    let form: String = form_urlencoded::byte_serialize(value.as_bytes()).collect();
    let json = serde_json::to_string(value).unwrap();
    vec![
        value.to_owned(),
        form.clone(),
        form.replace('+', "%20"),
        json.trim_matches('"').to_owned(),
        json.trim_matches('"').replace('/', "\\/"),
    ]
}

/// How a reply shows the request's form.
type Echo = fn(&str) -> String;

#[test]
fn an_endpoint_that_echoes_the_request_never_gets_the_credentials_shown() {
    let fake = FakeSts::start();
    // What proxies and error pages do with a request: the form as it came, decoded, inside
    // JSON, inside HTML.
    let echoes: [(&str, Echo); 5] = [
        ("raw form", |form| format!("bad request: {form}")),
        ("decoded form", |form| {
            let decoded: Vec<String> = form_urlencoded::parse(form.as_bytes())
                .map(|(k, v)| format!("{k}={v}"))
                .collect();
            format!("Rejected {}", decoded.join(" "))
        }),
        ("json message", |form| {
            let decoded: Vec<String> = form_urlencoded::parse(form.as_bytes())
                .map(|(_, v)| v.into_owned())
                .collect();
            serde_json::json!({ "message": "Invalid", "description": decoded.join(" ") })
                .to_string()
                .replace('/', "\\/")
        }),
        ("words split", |form| {
            // Every credential cut into short words, so no word is long.
            let decoded: String = form_urlencoded::parse(form.as_bytes())
                .map(|(_, v)| v.into_owned())
                .collect();
            let chars: Vec<char> = decoded.chars().collect();
            chars
                .chunks(10)
                .map(|c| c.iter().collect::<String>())
                .collect::<Vec<_>>()
                .join(" ")
        }),
        ("html page", |form| {
            format!(
                "<p>{}</p>",
                form.replace('%', "&#37;").replace('+', "&#43;")
            )
        }),
    ];
    for (what, echo) in echoes {
        let endpoint = FakeSignin::answering(move |form| (400, echo(form).into_bytes()));
        let env = console_env(&fake, &endpoint.url);
        let out = env.run(&["console", "-p", "admin", "--print", "-t", CODE]);
        out.assert_failure("the federation endpoint answered HTTP 400 (")
            .assert_failure("bytes, not shown: they may hold what was sent)");
        let form = endpoint.requests()[0].raw.clone();
        for credential in sent_credentials(&form) {
            for shown in encodings(&credential) {
                assert!(
                    !out.stderr.contains(&shown),
                    "{what}: {shown:?} of {credential:?} was shown: {}",
                    out.stderr
                );
            }
        }
    }
    // Words that hold nothing that was sent are still shown.
    let endpoint =
        FakeSignin::answering(|_| (403, b"Access denied by the corporate proxy".to_vec()));
    let env = console_env(&fake, &endpoint.url);
    env.run(&["console", "-p", "admin", "--print", "-t", CODE])
        .assert_failure("answered HTTP 403: Access denied by the corporate proxy");
}

#[test]
fn a_reply_without_end_is_read_only_as_far_as_a_token_needs_and_an_absurd_token_is_refused() {
    let fake = FakeSts::start();
    // 32 MB of answer: read whole before, and held in memory twice.
    let endless = FakeSignin::answering(|_| (200, vec![b'A'; 32 << 20]));
    let env = console_env(&fake, &endless.url);
    let started = std::time::Instant::now();
    env.run(&["console", "-p", "admin", "--print", "-t", CODE])
        .assert_failure("the federation endpoint answered HTTP 200 with more than 64 KiB, more than any sign-in token needs")
        .assert_failure("AWS_MFA_SIGNIN_URL");
    assert!(started.elapsed() < std::time::Duration::from_secs(10));

    // A token that fits in the reply but is no token AWS issues.
    let huge = "T".repeat(40_000);
    let absurd = FakeSignin::answering(move |_| {
        (200, format!("{{\"SigninToken\":\"{huge}\"}}").into_bytes())
    });
    let env = console_env(&fake, &absurd.url);
    env.run(&["console", "-p", "admin", "--print", "-t", CODE])
        .assert_failure("answered a sign-in token of 40000 bytes; real ones are a few KB");
    let spaced = FakeSignin::answering(|_| (200, br#"{"SigninToken":"a b\u001b[2J"}"#.to_vec()));
    let env = console_env(&fake, &spaced.url);
    env.run(&["console", "-p", "admin", "--print", "-t", CODE])
        .assert_failure("a sign-in token with characters no sign-in token has");
}

#[test]
fn a_browser_command_is_named_as_written_never_with_the_url() {
    let fake = FakeSts::start();
    let endpoint = FakeSignin::start();
    let mut env = console_env(&fake, &endpoint.url);
    env.set("PATH", &env.path().join("empty").display().to_string());
    env.set("BROWSER", "%s:/nonexistent/%s:/nonexistent/open --url=%s");
    let out = env.run(&["console", "-p", "admin", "-t", CODE]);
    out.assert_failure("cannot open the browser: BROWSER command '%s' cannot be started")
        .assert_failure("BROWSER command '/nonexistent/%s' cannot be started")
        .assert_failure("BROWSER command '/nonexistent/open' cannot be started");
    assert!(!out.stderr.contains(SIGNIN_TOKEN), "{}", out.stderr);
    assert!(!out.stderr.contains("Action=login"), "{}", out.stderr);
    assert_eq!(endpoint.requests().len(), 1);
}

#[test]
fn the_endpoint_shown_is_the_endpoint_used() {
    let fake = FakeSts::start();
    let endpoint = FakeSignin::start();
    // A browser (and the URL parser) reads the host before `#`; the rest is a fragment.
    let tricky = format!("{}#@signin.aws.amazon.com/", endpoint.url);
    let env = console_env(&fake, &tricky);
    let out = env.run(&["console", "-p", "admin", "--print", "-v", "-t", CODE]);
    out.assert_success();
    assert!(
        out.stderr
            .contains(&format!("getSigninToken at {} ", endpoint.url)),
        "{}",
        out.stderr
    );
    assert!(!out.stderr.contains("amazon.com"), "{}", out.stderr);
    // The sign-in URL is the endpoint used, with the token in its query (not a fragment).
    assert!(
        out.stdout
            .starts_with(&format!("{}?Action=login&", endpoint.url)),
        "{}",
        out.stdout
    );
    assert!(!out.stdout.contains('#'), "{}", out.stdout);
    assert_eq!(endpoint.requests().len(), 1);

    // Nobody there: the error names the address that was called.
    let env = console_env(
        &fake,
        "http://127.0.0.1:9#@signin.aws.amazon.com/federation",
    );
    let out = env.run(&["console", "-p", "admin", "--print", "-t", CODE]);
    out.assert_failure("cannot reach the federation endpoint http://127.0.0.1:9/:");
    assert!(!out.stderr.contains("amazon.com"), "{}", out.stderr);
    // Plain http to a host that is not loopback, however it is written, is refused.
    let env = console_env(&fake, "http://evil.example#@127.0.0.1/federation");
    env.run(&["console", "-p", "admin", "--print", "-t", CODE])
        .assert_failure("AWS_MFA_SIGNIN_URL 'http://evil.example/' is plain http to another host");
}
