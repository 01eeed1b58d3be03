//! The endpoint against a hostile or stuck machine: one lookup at a time shared by the
//! requests that wait for it, each wait bounded; idle connections cannot starve it of file
//! descriptors.

use std::net::TcpStream;
use std::time::Duration;

use crate::support::server::{Served, parse_credentials};
use crate::support::*;

#[test]
fn a_stuck_mfa_process_is_started_once_and_every_waiting_request_gets_a_bounded_answer() {
    let fake = FakeSts::start();
    // The session from the start is over at once: the next request needs mfa_process.
    fake.lifetime(Duration::from_secs(1));
    let mut env = TestEnv::new().sts(&fake);
    let started = env.path().join("mfa-process-started");
    env.write_aws_file(
        "config",
        &format!(
            "{DEFAULT_CONFIG}mfa_process = sh -c \"echo started >> '{}'; exec sleep 8\"\n",
            started.display()
        ),
    );
    let served = Served::start(&env, &["-t", CODE, "--timeout", "1"], "read _; exit 0");
    // A twelve-hour session at its end.
    entries_granted(&env, Duration::from_secs(12 * 3600));
    let endpoint = std::sync::Arc::new(served.endpoint());
    // Several requests at once, then more while the first lookup is still stuck.
    let waiting: Vec<_> = (0..4)
        .map(|_| {
            let endpoint = std::sync::Arc::clone(&endpoint);
            std::thread::spawn(move || endpoint.credentials())
        })
        .collect();
    let mut answers: Vec<_> = waiting.into_iter().map(|w| w.join().unwrap()).collect();
    answers.push(endpoint.credentials());
    answers.push(endpoint.credentials());
    for answer in &answers {
        assert_eq!(answer.status, 503, "{answer:?}");
        let doc = answer.json();
        assert_eq!(doc["Code"], "CredentialsPending", "{doc}");
        assert!(
            doc["Message"]
                .as_str()
                .unwrap()
                .contains("no credentials within 1 s: the lookup in progress (STS, or mfa_process for a new code) has not finished"),
            "{doc}"
        );
    }
    let runs = std::fs::read_to_string(&started).unwrap();
    assert_eq!(
        runs, "started\n",
        "mfa_process started once for six requests"
    );
    let out = served.finish(&env);
    out.assert_success();
}

#[test]
fn many_idle_connections_cannot_keep_the_childs_request_from_an_answer() {
    let fake = FakeSts::start();
    let env = TestEnv::new().sts(&fake);
    // A file-descriptor limit well below the number of idle connections.
    let served = Served::start_with_fd_limit(&env, &["-t", CODE], "read _; exit 0", Some(160));
    let endpoint = served.endpoint();
    let mut idle = Vec::new();
    for _ in 0..400 {
        let address = endpoint.address.parse().unwrap();
        if let Ok(stream) = TcpStream::connect_timeout(&address, Duration::from_secs(2)) {
            idle.push(stream);
        }
    }
    assert!(idle.len() >= 300, "{} idle connections", idle.len());
    let (key, _) = parse_credentials(&fake, &endpoint.credentials_within(Duration::from_secs(20)));
    assert_eq!(key, fake.keys(1));
    // The oldest idle connections were closed to make room.
    let mut closed = 0;
    for stream in &mut idle[..50] {
        stream
            .set_read_timeout(Some(Duration::from_millis(200)))
            .unwrap();
        let mut byte = [0u8; 1];
        match std::io::Read::read(stream, &mut byte) {
            Ok(0) => closed += 1,
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => closed += 1,
            _ => {}
        }
    }
    assert!(closed > 0, "no idle connection was closed");
    drop(idle);
    served.finish(&env).assert_success();
}
