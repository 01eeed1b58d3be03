//! Which shell `env` writes for when none is named (DESIGN §2): the shell that runs it (its
//! parent process), then `$SHELL`, else an error listing the choices and nothing on stdout.

use crate::support::peers::{optional, require};
use crate::support::*;

#[track_caller]
fn assert_holds_a_session(out: &Outcome, shell: &str) {
    out.assert_success();
    assert_eq!(out.stderr, "", "{shell}: evaluating prints nothing");
    let vars = parse_env0(&out.stdout);
    assert!(
        vars.get("AWS_ACCESS_KEY_ID")
            .is_some_and(|key| key.starts_with("ASIAFAKE")),
        "{shell} holds no session: {vars:?}"
    );
    assert_eq!(
        vars.get("AWS_MFA_PROFILE").map(String::as_str),
        Some("default")
    );
}

#[test]
fn eval_with_no_shell_named_works_in_bash_zsh_and_dash_whatever_shell_says() {
    // $SHELL names fish: trusted first, it would give fish statements, which these reject.
    for (program, flags) in [("bash", &[][..]), ("zsh", &["-f"][..]), ("dash", &[][..])] {
        let Some(path) = require(program) else {
            continue;
        };
        let fake = FakeSts::start();
        let mut env = TestEnv::new().sts(&fake);
        env.set("SHELL", "/usr/bin/fish");
        let out = env.shell(
            &path,
            flags,
            &format!(r#"eval "$("$AWS_MFA" env -t {CODE})"; env -0"#),
        );
        assert_holds_a_session(&out, program);
    }
}

#[test]
fn piping_into_source_with_no_shell_named_works_in_fish_started_from_bash() {
    let Some(fish) = require("fish") else {
        return;
    };
    let fake = FakeSts::start();
    let mut env = TestEnv::new().sts(&fake);
    // What fish started from bash inherits.
    env.set("SHELL", "/bin/bash");
    let out = env.shell(
        &fish,
        &["--no-config"],
        &format!(r#""$AWS_MFA" env -t {CODE} | source; env -0"#),
    );
    assert_holds_a_session(&out, "fish");
}

#[test]
fn the_powershell_pipeline_works_with_no_shell_named_where_pwsh_exists() {
    let Some(pwsh) = optional("pwsh") else {
        return;
    };
    let fake = FakeSts::start();
    let mut env = TestEnv::new().sts(&fake);
    env.set("SHELL", "/bin/bash");
    let script = format!(
        "Set-StrictMode -Version Latest; $ErrorActionPreference = 'Stop'\n\
         & $Env:AWS_MFA env -t {CODE} | Out-String | Invoke-Expression\n\
         Get-ChildItem Env: | ForEach-Object {{ \"$($_.Name)=$($_.Value)`0\" }} | Write-Host -NoNewline"
    );
    let out =
        env.output(
            env.command(pwsh)
                .args(["-NoProfile", "-NonInteractive", "-Command", &script]),
        );
    assert_holds_a_session(&out, "pwsh");
}

#[test]
fn a_parent_that_is_no_shell_leaves_it_to_shell_and_then_to_an_error() {
    // The parent of a binary the test starts directly is the test itself.
    let fake = FakeSts::start();
    let mut env = TestEnv::new().sts(&fake);
    env.set("SHELL", "/usr/local/bin/fish");
    let out = env.run(&["env", "--unset"]);
    out.assert_success();
    assert!(
        out.stdout.starts_with("if set -q -g AWS_ACCESS_KEY_ID;"),
        "{}",
        out.stdout
    );
    env.set("SHELL", "-zsh");
    let out = env.run(&["env", "--unset"]);
    out.assert_success();
    assert!(
        out.stdout.starts_with("unset AWS_ACCESS_KEY_ID;"),
        "{}",
        out.stdout
    );

    env.set("SHELL", "/usr/bin/tcsh");
    let out = env.run(&["env", "-t", CODE]);
    out.assert_failure("cannot tell which shell to write for: the parent process is ")
        .assert_failure("and $SHELL is /usr/bin/tcsh")
        .assert_failure("hint: name it with --shell bash|zsh|fish|pwsh|sh|json");
    assert_eq!(fake.calls().len(), 0, "an unknown shell costs no MFA code");

    let env = TestEnv::new().sts(&fake);
    env.run(&["env", "--unset"])
        .assert_failure("and $SHELL is nothing")
        .assert_failure("--shell bash|zsh|fish|pwsh|sh|json");
}
