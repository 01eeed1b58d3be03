//! A profile's own variables (`aws_mfa_env`): set with the session in every real shell,
//! swapped on switching profile, removed by `env --unset` (and nothing else is), handed to
//! `exec`'s and `exec --server`'s child, named by `-v` and `status`, refused when a name
//! is not one a profile may set.

use std::collections::BTreeMap;

use crate::support::peers::require;
use crate::support::pwsh::read_pwsh;
use crate::support::shells::shells_taking_env;
use crate::support::*;

/// A value every shell must carry byte for byte: quotes, `$(…)`, backticks, backslashes,
/// curly quotes, non-ASCII (no newline: it is one line of the config file).
const ODD: &str = "it's \"$(echo no)\" `echo no` \\ $HOME ‘q’ é ✓ %PATH% {x}";

/// `default` (with the MFA device) sets three variables; `prod`, a role from it, two (one
/// of the same name); `plain` none. Not ROLE_CONFIG: each profile carries its own `aws_mfa_env`.
fn profiles() -> String {
    format!(
        "{DEFAULT_CONFIG}aws_mfa_env =\n  KUBECONFIG = ~/.kube/dev\n  ODD = {ODD}\n  DEV_ONLY = 1\n\
         [profile prod]\nrole_arn = arn:aws:iam::123456789012:role/admin\nsource_profile = default\n\
         aws_mfa_env =\n  KUBECONFIG = ~/.kube/prod\n  TF_WORKSPACE = prod\n\
         [profile plain]\nsource_profile = default\nrole_arn = arn:aws:iam::123456789012:role/plain\n"
    )
}

fn profile_env(fake: &FakeSts) -> TestEnv {
    let mut env = TestEnv::new().sts(fake);
    env.write_aws_file("config", &profiles());
    // Not aws-mfa's: must survive every step.
    env.set("USER_OWN", "mine");
    env
}

/// What a shell holds after each step, from the files its `env -0` went to.
fn steps(env: &TestEnv, program: &str) -> Vec<BTreeMap<String, String>> {
    (1..=4)
        .map(|i| {
            let file = env.path().join(format!("step{i}"));
            let text = std::fs::read_to_string(&file)
                .unwrap_or_else(|e| panic!("{program}: no {}: {e}", file.display()));
            std::fs::remove_file(&file).unwrap();
            parse_env0(&text)
        })
        .collect()
}

#[test]
fn every_shell_sets_swaps_and_removes_the_profiles_variables_and_only_those() {
    let fake = FakeSts::start();
    let env = profile_env(&fake);
    let home = env.home().display().to_string();
    // default, then prod, then plain (none of its own), then --unset; `env -0` after each.
    let step_args = [
        format!("-t {CODE}"),
        "-p prod".into(),
        "-p plain".into(),
        "--unset".into(),
    ];
    for (shell, take_env) in shells_taking_env() {
        let program = shell.program;
        let script = shell.script(
            step_args
                .iter()
                .enumerate()
                .flat_map(|(i, args)| [take_env(args), format!("{} > step{}", shell.env0, i + 1)]),
        );
        let Some(path) = require(program) else {
            continue;
        };
        let out = env.shell(&path, shell.flags, &script);
        out.assert_success();
        let [default, prod, plain, unset] = <[_; 4]>::try_from(steps(&env, program)).unwrap();
        let get = |vars: &BTreeMap<String, String>, name: &str| vars.get(name).cloned();
        let some = |s: &str| Some(s.to_owned());

        assert_eq!(
            get(&default, "AWS_MFA_PROFILE"),
            some("default"),
            "{program}"
        );
        assert_eq!(
            get(&default, "KUBECONFIG"),
            Some(format!("{home}/.kube/dev")),
            "{program}: ~ expanded"
        );
        assert_eq!(get(&default, "ODD"), some(ODD), "{program}: byte for byte");
        assert_eq!(get(&default, "DEV_ONLY"), some("1"), "{program}");
        assert_eq!(
            get(&default, "AWS_MFA_ENV_NAMES"),
            some("KUBECONFIG ODD DEV_ONLY"),
            "{program}"
        );

        assert_eq!(get(&prod, "AWS_MFA_PROFILE"), some("prod"), "{program}");
        assert_eq!(
            get(&prod, "KUBECONFIG"),
            Some(format!("{home}/.kube/prod")),
            "{program}"
        );
        assert_eq!(get(&prod, "TF_WORKSPACE"), some("prod"), "{program}");
        assert_eq!(
            get(&prod, "ODD"),
            None,
            "{program}: the last profile's, gone"
        );
        assert_eq!(get(&prod, "DEV_ONLY"), None, "{program}");
        assert_eq!(
            get(&prod, "AWS_MFA_ENV_NAMES"),
            some("KUBECONFIG TF_WORKSPACE"),
            "{program}"
        );

        assert_eq!(get(&plain, "AWS_MFA_PROFILE"), some("plain"), "{program}");
        for name in ["KUBECONFIG", "TF_WORKSPACE", "AWS_MFA_ENV_NAMES"] {
            assert_eq!(get(&plain, name), None, "{program}: {name} left by prod");
        }

        assert_eq!(get(&unset, "AWS_MFA_PROFILE"), None, "{program}");
        for vars in [&default, &prod, &plain, &unset] {
            assert_eq!(get(vars, "USER_OWN"), some("mine"), "{program}: not ours");
        }
    }
    // A role from the cached MFA session per switch; one code for everything.
    assert_eq!(fake.count("GetSessionToken"), 1);
}

