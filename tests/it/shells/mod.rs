//! The shell writers through the real shells: any value byte for byte (`values`), the
//! exact text of every writer (insta snapshots), `env --unset` and a session in every
//! shell, and what only one shell needs (fish's universal variables, nushell's files,
//! tcsh's `!`).

mod values;

use std::time::{Duration, UNIX_EPOCH};

use aws_mfa::session::{Credentials, Secret, Session};
use aws_mfa::shell::Shell;

use crate::support::peers::require;
use crate::support::pwsh::read_pwsh;
use crate::support::shells::{SHELLS, shells_taking_env};
use crate::support::*;

// ---------------------------------------------------------------------------------------
// The exact text of every writer, and `env --unset` in every shell.
// ---------------------------------------------------------------------------------------

/// A session as STS could hand it out, at a fixed time.
fn fixed_session(profile: &str, token: &str) -> Session {
    Session {
        profile: profile.to_owned(),
        region: Some("eu-west-1".to_owned()),
        credentials: Credentials {
            access_key_id: "ASIAEXAMPLE000000001".to_owned(),
            secret_access_key: Secret::new("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"),
            session_token: Secret::new(token),
            expiration: UNIX_EPOCH + Duration::from_secs(1_795_863_600),
        },
        profile_env: Default::default(),
    }
}

/// The statements (in a UTF-8 locale), or the refusal of a value the shell cannot carry.
fn rendered(shell: Shell, session: &Session) -> String {
    shell
        .render_in_locale(&session.env_changes(), true)
        .unwrap_or_else(|e| format!("refused: {e}\n"))
}

#[test]
fn every_writer_prints_exactly_these_statements() {
    let plain = fixed_session("work", "IQoJb3JpZ2luX2VjEXAMPLE+/=");
    let tricky = fixed_session(
        "o'brien",
        "it\u{2019}s $(x) `y` ${z} \"q\" \\ tab\there\nline é 😀 \\",
    );
    let one_line = fixed_session("o'brien!", "it's !! `y` $z \\ tab\there \u{e9} \\");
    let env = TestEnv::new();
    for shell in &SHELLS {
        let name = shell.name;
        let unset = env.run(&["env", "--unset", "--shell", name]);
        unset.assert_success();
        let text = format!(
            "# a session\n{}\n# values that need quoting\n{}\n# on one line, with `!`\n{}\n# env --unset\n{}",
            rendered(shell.writer, &plain),
            rendered(shell.writer, &tricky),
            rendered(shell.writer, &one_line),
            unset.stdout
        );
        insta::assert_snapshot!(name, text);
    }
}

#[test]
fn unset_removes_every_session_variable_in_every_shell_and_succeeds() {
    let env = TestEnv::new();
    // Twice: once with every variable there, once with none (removing nothing is fine too).
    for (shell, take_env) in shells_taking_env() {
        let program = shell.program;
        let Some(path) = require(program) else {
            continue;
        };
        let set = SESSION_VARIABLES
            .iter()
            .map(|v| (shell.set_env)(v, "stale"));
        let unset = [take_env("--unset"), take_env("--unset"), shell.env0.into()];
        let out = env.shell(&path, shell.flags, &shell.script(set.chain(unset)));
        out.assert_success();
        assert_eq!(out.stderr, "", "{program}");
        let vars = parse_env0(&out.stdout);
        let left: Vec<&str> = SESSION_VARIABLES
            .into_iter()
            .filter(|v| vars.contains_key(*v))
            .collect();
        assert!(left.is_empty(), "{program} kept {left:?}");
    }
    // PowerShell, as its rules read the statements.
    let out = env.run(&["env", "--unset", "--shell", "pwsh"]);
    out.assert_success();
    let removed: Vec<(String, Option<String>)> = SESSION_VARIABLES
        .iter()
        .map(|v| ((*v).to_owned(), None))
        .collect();
    assert_eq!(read_pwsh(&out.stdout).unwrap(), removed);
}

