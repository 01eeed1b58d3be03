//! Which shell `env` writes for when none is named (DESIGN §2): the shell that runs it (its
//! parent process), then `$SHELL`, else an error listing the choices and nothing on stdout.

use crate::support::peers::require;
use crate::support::shells::{SHELL_HINT, shells_taking_env};
use crate::support::xonsh::execx_output_of;
use crate::support::*;

#[track_caller]
fn assert_holds_a_session(fake: &FakeSts, out: &Outcome, shell: &str) {
    out.assert_success();
    assert_eq!(out.stderr, "", "{shell}: evaluating prints nothing");
    let vars = parse_env0(&out.stdout);
    assert!(
        vars.contains_key("AWS_ACCESS_KEY_ID"),
        "{shell} holds no session: {vars:?}"
    );
    assert_issued_vars(fake, &vars);
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
            &format!(r#"out=$("$AWS_MFA" env -t {CODE}) || exit 9; eval "$out" || exit 8; env -0"#),
        );
        assert_holds_a_session(&fake, &out, program);
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
        &format!(
            r#""$AWS_MFA" env -t {CODE} | source; test "$pipestatus" = "0 0"; or exit 9; env -0"#
        ),
    );
    assert_holds_a_session(&fake, &out, "fish");
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

    env.set("SHELL", "/usr/bin/rc");
    let out = env.run(&["env", "-t", CODE]);
    out.assert_failure("cannot tell which shell to write for: the parent process is ")
        .assert_failure("and $SHELL is /usr/bin/rc")
        .assert_failure(&format!("hint: name it with {}", *SHELL_HINT));
    assert_eq!(fake.calls().len(), 0, "an unknown shell costs no MFA code");

    let env = TestEnv::new().sts(&fake);
    env.run(&["env", "--unset"])
        .assert_failure("and $SHELL is nothing")
        .assert_failure(&SHELL_HINT);
}

/// The shells with a test of their own above.
const FIRST_SHELLS: [&str; 4] = ["bash", "zsh", "dash", "fish"];

#[test]
fn tcsh_elvish_xonsh_and_any_later_shell_take_a_session_with_no_shell_named() {
    for (shell, take_env) in shells_taking_env() {
        let program = shell.program;
        if FIRST_SHELLS.contains(&program) {
            continue;
        }
        let Some(path) = require(program) else {
            continue;
        };
        let fake = FakeSts::start();
        let mut env = TestEnv::new().sts(&fake);
        env.set("SHELL", "/bin/bash");
        let script = shell.script([take_env(&format!("-t {CODE}")), shell.env0.into()]);
        let out = env.shell(&path, shell.flags, &script);
        assert_holds_a_session(&fake, &out, program);
    }
}

#[test]
fn nushell_sources_the_file_aws_mfa_env_writes_and_loads_its_json() {
    assert_eq!(CODE, "314159", "the scripts below spell the code out");
    let Some(nu) = require("nu") else {
        return;
    };
    let fake = FakeSts::start();
    let mut env = TestEnv::new().sts(&fake);
    env.set("SHELL", "/bin/bash")
        .set("AWS_PROFILE", "default")
        .set("AWS_SECURITY_TOKEN", "stale");
    // `source` reads its file when the line is parsed: one line writes it, the next (here
    // the next nu) sources it. The shell is told by the parent process: nu.
    let out = env.shell(
        &nu,
        &["--no-config-file"],
        "^$env.AWS_MFA env -t 314159 | save -f session.nu",
    );
    assert_eq!((out.code, out.stderr.as_str()), (Some(0), ""), "{out:#?}");
    let out = env.shell(&nu, &["--no-config-file"], "source session.nu; ^env -0");
    assert_holds_a_session(&fake, &out, "nu");
    let vars = parse_env0(&out.stdout);
    assert!(!vars.contains_key("AWS_PROFILE") && !vars.contains_key("AWS_SECURITY_TOKEN"));
    // The one-step idiom: JSON as data (`null` marks a variable to remove).
    let out = env.shell(
        &nu,
        &["--no-config-file"],
        "^$env.AWS_MFA env --shell json -t 314159 | from json | transpose k v | where v != null | transpose -r -d | load-env; ^env -0",
    );
    assert_holds_a_session(&fake, &out, "nu");
}

