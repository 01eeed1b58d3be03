//! The completion scripts in the real shells: commands, options and the profile names
//! `aws-mfa __profiles` lists.

use super::{FISH_CLEAN, run_in, with_aws_mfa_on_path};
use crate::support::peers::require;
use crate::support::pty::Pty;
use crate::support::*;

#[test]
fn profiles_lists_every_profile_of_both_files() {
    let env = TestEnv::with_files(
        "[default]\nregion = eu-west-1\n[profile work]\nregion = us-west-2\n",
        "[ci]\naws_access_key_id = AKIACI00000000000001\naws_secret_access_key = x\n",
    );
    let out = env.run(&["__profiles"]);
    out.assert_success();
    assert_eq!(out.stdout, "ci\ndefault\nwork\n");
}

/// The home for completion tests: profiles `default`, `dev-eu`, `work`.
fn completion_home() -> TestEnv {
    TestEnv::with_files(
        "[default]\nregion = eu-west-1\n[profile work]\nregion = us-west-2\n[profile dev-eu]\n",
        "",
    )
}

#[test]
fn bash_completes_commands_options_and_profile_names() {
    let Some(bash) = require("bash") else {
        return;
    };
    let env = completion_home();
    // Calls the function `complete -p aws-mfa` names, as bash does on TAB.
    let complete = |words: &str| -> Vec<String> {
        let script = format!(
            r#"source <(aws-mfa completions bash)
COMP_WORDS=({words})
COMP_CWORD=$(( ${{#COMP_WORDS[@]}} - 1 ))
COMP_LINE="${{COMP_WORDS[*]}}"; COMP_POINT=${{#COMP_LINE}}
function=$(complete -p aws-mfa | sed -n 's/.*-F \([^ ]*\) .*/\1/p')
"$function" aws-mfa "${{COMP_WORDS[COMP_CWORD]}}" "${{COMP_WORDS[COMP_CWORD-1]}}"
printf '%s\n' "${{COMPREPLY[@]}}""#
        );
        let out = run_in(&env, &bash, &["--norc", "--noprofile"], &script);
        out.assert_success();
        out.stdout.lines().map(str::to_owned).collect()
    };
    assert_eq!(complete("aws-mfa env -p ''"), ["default", "dev-eu", "work"]);
    assert_eq!(complete("aws-mfa exec --profile w"), ["work"]);
    assert_eq!(complete("aws-mfa env --sh"), ["--shell"]);
    assert_eq!(complete("aws-mfa env --shell f"), ["fish"]);
    let commands = complete("aws-mfa ''");
    for command in ["env", "exec", "init", "completions"] {
        assert!(commands.iter().any(|c| c == command), "{commands:?}");
    }
    assert!(
        !commands.iter().any(|c| c == "__profiles"),
        "hidden commands stay hidden: {commands:?}"
    );
    assert!(commands.iter().any(|c| c == "man"), "{commands:?}");
}

#[test]
fn fish_completes_profile_names() {
    let Some(fish) = require("fish") else {
        return;
    };
    let env = completion_home();
    let complete = |line: &str| -> Vec<String> {
        let script = format!("aws-mfa completions fish | source; complete --do-complete='{line}'");
        let out = run_in(&env, &fish, FISH_CLEAN, &script);
        out.assert_success();
        out.stdout
            .lines()
            .map(|l| l.split('\t').next().unwrap().to_owned())
            .collect()
    };
    assert_eq!(complete("aws-mfa env -p "), ["default", "dev-eu", "work"]);
    assert_eq!(complete("aws-mfa exec --profile w"), ["work"]);
    let commands = complete("aws-mfa ");
    assert!(commands.iter().any(|c| c == "init"), "{commands:?}");
    assert!(!commands.iter().any(|c| c == "__profiles"), "{commands:?}");
}

#[test]
fn zsh_completes_profile_names_at_a_real_prompt() {
    let Some(zsh) = require("zsh") else {
        return;
    };
    let env = completion_home();
    let pty = Pty::open();
    let mut command = with_aws_mfa_on_path(&env, &zsh);
    command
        .args(["-f", "-i"])
        .env("PS1", "zsh> ")
        .env("TERM", "dumb");
    let mut child = pty.attach(&mut command);
    pty.wait_for("zsh> ");
    pty.type_keys(
        "autoload -Uz compinit && compinit -u -D && source <(aws-mfa completions zsh) && echo loaded\n",
    );
    pty.wait_for("loaded");
    pty.type_keys("aws-mfa env --profile w\t");
    pty.wait_for("aws-mfa env --profile work");
    pty.type_keys("\x15aws-mfa exec -p dev\t");
    pty.wait_for("aws-mfa exec -p dev-eu");
    pty.type_keys("\x15exit\n");
    let _ = child.kill();
    let _ = child.wait();
}

#[test]
fn nushell_completes_commands_options_and_profile_names() {
    let Some(nu) = require("nu") else {
        return;
    };
    let env = completion_home();
    let script = env.run(&["completions", "nushell"]);
    script.assert_success();
    std::fs::write(env.path().join("completions.nu"), &script.stdout).unwrap();
    // What nu's line editor would offer with the cursor at the end of `line`.
    let complete = |line: &str| -> serde_json::Value {
        let file = env.path().join("line.nu");
        let text = format!("source completions.nu\n{line}");
        std::fs::write(&file, &text).unwrap();
        let out = env.output(with_aws_mfa_on_path(&env, &nu).args([
            "--no-config-file",
            "--ide-complete",
            &text.len().to_string(),
            file.to_str().unwrap(),
        ]));
        out.assert_success();
        serde_json::from_str::<serde_json::Value>(&out.stdout).unwrap()["completions"].clone()
    };
    assert_eq!(
        complete("aws-mfa env --profile w"),
        serde_json::json!(["work"])
    );
    assert_eq!(
        complete("aws-mfa exec -p "),
        serde_json::json!(["default", "dev-eu", "work"])
    );
    assert_eq!(complete("aws-mfa env --sh"), serde_json::json!(["--shell"]));
    assert_eq!(
        complete("aws-mfa env --shell xo"),
        serde_json::json!(["xonsh"])
    );
}

#[test]
fn elvish_completes_commands_and_profile_names_at_a_real_prompt() {
    let Some(elvish) = require("elvish") else {
        return;
    };
    let env = completion_home();
    let pty = Pty::open();
    let mut command = with_aws_mfa_on_path(&env, &elvish);
    command.args(["-norc"]).env("TERM", "dumb");
    // The completer the line editor calls on TAB, given the words before the cursor (the
    // shell's stdout is a pipe here: what it shows goes to the terminal).
    std::fs::write(
        env.path().join("complete.elv"),
        "eval (aws-mfa completions elvish | slurp)
var complete~ = $edit:completion:arg-completer[aws-mfa]
complete aws-mfa env --profile '' | each {|c| echo profile:$c > /dev/tty }
complete aws-mfa '' | each {|c| echo command:$c[stem] > /dev/tty }
",
    )
    .unwrap();
    let mut child = pty.attach(&mut command);
    pty.type_keys("eval (slurp < complete.elv)\n");
    pty.wait_for("profile:default");
    pty.wait_for("profile:dev-eu");
    pty.wait_for("profile:work");
    pty.wait_for("command:completions");
    pty.type_keys("exit\n");
    let _ = child.kill();
    let _ = child.wait();
}
