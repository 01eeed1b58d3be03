//! The federation endpoint's answer: the sign-in token, or what went wrong, told without
//! ever showing what was sent. A proxy's error page may echo the request, and the request
//! holds the role's credentials: the endpoint's own words are shown only when nothing in
//! them can be (an encoding of) a credential; else only the status and the length.

use super::SIGNIN_URL_VAR;
use crate::error::Error;
use crate::session::Credentials;

/// More than any sign-in token needs (a few KB): the reply is read no further.
pub const REPLY_LIMIT: usize = 64 * 1024;

/// The longest sign-in token taken: real ones are a few KB.
const TOKEN_LIMIT: usize = 16 * 1024;

/// The most of the endpoint's words a message shows.
const WORDS_LIMIT: usize = 200;

/// A word longer than this may be an encoding of anything (a credential in base64): the
/// words are not shown.
const LONGEST_WORD: usize = 32;

/// A run this long of a credential found in the reply, in any decoding, hides the reply.
const WINDOW: usize = 8;

/// The `SigninToken` of the endpoint's answer, or what went wrong, explained.
pub fn signin_token(
    status: u16,
    body: &[u8],
    cut_off: bool,
    sent: &Credentials,
) -> Result<String, Error> {
    let not_the_endpoint = || {
        Some(format!(
            "check that the endpoint really is the AWS federation endpoint ({SIGNIN_URL_VAR})"
        ))
    };
    if cut_off {
        return Err(Error::SignIn {
            why: format!(
                "the federation endpoint answered HTTP {status} with more than {} KiB, more than any sign-in token needs",
                REPLY_LIMIT / 1024
            ),
            hint: not_the_endpoint(),
        });
    }
    let text = String::from_utf8_lossy(body);
    let document: Option<serde_json::Value> = serde_json::from_str(&text).ok();
    if status == 200 {
        let Some(token) = document
            .as_ref()
            .and_then(|d| d["SigninToken"].as_str())
            .filter(|t| !t.is_empty())
        else {
            return Err(Error::SignIn {
                why: "the federation endpoint answered without a sign-in token".into(),
                hint: not_the_endpoint(),
            });
        };
        // It goes into a URL that a browser opens: a token that no endpoint would issue is
        // refused, not passed on.
        if token.len() > TOKEN_LIMIT {
            return Err(Error::SignIn {
                why: format!(
                    "the federation endpoint answered a sign-in token of {} bytes; real ones are a few KB (at most {} KiB taken)",
                    token.len(),
                    TOKEN_LIMIT / 1024
                ),
                hint: not_the_endpoint(),
            });
        }
        if !token.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(Error::SignIn {
                why: "the federation endpoint answered a sign-in token with characters no sign-in token has (spaces, control or non-ASCII characters)".into(),
                hint: not_the_endpoint(),
            });
        }
        return Ok(token.to_owned());
    }
    let said = match endpoint_words(&text, document.as_ref(), sent) {
        Some(words) => format!(": {words}"),
        None if body.is_empty() => " with an empty reply".into(),
        None => format!(
            " ({} bytes, not shown: they may hold what was sent)",
            body.len()
        ),
    };
    let hint = match status {
        400 | 401 | 403 => {
            "the endpoint refused the role credentials: they may have expired or been revoked; run again with --refresh"
        }
        429 => "the endpoint is limiting requests: wait a moment and try again",
        500.. => "the federation endpoint is having trouble: try again shortly",
        _ => "check that the endpoint really is the AWS federation endpoint",
    };
    Err(Error::SignIn {
        why: format!("the federation endpoint answered HTTP {status}{said}"),
        hint: Some(hint.into()),
    })
}

/// The endpoint's own words (its JSON `message` and `description`, else the first line of
/// the reply), when they are short words that hold nothing of what was sent.
fn endpoint_words(
    text: &str,
    document: Option<&serde_json::Value>,
    sent: &Credentials,
) -> Option<String> {
    let words = document
        .map(|d| {
            ["message", "description"]
                .iter()
                .filter_map(|k| d[*k].as_str())
                .collect::<Vec<_>>()
                .join(": ")
        })
        .filter(|s| !s.is_empty())
        .or_else(|| {
            text.lines()
                .map(str::trim)
                .find(|l| !l.is_empty())
                .map(str::to_owned)
        })?;
    let short = words.chars().count() <= WORDS_LIMIT
        && words
            .split_whitespace()
            .all(|w| w.chars().count() <= LONGEST_WORD);
    let credentials = [
        sent.access_key_id.as_str(),
        sent.secret_access_key.expose(),
        sent.session_token.expose(),
    ];
    // The whole reply is searched, not only the words: a proxy may put the request anywhere.
    if !short || may_hold(&words, &credentials) || may_hold(text, &credentials) {
        return None;
    }
    Some(words.escape_debug().to_string())
}