#[test]
fn xonsh_run_by_python_is_recognised_by_its_command_line() {
    let (Some(xonsh), Some(_)) = (require("xonsh"), require("python3")) else {
        return;
    };
    // Without the setproctitle module xonsh keeps its interpreter's process name.
    let script = std::fs::read_to_string(&xonsh).unwrap();
    let interpreter = script
        .lines()
        .next()
        .and_then(|l| l.strip_prefix("#!"))
        .expect("xonsh starts with #!python")
        .trim()
        .to_owned();
    let fake = FakeSts::start();
    let mut env = TestEnv::new().sts(&fake);
    let stub = env.path().join("stub");
    std::fs::create_dir_all(&stub).unwrap();
    std::fs::write(
        stub.join("setproctitle.py"),
        "raise ImportError('not here')\n",
    )
    .unwrap();
    env.set("PYTHONPATH", stub.to_str().unwrap())
        .set("SHELL", "/bin/bash");
    let out = env.output(env.command(&interpreter).args([
        "-m",
        "xonsh",
        "--no-rc",
        "-c",
        &format!(
            "print(open('/proc/self/comm').read(), end='', flush=True)\n{}\nenv -0",
            execx_output_of("@($AWS_MFA) env -t 314159")
        ),
    ]));
    out.assert_success();
    let (comm, rest) = out.stdout.split_once('\n').unwrap();
    assert!(comm.starts_with("python"), "xonsh is known as {comm}");
    let out = Outcome {
        stdout: rest.to_owned(),
        ..out
    };
    assert_holds_a_session(&fake, &out, "python -m xonsh");
}

#[test]
fn exec_with_no_command_starts_the_calling_shell() {
    // Each shell runs `aws-mfa exec` with its commands on stdin; the subshell reads them.
    let shells: [(&str, &[&str], &str, &str); 3] = [
        (
            "tcsh",
            &["-f"],
            "echo 'printenv AWS_MFA_PROFILE; cat /proc/$$/comm' | $AWS_MFA exec -t 314159",
            "tcsh",
        ),
        (
            "elvish",
            &["-norc"],
            "echo 'printenv AWS_MFA_PROFILE; cat /proc/$pid/comm' | (external $E:AWS_MFA) exec -t 314159",
            "elvish",
        ),
        (
            "xonsh",
            &["--no-rc"],
            "echo 'printenv AWS_MFA_PROFILE; cat /proc/@(__import__(\"os\").getpid())/comm' | @($AWS_MFA) exec -t 314159",
            "xonsh",
        ),
    ];
    for (program, flags, script, comm) in shells {
        let Some(path) = require(program) else {
            continue;
        };
        let fake = FakeSts::start();
        let mut env = TestEnv::new().sts(&fake);
        env.set("SHELL", "/bin/sh");
        let out = env.shell(&path, flags, script);
        out.assert_success();
        let lines: Vec<&str> = out.stdout.lines().collect();
        assert_eq!(lines.first(), Some(&"default"), "{program}: {out:#?}");
        assert!(
            lines.get(1).is_some_and(|l| l.starts_with(comm)),
            "{program} started {lines:?}"
        );
    }
}

#[test]
fn exec_with_no_command_starts_nushell_from_nushell() {
    // nu will not start a REPL without a terminal that answers its cursor queries, so the
    // `nu` that exec starts (found on PATH, as a user's would be) is a script that shows
    // what it got; the calling nu is the real one, started by its full path.
    let Some(nu) = require("nu") else {
        return;
    };
    let fake = FakeSts::start();
    let mut env = TestEnv::new().sts(&fake);
    let bin = env.path().join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    let stub = bin.join("nu");
    std::fs::write(
        &stub,
        "#!/bin/sh\nprintf 'started with %s %s\\n' \"$AWS_MFA_PROFILE\" \"$#\"\n",
    )
    .unwrap();
    std::fs::set_permissions(&stub, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    env.set("SHELL", "/bin/sh").set("PATH", &path);
    let out = env.shell(&nu, &["--no-config-file"], "^$env.AWS_MFA exec -t 314159");
    assert_eq!(
        (out.code, out.stdout.as_str()),
        (Some(0), "started with default 0\n"),
        "{out:#?}"
    );
}