#[test]
fn unset_removes_what_the_last_profile_set_in_every_shell() {
    // Inherited from a shell that held prod's session: `env --unset` finds the names in
    // AWS_MFA_ENV_NAMES; a name that is not one (or is aws-mfa's) is left alone.
    let mut env = TestEnv::new();
    env.set("KUBECONFIG", "/k")
        .set("TF_WORKSPACE", "prod")
        .set(
            "AWS_MFA_ENV_NAMES",
            "KUBECONFIG TF_WORKSPACE $(touch pwned) USER_OWN=x",
        )
        .set("USER_OWN", "mine");
    let out = env.run(&["env", "--unset", "--shell", "bash"]);
    out.assert_success();
    assert!(
        out.stdout
            .ends_with("unset KUBECONFIG;\nunset TF_WORKSPACE;\nunset AWS_MFA_ENV_NAMES;\n"),
        "{}",
        out.stdout
    );
    assert!(!out.stdout.contains("pwned") && !out.stdout.contains("USER_OWN"));
    let out = env.run(&["env", "--unset", "--shell", "pwsh"]);
    let removed: Vec<(String, Option<String>)> = read_pwsh(&out.stdout).unwrap();
    for name in ["KUBECONFIG", "TF_WORKSPACE", "AWS_MFA_ENV_NAMES"] {
        assert!(removed.contains(&(name.to_owned(), None)), "pwsh: {name}");
    }
    let out = env.run(&["env", "--unset", "--shell", "json"]);
    let doc: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(doc["KUBECONFIG"], serde_json::Value::Null);
    assert_eq!(doc["TF_WORKSPACE"], serde_json::Value::Null);
    assert!(doc.get("USER_OWN").is_none());
}

#[test]
fn exec_and_the_server_child_get_the_profiles_variables() {
    let fake = FakeSts::start();
    let mut env = profile_env(&fake);
    // A shell that held default's session: its DEV_ONLY must not reach prod's child.
    env.set("AWS_MFA_ENV_NAMES", "KUBECONFIG DEV_ONLY")
        .set("DEV_ONLY", "1")
        .set("KUBECONFIG", "/old");
    let Some(python) = require("python3") else {
        return;
    };
    let python = python.display().to_string();
    let show = "import os, json; print(json.dumps({k: os.environ.get(k) for k in ['KUBECONFIG', 'TF_WORKSPACE', 'DEV_ONLY', 'AWS_MFA_ENV_NAMES', 'USER_OWN']}))";
    let home = env.home().display().to_string();
    let expected = serde_json::json!({
        "KUBECONFIG": format!("{home}/.kube/prod"),
        "TF_WORKSPACE": "prod",
        "DEV_ONLY": null,
        "AWS_MFA_ENV_NAMES": "KUBECONFIG TF_WORKSPACE",
        "USER_OWN": "mine",
    });
    for server in [false, true] {
        let mut args = vec!["exec", "-p", "prod", "-t", CODE];
        if server {
            args.push("--server");
        }
        args.extend(["--", &python, "-c", show]);
        let out = env.run(&args);
        out.assert_success();
        let got: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
        assert_eq!(got, expected, "server: {server}");
    }
}

