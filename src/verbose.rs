//! `-v`: each step on stderr, secrets redacted.
//!
//! A subscriber is installed only when `-v` is given: a normal run (the cached path above
//! all) pays only for `tracing` macros that find nobody listening. The steps are `info`
//! events; `debug` and `trace` are compiled out (see Cargo.toml). Only aws-mfa's own
//! events pass; the SDK's can carry whole requests, MFA code included. Every event names
//! its fields by hand: access key ids are shortened with `key_id`, and no event ever takes
//! a secret key, a session token, a code or a child's arguments.

use std::time::Instant;

use tracing::{Event, Level, Subscriber};
use tracing_subscriber::filter::Targets;
use tracing_subscriber::fmt::format::Writer;
use tracing_subscriber::fmt::{FmtContext, FormatEvent, FormatFields};
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::registry::LookupSpan;

/// Sends aws-mfa's own steps to stderr, one line each: `aws-mfa [  0.004s] what happened`.
pub fn init() {
    let steps = tracing_subscriber::fmt::layer()
        .with_writer(std::io::stderr)
        .event_format(Steps {
            start: Instant::now(),
        });
    let ours = Targets::new().with_target(env!("CARGO_CRATE_NAME"), Level::INFO);
    let subscriber = tracing_subscriber::registry().with(steps).with(ours);
    // Only fails when one is already set, which nothing else here does.
    let _ = tracing::subscriber::set_global_default(subscriber);
}

/// An access key id as `AKIA…0001`: the kind and the last four, enough to tell keys apart;
/// only when it has the shape of one. A secret key put under `aws_access_key_id` by mistake
/// must show nothing of itself.
pub fn key_id(id: &str) -> String {
    if crate::session::looks_like_key_id(id) {
        format!("{}…{}", &id[..4], &id[16..])
    } else {
        "(not an access key id)".into()
    }
}

/// The line format: the program, the time since start, the message and its fields.
struct Steps {
    start: Instant,
}

impl<S, N> FormatEvent<S, N> for Steps
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    N: for<'a> FormatFields<'a> + 'static,
{
    fn format_event(
        &self,
        context: &FmtContext<'_, S, N>,
        mut writer: Writer<'_>,
        event: &Event<'_>,
    ) -> std::fmt::Result {
        write!(
            writer,
            "aws-mfa [{:>8.3}s] ",
            self.start.elapsed().as_secs_f64()
        )?;
        // Profile names, paths and STS's words go into the steps: control characters are
        // shown escaped, never sent to the terminal.
        let mut line = String::new();
        context.format_fields(Writer::new(&mut line), event)?;
        writeln!(writer, "{}", crate::error::escape_controls(&line))
    }
}

#[cfg(test)]
mod tests {
    use super::key_id;

    #[test]
    fn key_ids_keep_their_kind_and_last_four() {
        assert_eq!(key_id("AKIATESTLONGTERM0001"), "AKIA…0001");
        assert_eq!(key_id("ASIAFAKE000000000042"), "ASIA…0042");
        assert_eq!(key_id("AKIASHORT"), "(not an access key id)");
        // A secret key (40 characters) in the key id's place: nothing of it is shown.
        let secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
        assert_eq!(key_id(secret), "(not an access key id)");
        assert_eq!(key_id("AKIAtestlongterm0001"), "(not an access key id)");
        assert_eq!(key_id("AKIATESTLONGTERM00012"), "(not an access key id)");
    }
}
