//! The manual page, the help text's examples, and the starship module in the docs.

use super::{expiry_in, run_in};
use crate::support::peers::require;
use crate::support::*;

#[test]
fn the_manual_page_covers_every_command_and_renders_cleanly() {
    let env = TestEnv::new();
    let out = env.run(&["man"]);
    out.assert_success();
    let page = &out.stdout;
    assert!(page.contains(".TH aws-mfa 1"), "{page}");
    for section in [
        "AWS-MFA ENV",
        "AWS-MFA EXEC",
        "AWS-MFA INIT",
        "AWS-MFA COMPLETIONS",
        "AWS-MFA MAN",
        "EXAMPLES",
        "ENVIRONMENT",
        "FILES",
        "EXIT STATUS",
        "DIAGNOSTICS",
    ] {
        assert!(
            page.contains(&format!(".SH \"{section}\"\n"))
                || page.contains(&format!(".SH {section}\n")),
            "{section}"
        );
    }
    for option in [
        "token\\-code",
        "mfa\\-serial",
        "unset",
        "aws\\-mfa init fish | source",
    ] {
        assert!(page.contains(option), "{option}");
    }
    assert!(
        !page.contains("__profiles"),
        "hidden commands stay out of the page"
    );
    for text in [
        "mfa_process",
        "AWS_MFA_CACHE_DIR",
        "credential_process = aws\\-mfa credential\\-process",
        "terraform plan",
        "role_arn",
        "aws\\-mfa init elvish",
    ] {
        assert!(page.contains(text), "{text}");
    }
    // What a reader sees: the sections in order, under man itself when it is installed.
    if let Some(man) = require("man") {
        let file = env.path().join("aws-mfa.1");
        std::fs::write(&file, page).unwrap();
        let mut command = env.command(man);
        command
            .arg("-l")
            .arg(&file)
            .env("MANPAGER", "cat")
            .env("MANWIDTH", "100");
        let shown = env.output(&mut command);
        assert_eq!((shown.code, shown.stderr.as_str()), (Some(0), ""), "man -l");
        let heads: Vec<&str> = shown
            .stdout
            .lines()
            .filter(|l| !l.is_empty() && !l.starts_with(' '))
            .collect();
        let at = |head: &str| {
            heads
                .iter()
                .position(|h| *h == head)
                .unwrap_or_else(|| panic!("{head} not in {heads:?}"))
        };
        assert!(at("SYNOPSIS") < at("EXAMPLES"));
        assert!(at("EXAMPLES") < at("ENVIRONMENT"));
        assert!(at("ENVIRONMENT") < at("FILES"));
        assert!(at("FILES") < at("EXIT STATUS"));
        assert!(at("EXIT STATUS") < at("DIAGNOSTICS"));
        assert!(shown.stdout.contains("SignatureDoesNotMatch"));
        assert!(shown.stdout.contains("AWS_MFA_CACHE_DIR"));
        assert!(shown.stdout.contains("mfa_process = op item get AWS --otp"));
    }
    if let Some(groff) = require("groff") {
        let mut child = env
            .command(groff)
            .args(["-man", "-Tutf8", "-ww", "-z"])
            .stdin(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        std::io::Write::write_all(&mut child.stdin.take().unwrap(), page.as_bytes()).unwrap();
        let rendered = env.output_of(child);
        assert_eq!(
            (rendered.code, rendered.stderr.as_str()),
            (Some(0), ""),
            "groff warnings"
        );
    }
}

#[test]
fn the_starship_module_in_the_docs_shows_the_session() {
    let Some(bash) = require("bash") else {
        return;
    };
    let page = include_str!("../../../docs/shell-integration.md");
    let block = page
        .split("[custom.aws_mfa]\n")
        .nth(1)
        .and_then(|rest| rest.split("```").next())
        .expect("docs/shell-integration.md has a starship custom module");
    let setting = |key: &str| -> String {
        let line = block
            .lines()
            .find_map(|l| l.strip_prefix(&format!("{key} = '")))
            .unwrap_or_else(|| panic!("{key} in {block}"));
        line.strip_suffix('\'').unwrap().to_owned()
    };
    let (when, command) = (setting("when"), setting("command"));
    let mut env = TestEnv::new();
    assert_ne!(
        run_in(&env, &bash, &[], &when).code,
        Some(0),
        "hidden without a session"
    );
    env.set("AWS_MFA_PROFILE", "work")
        .set("AWS_CREDENTIAL_EXPIRATION", &expiry_in(42 * 60 + 30));
    assert_eq!(run_in(&env, &bash, &[], &when).code, Some(0));
    let out = run_in(&env, &bash, &[], &command);
    assert_eq!(
        (out.code, out.stdout.as_str()),
        (Some(0), "work 42m"),
        "{out:#?}"
    );
}

#[test]
fn help_ends_with_the_lines_people_copy() {
    let env = TestEnv::new();
    for flag in ["-h", "--help"] {
        let out = env.run(&[flag]);
        out.assert_success();
        let examples = out
            .stdout
            .split_once("\nExamples:\n")
            .unwrap_or_else(|| panic!("{flag}: no examples in {}", out.stdout))
            .1;
        for line in [
            r#"eval "$(aws-mfa env)""#,
            "aws-mfa env | source",
            "aws-mfa env | Out-String | Invoke-Expression",
            "aws-mfa exec -- terraform plan",
            "aws-mfa exec -p admin -- aws s3 ls",
            "credential_process = aws-mfa credential-process --profile admin",
            "aws-mfa man | man -l -",
        ] {
            assert!(examples.contains(line), "{flag}: {line}");
        }
    }
    // `man` is listed with the other commands.
    let out = env.run(&["--help"]);
    assert!(out.stdout.contains("\n  man "), "{}", out.stdout);
    // -d says both defaults.
    let out = env.run(&["env", "--help"]);
    assert!(
        out.stdout
            .contains("duration_seconds, else 12h (role: 1h)]"),
        "{}",
        out.stdout
    );
}