#[test]
fn a_session_evaluates_with_status_zero_in_every_shell() {
    // `aws-mfa env | source; and terraform apply` must go on after a good session, also
    // when none of the removed variables existed (fish's `set -e` returns 4 for those).
    let fake = FakeSts::start();
    let env = TestEnv::new().sts(&fake);
    for (shell, take_env) in shells_taking_env() {
        let program = shell.program;
        let Some(path) = require(program) else {
            continue;
        };
        let script = shell.script([take_env(&format!("-t {CODE}")), "echo ok".into()]);
        let out = env.shell(&path, shell.flags, &script);
        out.assert_success();
        assert_eq!(out.stdout, "ok\n", "{program}: {}", out.stderr);
    }
    // nushell sources the file `env` writes (a parse-time path), then goes on.
    if let Some(nu) = require("nu") {
        let session = env.run(&["env", "--shell", "nushell", "-t", CODE]);
        session.assert_success();
        std::fs::write(env.path().join("session.nu"), &session.stdout).unwrap();
        let out = env.shell(&nu, &["--no-config-file"], "source session.nu; print ok");
        assert_eq!(
            (out.code, out.stdout.as_str()),
            (Some(0), "ok\n"),
            "nu: {out:#?}"
        );
    }
}

#[test]
fn json_holds_the_session_and_null_for_each_removed_variable() {
    let fake = FakeSts::start();
    let env = TestEnv::new().sts(&fake);
    let out = env.run(&["env", "--shell", "json", "-t", CODE]);
    out.assert_success();
    let object: serde_json::Map<String, serde_json::Value> =
        serde_json::from_str(&out.stdout).expect("one JSON object");
    let issued = fake.keys(1);
    assert_eq!(object["AWS_ACCESS_KEY_ID"], issued.access_key_id.as_str());
    assert_eq!(
        object["AWS_SECRET_ACCESS_KEY"],
        issued.secret_access_key.as_str()
    );
    assert_eq!(
        object["AWS_SESSION_TOKEN"].as_str(),
        issued.session_token.as_deref()
    );
    assert_eq!(object["AWS_MFA_PROFILE"], "default");
    assert_eq!(object["AWS_REGION"], "eu-west-1");
    for removed in [
        "AWS_PROFILE",
        "AWS_DEFAULT_PROFILE",
        "AWS_SECURITY_TOKEN",
        "AWS_ACCOUNT_ID",
    ] {
        assert!(object[removed].is_null(), "{removed}");
    }
    let out = env.run(&["env", "--shell", "json", "--unset"]);
    out.assert_success();
    let object: serde_json::Map<String, serde_json::Value> =
        serde_json::from_str(&out.stdout).expect("one JSON object");
    let mut names: Vec<&str> = object.keys().map(String::as_str).collect();
    let mut expected = SESSION_VARIABLES.to_vec();
    names.sort_unstable();
    expected.sort_unstable();
    assert_eq!(names, expected);
    assert!(object.values().all(serde_json::Value::is_null));
}

#[test]
fn fish_never_erases_a_universal_aws_profile_and_says_so() {
    let Some(fish) = require("fish") else {
        return;
    };
    // Universal variables live in the (temporary) home's fish config; `--no-config` would
    // not keep them, and this home has no config.fish to read.
    let env = TestEnv::new();
    env.shell(&fish, &[], "set -Ux AWS_PROFILE work")
        .assert_success();
    let store = env.home().join(".config/fish/fish_variables");
    let before = std::fs::read_to_string(&store).expect("fish keeps its universal variables");
    assert!(before.contains("AWS_PROFILE:work"), "{before}");

    let out = env.shell(
        &fish,
        &[],
        r#"set -gx AWS_PROFILE global; "$AWS_MFA" env --unset | source
set -q -U AWS_PROFILE; and echo "universal $AWS_PROFILE""#,
    );
    out.assert_success();
    assert_eq!(out.stdout, "universal work\n");
    assert!(
        out.stderr.contains(
            "aws-mfa: warning: a universal AWS_PROFILE is set and still reaches child processes"
        ) && out.stderr.contains("set -e -U AWS_PROFILE"),
        "{}",
        out.stderr
    );
    assert_eq!(std::fs::read_to_string(&store).unwrap(), before);
}

