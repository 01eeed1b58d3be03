//! The HTTP client every AWS call of a run goes through: rustls with ring, and the trusted
//! CAs set up once.
//!
//! What a fresh session costs over TLS is mostly here (see bench/README.md): the first
//! handshake of the crypto provider, and reading the system's certificate store. So:
//! - ring, not the SDK's default aws-lc, whose first handshake costs ~20 ms of CPU;
//! - the system store only when no bundle replaces it, read the first time an https://
//!   URL is called (never for a plain http:// endpoint), once per process;
//! - one client for all calls of a run (GetSessionToken then AssumeRole share a connection),
//!   and no trial connector at start-up (the SDK's own client builds one, root store
//!   included, every time an operation client is made, only to throw it away).

use aws_smithy_http_client::tls::{self, TlsContext, TrustStore};
use aws_smithy_runtime_api::client::connector_metadata::ConnectorMetadata;
use aws_smithy_runtime_api::client::http::{
    HttpClient, HttpConnector, HttpConnectorFuture, HttpConnectorSettings, SharedHttpClient,
    SharedHttpConnector,
};
use aws_smithy_runtime_api::client::orchestrator::HttpRequest;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;

/// Whom the client trusts for https:// URLs.
pub enum Roots {
    /// The system's certificate store (`SSL_CERT_FILE` / `SSL_CERT_DIR` move it).
    System,
    /// These PEM certificates alone (`AWS_CA_BUNDLE`), already checked to be usable.
    Only(Vec<u8>),
}

/// The TLS provider and context of every AWS call. Certificates are checked the usual
/// way: a chain to one of `roots`, the URL's host name, the validity dates.
fn tls(roots: Roots) -> (tls::Provider, TlsContext) {
    let trust_store = match roots {
        Roots::System => TrustStore::default(),
        Roots::Only(pem) => TrustStore::empty().with_pem_certificate(pem),
    };
    let context = TlsContext::builder()
        .with_trust_store(trust_store)
        .build()
        .expect("a TLS context from a trust store always builds");
    let provider = tls::Provider::Rustls(tls::rustls_provider::CryptoMode::Ring);
    (provider, context)
}

/// A client for http:// and https:// URLs.
pub fn build(roots: Roots) -> SharedHttpClient {
    let (provider, context) = tls(roots);
    let https = aws_smithy_http_client::Builder::new()
        .tls_provider(provider)
        .tls_context(context)
        .build_https();
    let http = aws_smithy_http_client::Builder::new().build_http();
    SharedHttpClient::new(ByScheme { https, http })
}

/// A connector for a request made outside the SDK (the console sign-in), with the same
/// TLS as every other AWS call.
pub fn connector(roots: Roots) -> aws_smithy_http_client::Connector {
    let (provider, context) = tls(roots);
    aws_smithy_http_client::Connector::builder()
        .tls_provider(provider)
        .tls_context(context)
        .build()
}

/// Sends http:// URLs to a client without TLS, everything else to the TLS client; each
/// makes its connector (and so reads certificates) only when it gets a call.
#[derive(Debug)]
struct ByScheme {
    https: SharedHttpClient,
    http: SharedHttpClient,
}

impl HttpClient for ByScheme {
    fn http_connector(
        &self,
        settings: &HttpConnectorSettings,
        components: &RuntimeComponents,
    ) -> SharedHttpConnector {
        SharedHttpConnector::new(ByUrl {
            https: self.https.clone(),
            http: self.http.clone(),
            settings: settings.clone(),
            components: components.clone(),
        })
    }

    /// What the user agent names (the SDK's hyper client).
    fn connector_metadata(&self) -> Option<ConnectorMetadata> {
        self.https.connector_metadata()
    }
}

#[derive(Debug)]
struct ByUrl {
    https: SharedHttpClient,
    http: SharedHttpClient,
    settings: HttpConnectorSettings,
    components: RuntimeComponents,
}

impl HttpConnector for ByUrl {
    fn call(&self, request: HttpRequest) -> HttpConnectorFuture {
        let plain = request
            .uri()
            .get(..7)
            .is_some_and(|scheme| scheme.eq_ignore_ascii_case("http://"));
        let client = if plain { &self.http } else { &self.https };
        // The inner clients keep their connectors (and connection pools) per timeout
        // settings, so every call with the same settings reuses one.
        client
            .http_connector(&self.settings, &self.components)
            .call(request)
    }
}
