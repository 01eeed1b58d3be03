//! The one HTTPS request of the console sign-in, made with the SDK's own HTTP stack
//! (aws-smithy-http-client: hyper and rustls over ring, set up as for STS), so no second
//! HTTP client or TLS library is built in. `AWS_CA_BUNDLE` replaces the system's CAs here
//! as it does for STS.

use crate::environment::Environment;
use std::time::Duration;

use aws_smithy_runtime_api::client::http::HttpConnector;
use aws_smithy_runtime_api::client::orchestrator::HttpRequest;
use aws_smithy_types::body::SdkBody;
use aws_smithy_types::byte_stream::ByteStream;

use super::errors::root_cause;

/// What the server answered.
pub struct Reply {
    pub status: u16,
    /// The body, `limit` bytes at most.
    pub body: Vec<u8>,
    /// The body went on past `limit`: the rest was not read.
    pub cut_off: bool,
}

/// POSTs a form (`application/x-www-form-urlencoded`) to `url` and reads the answer, up to
/// `limit` bytes, all within `timeout`. The error says what failed, never what was sent.
pub fn post_form(
    url: &str,
    form: String,
    limit: usize,
    timeout: Duration,
    env: &Environment,
) -> Result<Reply, String> {
    let connector = connector(env)?;
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
            // Read a piece at a time, and no further than `limit`: a reply of hundreds of
            // megabytes must not be held in memory.
            let mut stream = ByteStream::new(response.into_body());
            let mut body = Vec::new();
            while let Some(piece) = stream.next().await {
                let piece =
                    piece.map_err(|e| format!("the answer was cut off: {}", root_cause(&e)))?;
                if body.len() + piece.len() > limit {
                    return Ok(Reply {
                        status,
                        body,
                        cut_off: true,
                    });
                }
                body.extend_from_slice(&piece);
            }
            Ok(Reply {
                status,
                body,
                cut_off: false,
            })
        };
        tokio::time::timeout(timeout, exchange)
            .await
            .map_err(|_| format!("no answer within {}", crate::duration::measured(timeout)))?
    })
}

/// The HTTPS connector of every AWS call (`http_client`'s TLS: the same roots, read and
/// checked the same way), trusting only `AWS_CA_BUNDLE` when it is set.
fn connector(env: &Environment) -> Result<aws_smithy_http_client::Connector, String> {
    let roots = super::ca_bundle::trusted_roots(env).map_err(|e| match e {
        crate::error::Error::Sts { why, .. } => why,
        other => other.to_string(),
    })?;
    Ok(super::http_client::connector(roots))
}