// ---------------------------------------------------------------------------------------
// nushell's files, and what tcsh cannot carry, through the real program.
// ---------------------------------------------------------------------------------------

#[test]
fn nushell_sources_env_unset_twice_and_keeps_nothing() {
    let Some(nu) = require("nu") else {
        return;
    };
    let env = TestEnv::new();
    let out = env.run(&["env", "--unset", "--shell", "nushell"]);
    out.assert_success();
    std::fs::write(env.path().join("unset.nu"), &out.stdout).unwrap();
    let set: String = SESSION_VARIABLES
        .iter()
        .map(|v| format!("$env.{v} = 'stale'; "))
        .collect();
    let out = env.shell(
        &nu,
        &["--no-config-file"],
        &format!("{set} source unset.nu; source unset.nu; ^env -0"),
    );
    assert_eq!((out.code, out.stderr.as_str()), (Some(0), ""), "{out:#?}");
    let vars = parse_env0(&out.stdout);
    let left: Vec<&str> = SESSION_VARIABLES
        .into_iter()
        .filter(|v| vars.contains_key(*v))
        .collect();
    assert!(left.is_empty(), "nu kept {left:?}");
}

/// What STS may hand out as it is: a token with `!` (tcsh's history substitution) and `é`.
const BANG_TOKEN: &str = concat!(
    r#"<GetSessionTokenResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><GetSessionTokenResult>"#,
    "<Credentials><AccessKeyId>ASIAFAKE000000000001</AccessKeyId>",
    "<SecretAccessKey>FAKESECRET!x</SecretAccessKey><SessionToken>FAKETOKEN!!caf\u{e9}</SessionToken>",
    "<Expiration>2099-01-01T00:00:00Z</Expiration></Credentials></GetSessionTokenResult>",
    "<ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></GetSessionTokenResponse>",
);

#[test]
fn tcsh_carries_a_bang_and_refuses_non_ascii_outside_a_utf8_locale() {
    let Some(tcsh) = require("tcsh") else {
        return;
    };
    let fake = FakeSts::start();
    fake.then(Reply::Raw {
        status: 200,
        body: BANG_TOKEN,
    });
    let mut env = TestEnv::new().sts(&fake);
    let script = format!("eval \"`$AWS_MFA env -t {CODE}`\"; env -0");
    let out = env.shell(&tcsh, &["-f"], &script);
    assert_eq!((out.code, out.stderr.as_str()), (Some(0), ""), "{out:#?}");
    let vars = parse_env0(&out.stdout);
    assert_eq!(vars["AWS_SESSION_TOKEN"], "FAKETOKEN!!caf\u{e9}");
    assert_eq!(vars["AWS_SECRET_ACCESS_KEY"], "FAKESECRET!x");

    // In the C locale tcsh garbles non-ASCII text on its read boundaries: refused, named,
    // and the value itself (a secret) is not shown.
    env.set("LANG", "C");
    let out = env.run(&["env", "--shell", "csh", "-t", CODE]);
    out.assert_failure(
        "aws-mfa: cannot write AWS_SESSION_TOKEN for tcsh: its value holds U+00E9, a non-ASCII character, and the locale is not UTF-8, which tcsh cannot carry",
    )
    .assert_failure("hint: run the command with 'aws-mfa exec -- CMD'");
    assert_eq!(out.stdout, "");
    assert!(!out.stderr.contains("FAKETOKEN"), "{}", out.stderr);
    assert_eq!(
        fake.count("GetSessionToken"),
        1,
        "the cached session was used"
    );
}
