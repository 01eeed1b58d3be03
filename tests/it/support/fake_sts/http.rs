//! The HTTP/1.1 server under every fake on 127.0.0.1 (the STS and the federation
//! endpoint): accept, read a request, write an answer; over TLS with the certificates made
//! here.

use std::collections::BTreeMap;
use std::io::{self, BufRead, Read, Write};
use std::net::TcpListener;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::thread;

/// What a fake serves: a TCP connection, or TLS over one.
pub trait Connection: Read + Write {}
impl<T: Read + Write> Connection for T {}

/// A server on 127.0.0.1 that hands each accepted connection to `serve` on a thread of
/// its own.
pub struct Loopback {
    /// `http://127.0.0.1:PORT`, or `https://…` over TLS.
    pub url: String,
    connections: Arc<AtomicUsize>,
}

impl Loopback {
    /// Plain HTTP, or HTTPS with `tls`.
    pub fn start(
        tls: Option<Arc<rustls::ServerConfig>>,
        serve: impl Fn(&mut dyn Connection) + Send + Sync + 'static,
    ) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1");
        let scheme = if tls.is_some() { "https" } else { "http" };
        let url = format!("{scheme}://{}", listener.local_addr().unwrap());
        let connections = Arc::new(AtomicUsize::new(0));
        let accepted = Arc::clone(&connections);
        let serve = Arc::new(serve);
        thread::spawn(move || {
            for mut stream in listener.incoming().flatten() {
                accepted.fetch_add(1, SeqCst);
                let (serve, tls) = (Arc::clone(&serve), tls.clone());
                thread::spawn(move || match tls {
                    None => serve(&mut stream),
                    Some(config) => {
                        if let Ok(connection) = rustls::ServerConnection::new(config) {
                            serve(&mut rustls::StreamOwned::new(connection, stream));
                        }
                    }
                });
            }
        });
        Loopback { url, connections }
    }

    /// How many connections were accepted (over TLS: handshakes begun).
    pub fn connections(&self) -> usize {
        self.connections.load(SeqCst)
    }
}

/// Writes one answer: the status line, `headers` and the length, then the body in a write
/// of its own (a client that stops reading ends that write).
pub fn write_response(
    stream: &mut impl Write,
    status: u16,
    reason: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> io::Result<()> {
    let mut head = format!("HTTP/1.1 {status} {reason}\r\n");
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str(&format!("Content-Length: {}\r\n\r\n", body.len()));
    stream.write_all(head.as_bytes())?;
    stream.write_all(body)?;
    stream.flush()
}

/// The certificate a TLS fake shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ServerCert {
    /// For 127.0.0.1, valid now.
    Valid,
    /// For 127.0.0.1, expired (valid through 2021 only).
    Expired,
    /// Valid now, but for another host name (sts.example.com) only.
    OtherHost,
}

/// A new private CA: its certificate as PEM, and what signs with it.
pub fn private_ca() -> (String, rcgen::Issuer<'static, rcgen::KeyPair>) {
    use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair};
    let ca_key = KeyPair::generate().unwrap();
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    // Each CA its own name: a certificate names its issuer, and two CAs of one name would
    // look like a forged signature rather than an unknown issuer.
    static CAS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = CAS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    ca_params.distinguished_name.push(
        DnType::CommonName,
        format!("aws-mfa test CA {} {n}", std::process::id()),
    );
    let ca = ca_params.self_signed(&ca_key).unwrap();
    (ca.pem(), Issuer::new(ca_params, ca_key))
}

/// A server certificate for 127.0.0.1 signed by a new CA; returns the CA as PEM.
pub fn tls_config() -> (Arc<rustls::ServerConfig>, String) {
    tls_config_for(ServerCert::Valid)
}

/// A server certificate of `kind` signed by a new CA; returns the CA as PEM.
pub fn tls_config_for(kind: ServerCert) -> (Arc<rustls::ServerConfig>, String) {
    use rcgen::{CertificateParams, KeyPair, date_time_ymd};
    let (ca_pem, issuer) = private_ca();
    let key = KeyPair::generate().unwrap();
    let host = match kind {
        ServerCert::Valid | ServerCert::Expired => "127.0.0.1",
        ServerCert::OtherHost => "sts.example.com",
    };
    let mut params = CertificateParams::new(vec![host.to_owned()]).unwrap();
    if kind == ServerCert::Expired {
        params.not_before = date_time_ymd(2020, 1, 1);
        params.not_after = date_time_ymd(2021, 12, 31);
    }
    let cert = params.signed_by(&key, &issuer).unwrap();
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(
            vec![cert.der().clone()],
            rustls::pki_types::PrivateKeyDer::Pkcs8(key.serialize_der().into()),
        )
        .unwrap();
    (Arc::new(config), ca_pem)
}

/// One HTTP/1.1 request: method, target, headers (lowercased names), body.
pub struct Request {
    pub method: String,
    pub target: String,
    pub headers: BTreeMap<String, String>,
    pub body: Vec<u8>,
}

/// The next request on a connection, or `None` when it ends (or is not HTTP). No
/// `Content-Length`: no body.
pub fn read_request(reader: &mut impl BufRead) -> Option<Request> {
    let mut line = String::new();
    if reader.read_line(&mut line).ok()? == 0 {
        return None;
    }
    let mut words = line.split_whitespace();
    let method = words.next()?.to_owned();
    let target = words.next()?.to_owned();
    let mut headers = BTreeMap::new();
    loop {
        line.clear();
        reader.read_line(&mut line).ok()?;
        let trimmed = line.trim_end();
        if trimmed.is_empty() {
            break;
        }
        let (name, value) = trimmed.split_once(':')?;
        headers.insert(name.trim().to_ascii_lowercase(), value.trim().to_owned());
    }
    let length: usize = match headers.get("content-length") {
        Some(length) => length.parse().ok()?,
        None => 0,
    };
    let mut body = vec![0; length];
    reader.read_exact(&mut body).ok()?;
    Some(Request {
        method,
        target,
        headers,
        body,
    })
}
