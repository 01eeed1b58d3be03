//! The one HTTPS request of the console sign-in, made with the SDK's own HTTP stack
//! (aws-smithy-http-client: hyper and rustls over aws-lc), so no second HTTP client or TLS
//! library is built in. `AWS_CA_BUNDLE` is trusted here as it is for STS.

use std::time::Duration;

use aws_smithy_http_client::tls::{self, TlsContext, TrustStore};
use aws_smithy_runtime_api::client::http::HttpConnector;
use aws_smithy_runtime_api::client::orchestrator::HttpRequest;
use aws_smithy_types::body::SdkBody;
use aws_smithy_types::byte_stream::ByteStream;

use crate::aws::root_cause;

/// What the server answered.
pub struct Reply {
    pub status: u16,
    pub body: Vec<u8>,
}

/// POSTs a form (`application/x-www-form-urlencoded`) to `url` and reads the whole answer,
/// all within `timeout`. The error says what failed, never what was sent.
pub fn post_form(url: &str, form: String, timeout: Duration) -> Result<Reply, String> {
    let connector = connector()?;
    let mut request = HttpRequest::new(SdkBody::from(form));
    request
        .set_method("POST")
        .map_err(|e| format!("the request could not be built: {e}"))?;
    request
        .set_uri(url)
        .map_err(|e| format!("the request could not be built: {e}"))?;
    request
        .headers_mut()
        .insert("content-type", "application/x-www-form-urlencoded");
    request.headers_mut().insert("accept", "application/json");
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the async runtime: {e}"))?;
    runtime.block_on(async {
        let exchange = async {
            let response = connector.call(request).await.map_err(|e| root_cause(&e))?;
            let status = response.status().as_u16();
            let body = ByteStream::new(response.into_body())
                .collect()
                .await
                .map_err(|e| format!("the answer was cut off: {}", root_cause(&e)))?;
            Ok(Reply {
                status,
                body: body.into_bytes().to_vec(),
            })
        };
        tokio::time::timeout(timeout, exchange)
            .await
            .map_err(|_| format!("no answer within {}", crate::verbose::seconds(timeout)))?
    })
}

/// The SDK's HTTPS connector, trusting `AWS_CA_BUNDLE` too when it is set.
fn connector() -> Result<aws_smithy_http_client::Connector, String> {
    let mut builder = aws_smithy_http_client::Connector::builder().tls_provider(
        tls::Provider::Rustls(tls::rustls_provider::CryptoMode::AwsLc),
    );
    if let Some(path) = std::env::var_os("AWS_CA_BUNDLE").filter(|p| !p.is_empty()) {
        let shown = std::path::Path::new(&path).display().to_string();
        let pem =
            std::fs::read(&path).map_err(|e| format!("cannot read AWS_CA_BUNDLE {shown}: {e}"))?;
        crate::aws::check_ca_bundle(&pem)
            .map_err(|why| format!("AWS_CA_BUNDLE {shown} cannot be used: {why}"))?;
        let context = TlsContext::builder()
            .with_trust_store(TrustStore::default().with_pem_certificate(pem))
            .build()
            .map_err(|e| format!("AWS_CA_BUNDLE {shown} cannot be used: {e}"))?;
        builder = builder.tls_context(context);
    }
    Ok(builder.build())
}
