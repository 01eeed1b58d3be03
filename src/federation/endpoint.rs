//! The federation endpoint, parsed once: the address a request goes to is the address every
//! message shows. A URL is read as a browser reads it (WHATWG, the `url` crate), and the
//! request is made to that reading, so a name that two parsers read differently
//! (`https://evil.example#@signin.aws.amazon.com/`) cannot show one host and call another.

use std::net::IpAddr;

use url::{Host, Url};

use super::SIGNIN_URL_VAR;
use crate::error::Error;

/// Where `getSigninToken` goes: the URL used (no fragment), and how messages show it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SigninEndpoint {
    url: Url,
}

impl SigninEndpoint {
    /// A partition's own endpoint (a constant that parses).
    pub(super) fn fixed(url: &str) -> Self {
        SigninEndpoint {
            url: Url::parse(url).expect("the partitions' endpoints are URLs"),
        }
    }

    /// `AWS_MFA_SIGNIN_URL`: https, or plain http on loopback only (credentials travel in
    /// the request). A fragment is never sent, so it is dropped; a URL whose host another
    /// parser (the HTTP stack's) would read differently is refused.
    pub fn parse(given: &str) -> Result<Self, Error> {
        let invalid = |why: &str, shown: String| Error::SignIn {
            why: format!("{SIGNIN_URL_VAR} '{shown}' {why}"),
            hint: Some(format!(
                "set {SIGNIN_URL_VAR} to an https:// federation URL (http:// only on 127.0.0.1), or unset it"
            )),
        };
        // Not a URL: nothing can be told apart in it, so only its scheme is shown.
        let Ok(mut url) = Url::parse(given) else {
            let scheme = given.split_once("://").map_or("", |(s, _)| s);
            return Err(invalid(
                "is not a URL",
                format!("{}://…", scheme.escape_debug()),
            ));
        };
        url.set_fragment(None);
        let endpoint = SigninEndpoint { url };
        let shown = endpoint.shown();
        let Some(host) = endpoint.url.host() else {
            return Err(invalid("names no host", shown));
        };
        let loopback = match host {
            Host::Domain(name) => name.eq_ignore_ascii_case("localhost"),
            Host::Ipv4(ip) => IpAddr::V4(ip).is_loopback(),
            Host::Ipv6(ip) => IpAddr::V6(ip).is_loopback(),
        };
        match endpoint.url.scheme() {
            "https" => {}
            "http" if loopback => {}
            "http" => return Err(invalid("is plain http to another host", shown)),
            _ => return Err(invalid("is not an https:// URL", shown)),
        }
        // The HTTP stack parses the URL again: it must find the same host.
        let reread = endpoint.url.as_str().parse::<http::Uri>().ok();
        let same = reread.as_ref().and_then(http::Uri::host).map(|h| {
            h.trim_start_matches('[')
                .trim_end_matches(']')
                .eq_ignore_ascii_case(
                    endpoint
                        .url
                        .host_str()
                        .unwrap_or_default()
                        .trim_start_matches('[')
                        .trim_end_matches(']'),
                )
        });
        if same != Some(true) {
            return Err(invalid(
                "cannot be read the same way by every parser",
                shown,
            ));
        }
        Ok(endpoint)
    }

    /// The URL requests go to.
    pub fn as_str(&self) -> &str {
        self.url.as_str()
    }

    /// The endpoint as messages show it: scheme, host, port and path of the URL used; a
    /// `user:password@` and the query are left out.
    pub fn shown(&self) -> String {
        let url = &self.url;
        let host = url.host_str().unwrap_or_default();
        let port = url.port().map(|p| format!(":{p}")).unwrap_or_default();
        let shown = format!("{}://{host}{port}{}", url.scheme(), url.path());
        crate::error::escape_controls(&shown).into_owned()
    }

    /// The sign-in URL: the endpoint with `query` added to its own.
    pub fn with_query(&self, query: &str) -> String {
        let mut url = self.url.clone();
        let joined = match url.query() {
            Some(own) if !own.is_empty() => format!("{own}&{query}"),
            _ => query.to_owned(),
        };
        url.set_query(Some(&joined));
        url.into()
    }
}

#[cfg(test)]
mod tests {
    use super::SigninEndpoint;

    fn shown(url: &str) -> Result<String, String> {
        SigninEndpoint::parse(url)
            .map(|e| e.shown())
            .map_err(|e| e.to_string())
    }

    #[test]
    fn the_host_shown_is_the_host_used() {
        let tricky = SigninEndpoint::parse("https://evil.example#@signin.aws.amazon.com/").unwrap();
        assert_eq!(tricky.shown(), "https://evil.example/");
        assert_eq!(tricky.as_str(), "https://evil.example/");
        let backslash =
            SigninEndpoint::parse("https://evil.example\\@signin.aws.amazon.com/").unwrap();
        assert_eq!(
            backslash.shown(),
            "https://evil.example/@signin.aws.amazon.com/"
        );
        assert_eq!(
            shown("https://me:pw@signin.example/federation?x=1").unwrap(),
            "https://signin.example/federation"
        );
        assert_eq!(
            shown("http://127.0.0.1:8080/federation").unwrap(),
            "http://127.0.0.1:8080/federation"
        );
        assert_eq!(shown("http://[::1]:80/f").unwrap(), "http://[::1]/f");
    }

    #[test]
    fn plain_http_only_on_loopback() {
        let refused = shown("http://127.0.0.1.evil.example/federation").unwrap_err();
        assert!(
            refused.contains("is plain http to another host"),
            "{refused}"
        );
        let refused = shown("http://evil.example#@127.0.0.1/").unwrap_err();
        assert!(
            refused.contains("'http://evil.example/' is plain http"),
            "{refused}"
        );
        assert!(shown("ftp://signin.example/").is_err());
        let refused = shown("not a url with pw:secret").unwrap_err();
        assert!(!refused.contains("secret"), "{refused}");
    }

    #[test]
    fn the_login_query_joins_the_endpoints_own() {
        let plain = SigninEndpoint::parse("https://signin.example/federation").unwrap();
        assert_eq!(
            plain.with_query("Action=login&SigninToken=T"),
            "https://signin.example/federation?Action=login&SigninToken=T"
        );
        let own = SigninEndpoint::parse("https://signin.example/f?tenant=1#frag").unwrap();
        assert_eq!(
            own.with_query("Action=login"),
            "https://signin.example/f?tenant=1&Action=login"
        );
    }
}
