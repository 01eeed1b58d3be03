//! The endpoint answers only requests addressed to it by a loopback name and its own port:
//! a web page whose DNS name was rebound to 127.0.0.1 sends its own name as `Host`.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use super::role_env;
use crate::support::server::Served;
use crate::support::*;

/// A raw HTTP/1.1 GET of `path` with `host` as the `Host` line (none when `None`) and the
/// token: the status and the body.
fn get_with_host(address: &str, path: &str, host: Option<&str>, token: &str) -> (u16, String) {
    let mut stream = TcpStream::connect(address).expect("connect to the endpoint");
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    let host = host.map(|h| format!("Host: {h}\r\n")).unwrap_or_default();
    write!(
        stream,
        "GET {path} HTTP/1.1\r\n{host}Authorization: {token}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    let (head, body) = response.split_once("\r\n\r\n").expect("an HTTP answer");
    let status = head.split(' ').nth(1).unwrap().parse().unwrap();
    (status, body.to_owned())
}

#[test]
fn a_request_naming_another_host_is_refused_before_any_lookup() {
    let fake = FakeSts::start();
    let env = role_env(&fake);
    env.run(&["env", "--shell", "bash", "-t", CODE])
        .assert_success();
    let served = Served::start(&env, &["-p", "admin"], "read _; exit 0");
    let endpoint = served.endpoint();
    // Without the role's cache entry, any lookup is an AssumeRole the fake counts.
    for entry in std::fs::read_dir(env.cache_dir()).unwrap() {
        let path = entry.unwrap().path();
        if path
            .file_name()
            .unwrap()
            .to_string_lossy()
            .starts_with("role-")
        {
            std::fs::remove_file(path).unwrap();
        }
    }
    let port = endpoint.address.rsplit(':').next().unwrap().to_owned();
    let assumed = fake.count("AssumeRole");

    for host in [
        Some(format!("evil.example:{port}")),
        Some("evil.example".to_owned()),
        Some(format!("127.0.0.1:{}", port.parse::<u16>().unwrap() ^ 1)),
        Some(format!("127.0.0.1.evil.example:{port}")),
        None,
    ] {
        let (status, body) = get_with_host(
            &endpoint.address,
            &endpoint.path,
            host.as_deref(),
            &endpoint.token,
        );
        assert_eq!(status, 400, "Host {host:?}: {body}");
        assert!(body.contains("BadHost"), "{body}");
        assert!(
            !body.contains("FAKE"),
            "no credentials for Host {host:?}: {body}"
        );
    }
    // An absolute URI naming another host, with a right Host line.
    let (status, body) = get_with_host(
        &endpoint.address,
        &format!("http://evil.example:{port}{}", endpoint.path),
        Some(&format!("127.0.0.1:{port}")),
        &endpoint.token,
    );
    assert_eq!(status, 400, "{body}");
    assert_eq!(
        fake.count("AssumeRole"),
        assumed,
        "no lookup for a request to another host"
    );

    // The names an SDK may use for the endpoint it was given.
    for host in [
        format!("127.0.0.1:{port}"),
        format!("localhost:{port}"),
        format!("[::1]:{port}"),
    ] {
        let (status, body) = get_with_host(
            &endpoint.address,
            &endpoint.path,
            Some(&host),
            &endpoint.token,
        );
        assert_eq!(status, 200, "Host {host}: {body}");
        assert!(body.contains("ASIAFAKE"), "{body}");
    }
    let out = served.finish(&env);
    out.assert_success();
}
