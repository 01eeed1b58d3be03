//! STS over TLS: which CAs are trusted (the system store, or `AWS_CA_BUNDLE` alone), and
//! that a certificate for another host or an expired one is refused; one connection for
//! the calls of one run.

use crate::support::failure_matrix::assert_cache_clean;
use crate::support::fake_sts::{ServerCert, private_ca};
use crate::support::*;

fn bundle(env: &TestEnv, name: &str, pem: &str) -> String {
    let path = env.path().join(name);
    std::fs::write(&path, pem).unwrap();
    path.to_str().unwrap().to_owned()
}

/// A fresh session over TLS to a fake showing a `kind` certificate: refused before any
/// request reaches the fake, whether its CA is trusted through `AWS_CA_BUNDLE` or through
/// the system store (`SSL_CERT_FILE` stands in for it).
#[track_caller]
fn assert_refused(kind: ServerCert, why: &str) {
    let (fake, ca_pem) = FakeSts::start_tls_with(kind);
    let mut env = TestEnv::new().sts(&fake);
    let ca = bundle(&env, "ca.pem", &ca_pem);
    for (trusted_by, unset) in [
        ("AWS_CA_BUNDLE", "SSL_CERT_FILE"),
        ("SSL_CERT_FILE", "AWS_CA_BUNDLE"),
    ] {
        env.unset(unset).set(trusted_by, &ca);
        env.run(&["env", "--shell", "bash", "-t", CODE])
            .assert_failure("GetSessionToken failed: cannot reach STS: invalid peer certificate")
            .assert_failure(why);
        assert!(
            fake.calls().is_empty(),
            "{trusted_by}: nothing may get through TLS"
        );
        assert_cache_clean(&env.cache_dir(), false, trusted_by);
    }
}

#[test]
fn a_certificate_for_another_host_is_refused() {
    assert_refused(ServerCert::OtherHost, "not valid for name \"127.0.0.1\"");
}

#[test]
fn an_expired_certificate_is_refused() {
    assert_refused(ServerCert::Expired, "certificate expired");
}

/// Without `AWS_CA_BUNDLE` the system store is trusted (`SSL_CERT_FILE` stands in for it
/// here); with it, only the bundle's CAs are, as with the AWS CLI and botocore: a CA in the
/// system store alone no longer counts.
#[test]
fn aws_ca_bundle_replaces_the_system_store() {
    let (fake, ca_pem) = FakeSts::start_tls();
    let mut env = TestEnv::new().sts(&fake);
    let system = bundle(&env, "system.pem", &ca_pem);
    env.set("SSL_CERT_FILE", &system);
    let out = env.run(&["env", "--shell", "bash", "-t", CODE, "--no-cache"]);
    out.assert_success();
    assert!(out.stdout.contains("export AWS_SESSION_TOKEN='FAKETOKEN1"));
    assert_eq!(fake.count("GetSessionToken"), 1);

    let (other_pem, _) = private_ca();
    let other = bundle(&env, "other-ca.pem", &other_pem);
    env.set("AWS_CA_BUNDLE", &other);
    env.run(&["env", "--shell", "bash", "-t", CODE2])
        .assert_failure("cannot reach STS: invalid peer certificate: UnknownIssuer")
        .assert_failure("AWS_CA_BUNDLE");
    assert_eq!(fake.mints().len(), 1, "nothing more got through TLS");

    // The bundle may hold several CAs: any of them will do.
    let both = bundle(&env, "both.pem", &format!("{other_pem}{ca_pem}"));
    env.set("AWS_CA_BUNDLE", &both);
    env.run(&["env", "--shell", "bash", "-t", CODE3])
        .assert_success();
    assert_eq!(fake.count("GetSessionToken"), 2);
}

/// A role profile makes two calls in one run (GetSessionToken, then AssumeRole signed by
/// the session): both go over one TLS connection.
#[test]
fn the_calls_of_one_run_share_a_connection() {
    let (fake, ca_pem) = FakeSts::start_tls();
    let mut env = TestEnv::with_files(ROLE_CONFIG, DEFAULT_CREDENTIALS).sts(&fake);
    let ca = bundle(&env, "ca.pem", &ca_pem);
    env.set("AWS_CA_BUNDLE", &ca);
    let out = env.run(&["env", "--shell", "bash", "-p", "admin", "-t", CODE]);
    out.assert_success();
    assert!(out.stdout.contains("export AWS_MFA_PROFILE='admin';"));
    let actions: Vec<String> = fake.mints().into_iter().map(|c| c.action).collect();
    assert_eq!(actions, ["GetSessionToken", "AssumeRole"]);
    assert_eq!(fake.connections(), 1, "one TLS handshake for both calls");
}