#[test]
fn verbose_and_status_name_the_variables_never_their_values() {
    let fake = FakeSts::start();
    let mut env = profile_env(&fake);
    let config = profiles().replace(
        "TF_WORKSPACE = prod",
        "TF_WORKSPACE = prod\n  TF_VAR_token = s3cr3t-v4lue",
    );
    env.write_aws_file("config", &config);
    let out = env.run(&["env", "-v", "-p", "prod", "-t", CODE, "--shell", "bash"]);
    out.assert_success();
    assert!(
        out.stderr
            .contains("profile 'prod': aws_mfa_env sets KUBECONFIG TF_WORKSPACE TF_VAR_token"),
        "{}",
        out.stderr
    );
    assert!(!out.stderr.contains("s3cr3t-v4lue"), "{}", out.stderr);
    assert!(out.stdout.contains("export TF_VAR_token='s3cr3t-v4lue';\n"));

    let Some(bash) = require("bash") else {
        return;
    };
    let out = env.shell(
        &bash,
        &["--norc"],
        r#"eval "$("$AWS_MFA" env -p prod)" && "$AWS_MFA" status"#,
    );
    out.assert_success();
    assert!(
        out.stdout.ends_with(
            "this shell holds the aws_mfa_env variables of profile 'prod': KUBECONFIG TF_WORKSPACE TF_VAR_token\n"
        ),
        "{}",
        out.stdout
    );
    assert!(!out.stdout.contains("s3cr3t-v4lue"));
    // Without them, status says nothing of the kind.
    let out = env.run(&["status"]);
    assert!(!out.stdout.contains("aws_mfa_env"), "{}", out.stdout);
}

#[test]
fn a_name_a_profile_may_not_set_is_an_error_naming_the_line() {
    let fake = FakeSts::start();
    for (lines, says) in [
        (
            "  KUBECONFIG = ~/.kube/prod\n  AWS_REGION = s3cr3t-v4lue\n",
            "profile 'prod' cannot be used: line 2 of its aws_mfa_env ('AWS_REGION = …'): names starting with AWS_ belong to the session",
        ),
        (
            "  TF-WORKSPACE = s3cr3t-v4lue\n",
            "profile 'prod' cannot be used: line 1 of its aws_mfa_env ('TF-WORKSPACE = …'): it is not a variable name",
        ),
        (
            "  9LIVES = s3cr3t-v4lue\n",
            "line 1 of its aws_mfa_env ('9LIVES = …'): it is not a variable name",
        ),
    ] {
        let mut env = TestEnv::new().sts(&fake);
        let config = format!(
            "{DEFAULT_CONFIG}[profile prod]\nrole_arn = arn:aws:iam::123456789012:role/admin\nsource_profile = default\naws_mfa_env =\n{lines}"
        );
        env.write_aws_file("config", &config);
        for args in [
            &["env", "-p", "prod", "-t", CODE, "--shell", "bash"][..],
            &["exec", "-p", "prod", "-t", CODE, "--", "true"][..],
        ] {
            let out = env.run(args);
            out.assert_failure(says)
                .assert_failure("hint: under 'aws_mfa_env =' put indented lines 'NAME = value'");
            assert!(!out.stderr.contains("s3cr3t-v4lue"), "{}", out.stderr);
        }
    }
    assert!(fake.calls().is_empty(), "refused before any code is sent");
}
