//! `AWS_CA_BUNDLE`: the CAs that alone are trusted when it is set, read and checked
//! before the TLS client sees them (it panics on a bad bundle).

use crate::environment::Environment;
use crate::error::Error;

use super::errors::sts_setup;
use super::http_client::Roots;

/// Whom the HTTP client trusts: `AWS_CA_BUNDLE` alone when it is set, else the system.
pub(super) fn trusted_roots(env: &Environment) -> Result<Roots, Error> {
    Ok(match ca_bundle(env)? {
        Some(pem) => Roots::Only(pem),
        None => Roots::System,
    })
}

/// The certificates of `AWS_CA_BUNDLE`, read and checked, when it is set.
fn ca_bundle(env: &Environment) -> Result<Option<Vec<u8>>, Error> {
    let Some(path) = env.non_empty_os("AWS_CA_BUNDLE") else {
        return Ok(None);
    };
    let hint = || {
        Some("point AWS_CA_BUNDLE at a readable PEM file of CA certificates, or unset it".into())
    };
    // A FIFO or a device named here would hang the run or fill the memory.
    let pem =
        crate::regular_file::read(std::path::Path::new(&path), CA_BUNDLE_LIMIT).map_err(|e| {
            sts_setup(
                format!(
                    "cannot read AWS_CA_BUNDLE {}: {e}",
                    std::path::Path::new(&path).display()
                ),
                hint(),
            )
        })?;
    check_ca_bundle(&pem).map_err(|why| {
        sts_setup(
            format!(
                "AWS_CA_BUNDLE {} cannot be used: {why}",
                std::path::Path::new(&path).display()
            ),
            hint(),
        )
    })?;
    Ok(Some(pem))
}

/// Far more than any CA bundle (the whole Mozilla set is about 250 KiB).
const CA_BUNDLE_LIMIT: u64 = 16 * 1024 * 1024;

/// What the TLS client will do with the bundle, without its panics: every PEM block must
/// decode, and each must be a certificate it can trust.
fn check_ca_bundle(pem: &[u8]) -> Result<(), String> {
    use rustls::pki_types::CertificateDer;
    use rustls::pki_types::pem::PemObject;
    let certificates = CertificateDer::pem_slice_iter(pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|_| "it is not readable PEM (a block is malformed or cut off)".to_owned())?;
    if certificates.is_empty() {
        return Err("it holds no certificate".into());
    }
    let mut roots = rustls::RootCertStore::empty();
    for certificate in certificates {
        roots
            .add(certificate)
            .map_err(|e| format!("a certificate in it cannot be used: {e}"))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::check_ca_bundle;

    /// A self-signed CA certificate (P-256), made with openssl for this test.
    const CA: &str = "-----BEGIN CERTIFICATE-----
MIIBijCCATGgAwIBAgIUFZRB+B+xEtqd7WJbwDLAieYH4E8wCgYIKoZIzj0EAwIw
GjEYMBYGA1UEAwwPYXdzLW1mYSB0ZXN0IENBMCAXDTI2MTEyODIyMTYxNFoYDzIx
MjYxMTA0MjIxNjE0WjAaMRgwFgYDVQQDDA9hd3MtbWZhIHRlc3QgQ0EwWTATBgcq
hkjOPQIBBggqhkjOPQMBBwNCAASUebr4dcNK5951bsdm1ZIBgZYy9xBThmXtPq1i
y9lIeFiNXf4kU3wO0AQH6WhKYM9w6sZLx+/RCihxU8VgJ1TKo1MwUTAdBgNVHQ4E
FgQU5H2F9DkH1U3Azky2FVcJ+cKM2DUwHwYDVR0jBBgwFoAU5H2F9DkH1U3Azky2
FVcJ+cKM2DUwDwYDVR0TAQH/BAUwAwEB/zAKBggqhkjOPQQDAgNHADBEAiAnt4+b
/sBqQ61OFPaFVlCN1LjcLWgH2pBHc7FQI8NrQQIgRAKq1H18WKJiI1dhp+OBy8rs
HW+CRx/QMV/n45t4+mA=
-----END CERTIFICATE-----
";

    #[test]
    fn a_ca_bundle_is_read_as_the_tls_client_will() {
        assert_eq!(check_ca_bundle(CA.as_bytes()), Ok(()));
        let two = format!("# a comment\n{CA}\n{CA}");
        assert_eq!(check_ca_bundle(two.as_bytes()), Ok(()));
        let cut = &CA[..CA.len() / 2];
        assert!(
            check_ca_bundle(cut.as_bytes())
                .unwrap_err()
                .contains("not readable PEM")
        );
        let garbage = "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n";
        assert!(
            check_ca_bundle(garbage.as_bytes())
                .unwrap_err()
                .contains("cannot be used")
        );
        assert!(check_ca_bundle(b"").unwrap_err().contains("no certificate"));
    }
}
