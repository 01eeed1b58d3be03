//! SigV4 as STS checks it: the `Authorization` header's parts, the key and token it names,
//! and the signature the SDK's own signer makes with that key.

use std::collections::BTreeMap;

use super::actions::error_document;
use super::http::Request;
use super::{Keys, Origin, State};

/// The parts of a SigV4 `Authorization` header.
pub(super) struct Authorization {
    pub(super) access_key_id: String,
    date: String,
    pub(super) region: String,
    pub(super) service: String,
    signed_headers: Vec<String>,
    signature: String,
}

pub(super) fn authorization(header: &str) -> Option<Authorization> {
    let rest = header.strip_prefix("AWS4-HMAC-SHA256 ")?;
    let mut fields = BTreeMap::new();
    for field in rest.split(',') {
        let (name, value) = field.trim().split_once('=')?;
        fields.insert(name, value);
    }
    let mut scope = fields.get("Credential")?.split('/');
    let (access_key_id, date, region, service, terminator) = (
        scope.next()?,
        scope.next()?,
        scope.next()?,
        scope.next()?,
        scope.next()?,
    );
    if terminator != "aws4_request" || scope.next().is_some() {
        return None;
    }
    Some(Authorization {
        access_key_id: access_key_id.to_owned(),
        date: date.to_owned(),
        region: region.to_owned(),
        service: service.to_owned(),
        signed_headers: fields
            .get("SignedHeaders")?
            .split(';')
            .map(str::to_owned)
            .collect(),
        signature: (*fields.get("Signature")?).to_owned(),
    })
}

const SIGNATURE_MESSAGE: &str = "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.";
const BAD_TOKEN_MESSAGE: &str = "The security token included in the request is invalid.";

/// Checks the request's SigV4 signature as STS does: the key id must be one the fake knows,
/// the session token the one issued with that key (none for long-term keys), and the
/// signature the one the SDK's own signer computes with that key's secret, for the scope's
/// region and service. Returns the keys and their origin, or STS's error.
pub(super) fn verify(
    request: &Request,
    auth: Option<&Authorization>,
    service: &str,
    state: &State,
) -> Result<(Keys, Origin), (u16, String)> {
    let refuse = |code, message: &str| (403, error_document(code, message));
    let Some(auth) = auth else {
        return Err(refuse(
            "MissingAuthenticationToken",
            "Request is missing Authentication Token",
        ));
    };
    let Some((keys, origin)) = state.known.get(&auth.access_key_id) else {
        return Err(refuse("InvalidClientTokenId", BAD_TOKEN_MESSAGE));
    };
    if request.headers.get("x-amz-security-token") != keys.session_token.as_ref() {
        return Err(refuse("InvalidClientTokenId", BAD_TOKEN_MESSAGE));
    }
    let region_ok = |region: &str| {
        let parts: Vec<&str> = region.split('-').collect();
        parts.len() >= 3
            && parts.iter().all(|p| {
                !p.is_empty()
                    && p.chars()
                        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
            })
            && parts
                .last()
                .is_some_and(|p| p.chars().all(|c| c.is_ascii_digit()))
    };
    let wrong_region = !region_ok(&auth.region)
        || (service == "sts"
            && state
                .region
                .as_ref()
                .is_some_and(|want| *want != auth.region));
    if wrong_region || auth.service != service {
        return Err(refuse(
            "SignatureDoesNotMatch",
            "Credential should be scoped to a valid region and service.",
        ));
    }
    let expected = signature(request, auth, keys).ok_or_else(|| {
        refuse(
            "IncompleteSignature",
            "The request signature does not conform to AWS standards.",
        )
    })?;
    if expected != auth.signature {
        return Err(refuse("SignatureDoesNotMatch", SIGNATURE_MESSAGE));
    }
    Ok((keys.clone(), *origin))
}

/// What the signature of `request` is with `keys`, as aws-sigv4 (the SDK's signer) computes
/// it over the headers the request says it signed.
fn signature(request: &Request, auth: &Authorization, keys: &Keys) -> Option<String> {
    use aws_sigv4::http_request::{SignableBody, SignableRequest, SigningSettings, sign};
    let amz_date = request.headers.get("x-amz-date")?;
    if amz_date.len() != 16 || !amz_date.starts_with(&auth.date) {
        return None;
    }
    let b = amz_date.as_bytes();
    let text = |range: std::ops::Range<usize>| std::str::from_utf8(&b[range]).ok();
    let time = humantime::parse_rfc3339(&format!(
        "{}-{}-{}T{}:{}:{}Z",
        text(0..4)?,
        text(4..6)?,
        text(6..8)?,
        text(9..11)?,
        text(11..13)?,
        text(13..15)?
    ))
    .ok()?;
    let identity = aws_credential_types::Credentials::new(
        &keys.access_key_id,
        &keys.secret_access_key,
        keys.session_token.clone(),
        None,
        "fake-sts",
    )
    .into();
    let params = aws_sigv4::sign::v4::SigningParams::builder()
        .identity(&identity)
        .region(&auth.region)
        .name(&auth.service)
        .time(time)
        .settings(SigningSettings::default())
        .build()
        .ok()?
        .into();
    // The headers it names, but those the signer adds itself from the keys and the time.
    let mut headers = Vec::new();
    for name in &auth.signed_headers {
        if name == "x-amz-date" || name == "x-amz-security-token" {
            continue;
        }
        headers.push((name.as_str(), request.headers.get(name)?.as_str()));
    }
    let signable = SignableRequest::new(
        &request.method,
        request.target.as_str(),
        headers.into_iter(),
        SignableBody::Bytes(&request.body),
    )
    .ok()?;
    let (instructions, signature) = sign(signable, &params).ok()?.into_parts();
    // The header list it signed must be the one the request names.
    let (added, _) = instructions.into_parts();
    let authorization = added
        .iter()
        .find(|h| h.name().eq_ignore_ascii_case("authorization"))?;
    let names = auth.signed_headers.join(";");
    if !authorization
        .value()
        .contains(&format!("SignedHeaders={names},"))
    {
        return Some(format!("signed headers {names} differ"));
    }
    Some(signature)
}
