//! The MFA prompt, driven on a real pseudo-terminal the way a person types.

use crate::support::pty::Pty;
use crate::support::*;

#[test]
fn the_code_is_asked_on_the_terminal_and_never_reaches_stdout() {
    let fake = FakeSts::start();
    let env = TestEnv::new().sts(&fake);
    let pty = Pty::open();
    let child = pty.attach(env.command(BIN).args(["env", "--shell", "bash"]));
    pty.wait_for(&format!("Enter MFA code for {SERIAL}: "));
    pty.type_keys("314159\n");
    let out = env.output_of(child);
    out.assert_success();
    assert!(out.stdout.starts_with("export AWS_ACCESS_KEY_ID='ASIAFAKE"));
    assert!(
        !out.stdout.contains("Enter MFA code"),
        "the prompt is not for eval"
    );
    assert_eq!(fake.calls()[0].param("TokenCode"), Some(CODE));
}

#[test]
fn ctrl_c_at_the_prompt_ends_by_sigint_and_leaves_the_terminal_as_it_was() {
    let fake = FakeSts::start();
    let env = TestEnv::new().sts(&fake);
    let pty = Pty::open();
    let before = pty.mode();
    assert!(
        before.echo && before.line_mode && before.signals,
        "{before:?}"
    );
    let child = pty.attach(env.command(BIN).args(["env", "--shell", "bash"]));
    pty.wait_for("Enter MFA code for ");
    pty.type_keys("12\x03");
    let out = env.output_of(child);
    assert_eq!(
        out.code,
        Some(128 + 2),
        "ended by SIGINT (the shell shows 130)"
    );
    assert_eq!(out.stdout, "");
    assert_eq!(pty.mode(), before, "echo, line mode and signals are back");
    assert!(fake.calls().is_empty());
    let entries: Vec<_> = std::fs::read_dir(env.cache_dir())
        .map(|dir| dir.flatten().map(|e| e.path()).collect())
        .unwrap_or_default();
    assert!(
        entries
            .iter()
            .all(|p| p.extension().is_some_and(|x| x == "lock")),
        "no cache entry: {entries:?}"
    );
}

#[test]
fn a_malformed_code_at_the_prompt_is_refused_before_sts() {
    let fake = FakeSts::start();
    let env = TestEnv::new().sts(&fake);
    let pty = Pty::open();
    let child = pty.attach(env.command(BIN).args(["env", "--shell", "bash"]));
    pty.wait_for("Enter MFA code for ");
    pty.type_keys("12345\n");
    let out = env.output_of(child);
    assert_ne!(out.code, Some(0));
    assert_eq!(out.stdout, "");
    pty.wait_for("invalid MFA code: a code is 6 digits, not 5 digits");
    assert!(fake.calls().is_empty());
}