/// Whether `text`, read raw or decoded as a URL, a form, JSON or HTML would, holds a run of
/// `WINDOW` characters of any of `values`.
fn may_hold(text: &str, values: &[&str]) -> bool {
    let mut readings = vec![text.to_owned()];
    // Decoded twice over: a proxy may encode what was already encoded.
    for _ in 0..2 {
        let mut next = Vec::new();
        for reading in &readings {
            next.push(percent_decoded(reading));
            next.push(percent_decoded(&reading.replace('+', " ")));
            next.push(json_unescaped(reading));
            next.push(html_unescaped(reading));
        }
        readings.extend(next);
        readings.sort();
        readings.dedup();
    }
    values.iter().filter(|v| !v.is_empty()).any(|value| {
        let chars: Vec<char> = value.chars().collect();
        let window = WINDOW.min(chars.len());
        chars.windows(window).any(|run| {
            let run: String = run.iter().collect();
            readings.iter().any(|r| r.contains(&run))
        })
    })
}

fn percent_decoded(text: &str) -> String {
    percent_encoding::percent_decode_str(text)
        .decode_utf8_lossy()
        .into_owned()
}

/// `\/`, `\"`, `\\`, `\uXXXX` (and the other JSON escapes) read as JSON reads them.
fn json_unescaped(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('u') => {
                let hex: String = chars.by_ref().take(4).collect();
                match u32::from_str_radix(&hex, 16).ok().and_then(char::from_u32) {
                    Some(decoded) => out.push(decoded),
                    None => out.push_str(&hex),
                }
            }
            Some('n') => out.push('\n'),
            Some('t') => out.push('\t'),
            Some('r') => out.push('\r'),
            Some(other) => out.push(other),
            None => out.push('\\'),
        }
    }
    out
}

/// `&#43;`, `&#x2F;`, `&quot;`, `&amp;`, `&lt;`, `&gt;`, `&apos;` read as HTML reads them.
fn html_unescaped(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find('&') {
        out.push_str(&rest[..at]);
        let after = &rest[at + 1..];
        let entity = after
            .find(';')
            .filter(|end| *end <= 8)
            .map(|end| (&after[..end], end));
        let decoded = entity.and_then(|(name, _)| match name {
            "quot" => Some('"'),
            "amp" => Some('&'),
            "lt" => Some('<'),
            "gt" => Some('>'),
            "apos" => Some('\''),
            _ => {
                let number = name.strip_prefix('#')?;
                let value = match number.strip_prefix(['x', 'X']) {
                    Some(hex) => u32::from_str_radix(hex, 16).ok()?,
                    None => number.parse().ok()?,
                };
                char::from_u32(value)
            }
        });
        match (decoded, entity) {
            (Some(c), Some((_, end))) => {
                out.push(c);
                rest = &after[end + 1..];
            }
            _ => {
                out.push('&');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::may_hold;

    const SECRET: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";

    #[test]
    fn a_credential_is_found_in_every_encoding() {
        let encoded: String = form_urlencoded::byte_serialize(SECRET.as_bytes()).collect();
        let json = serde_json::to_string(&serde_json::json!({ "k": SECRET })).unwrap();
        for text in [
            SECRET.to_owned(),
            encoded.clone(),
            form_urlencoded::byte_serialize(encoded.as_bytes()).collect(),
            json.replace('/', "\\/"),
            SECRET.replace('/', "&#x2F;").replace('+', "&#43;"),
            SECRET.replace('/', "%2f"),
            format!("...{}...", &SECRET[10..20]),
        ] {
            assert!(may_hold(&text, &[SECRET]), "not found in {text}");
        }
        assert!(!may_hold(
            "Invalid credentials parameter: The request was syntactically incorrect.",
            &[SECRET]
        ));
    }
}
