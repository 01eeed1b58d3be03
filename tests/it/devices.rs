//! No `mfa_serial` anywhere: the device is found with IAM ListMFADevices.

use crate::support::pty::Pty;
use crate::support::*;

const NO_SERIAL_CONFIG: &str = "[default]\nregion = eu-west-1\n";
const VIRTUAL: &str = "arn:aws:iam::123456789012:mfa/phone";
const HARDWARE: &str = "GAHT12345678";
const SECURITY_KEY: &str = "arn:aws:iam::123456789012:u2f/user/tester/yubikey-ABCDEF";

fn discovery_env(fake: &FakeSts, devices: &[&str]) -> TestEnv {
    fake.mfa_devices(devices);
    TestEnv::with_files(NO_SERIAL_CONFIG, DEFAULT_CREDENTIALS).sts(fake)
}

#[test]
fn one_device_is_used_and_the_config_line_is_shown() {
    let fake = FakeSts::start();
    let env = discovery_env(&fake, &[SECURITY_KEY, VIRTUAL]);
    let out = env.run(&["env", "--shell", "bash", "-t", CODE]);
    out.assert_success();
    assert!(
        out.stderr.contains("under [default] in ~/.aws/config")
            && out.stderr.contains(&format!("\nmfa_serial = {VIRTUAL}\n")),
        "{}",
        out.stderr
    );
    let calls = fake.calls();
    assert_eq!(calls[0].action, "ListMFADevices");
    assert_eq!(calls[0].signed_with, Some(long_term()));
    assert_eq!(calls[0].service, "iam", "signed for IAM");
    assert_eq!(
        calls[1].param("SerialNumber"),
        Some(VIRTUAL),
        "FIDO keys do not count"
    );
    // Found once: the cached session is served without another lookup.
    env.run(&["env", "--shell", "bash"]).assert_success();
    assert_eq!(fake.mints().len(), 2);
}

#[test]
fn several_devices_without_a_terminal_are_listed() {
    let fake = FakeSts::start();
    let env = discovery_env(&fake, &[VIRTUAL, HARDWARE]);
    env.run(&["env", "--shell", "bash", "-t", CODE])
        .assert_failure(&format!(
            "IAM lists several devices: {VIRTUAL}, {HARDWARE}\n"
        ))
        .assert_failure(&format!(
            "  hint: choose one with --mfa-serial {VIRTUAL}, or set mfa_serial"
        ));
    assert_eq!(fake.count("GetSessionToken"), 0);
}

#[test]
fn several_devices_are_chosen_on_the_terminal() {
    let fake = FakeSts::start();
    let env = discovery_env(&fake, &[VIRTUAL, HARDWARE]);
    let pty = Pty::open();
    let child = pty.attach(
        env.command(BIN)
            .args(["env", "--shell", "bash", "-t", CODE]),
    );
    pty.wait_for("which one [1-2]: ");
    assert!(pty.screen().contains(&format!("2) {HARDWARE}")));
    pty.type_keys("2\n");
    env.output_of(child).assert_success();
    assert_eq!(fake.calls()[1].param("SerialNumber"), Some(HARDWARE));
}

#[test]
fn no_device_says_how_to_assign_one() {
    let fake = FakeSts::start();
    let env = discovery_env(&fake, &[SECURITY_KEY]);
    env.run(&["env", "--shell", "bash", "-t", CODE])
        .assert_failure("IAM lists no TOTP device for this user")
        .assert_failure("Assign MFA device");
}

#[test]
fn a_failed_lookup_says_to_set_mfa_serial() {
    let fake = FakeSts::start();
    fake.then(Reply::Error {
        status: 403,
        code: "AccessDenied",
        message: "User is not authorized to perform: iam:ListMFADevices",
    });
    let env = discovery_env(&fake, &[VIRTUAL]);
    env.run(&["env", "--shell", "bash", "-t", CODE])
        .assert_failure("looking one up failed: ListMFADevices failed: AccessDenied")
        .assert_failure("or set mfa_serial");
}
