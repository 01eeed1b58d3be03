//! Credentials STS grants for less than asked (an endpoint that shortens them) are reused
//! for half the life they were granted, not re-minted for every request.

use std::time::{Duration, Instant, SystemTime};

use super::role_env;
use crate::support::server::{Served, parse_credentials};
use crate::support::*;

#[test]
fn role_credentials_granted_for_less_than_asked_are_reused_for_half_their_life() {
    let fake = FakeSts::start();
    let env = role_env(&fake);
    // A twelve-hour MFA session, then role credentials of 20 s where an hour is asked for.
    env.run(&["env", "--shell", "bash", "-t", CODE])
        .assert_success();
    let granted = Duration::from_secs(20);
    fake.lifetime(granted);
    let served = Served::start(&env, &["-p", "admin"], "read _; exit 0");
    let endpoint = served.endpoint();
    let assumed_at_start = fake.count("AssumeRole");
    assert_eq!(assumed_at_start, 1, "{:#?}", fake.mints());

    // An SDK whose window is longer than 20 s asks on every call: here up to 40 calls,
    // all within the first half of the granted life (8 s, leaving room for a slow machine).
    let started = Instant::now();
    let mut keys = Vec::new();
    while keys.len() < 40 && started.elapsed() < granted / 2 - Duration::from_secs(2) {
        let (key, expiration) = parse_credentials(&fake, &endpoint.credentials());
        assert!(
            expiration > SystemTime::now() + Duration::from_secs(5),
            "more than a quarter of their life left"
        );
        keys.push(key);
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(keys.len() >= 10, "only {} calls: {keys:?}", keys.len());
    assert!(
        keys.iter().all(|k| *k == keys[0]),
        "one set for all: {keys:?}"
    );
    assert_eq!(
        fake.count("AssumeRole"),
        assumed_at_start,
        "no AssumeRole for {} calls within half the granted life: {keys:?}",
        keys.len()
    );
    let out = served.finish(&env);
    out.assert_success();
}
