//! How long cached credentials must still last to be handed out: one decision, named by who
//! receives them and what they are. Every length it uses is here.

use std::time::Duration;

/// A shell (or a command run with fixed keys) gets an MFA session with more than this left;
/// an MFA session that only signs AssumeRole calls needs no more either.
const SHELL_MIN_LEFT: Duration = Duration::from_secs(5 * 60);
/// Credentials handed to an SDK that refreshes on its own (`credential-process`, the
/// `--server` endpoint) should have more than this left: botocore refreshes 15 minutes
/// before expiry (and insists at 10), the JS SDK v3 and aws-sdk-go-v2's container provider
/// at 5 minutes, aws-sdk-go-v2's `credential_process` provider at expiry. Outside every
/// window, an SDK keeps what it got until its own refresh. Role credentials get as much
/// whoever receives them: a shell's tools are SDKs too (Terraform, the aws CLI).
const SDK_MIN_LEFT: Duration = Duration::from_secs(15 * 60);
/// A console signed in with role-chained credentials ends with them: it gets credentials
/// with more than this left.
const CONSOLE_MIN_LEFT: Duration = Duration::from_secs(45 * 60);
/// Credentials with less than this left are never handed out, not even as a fallback: a
/// request signed with them must still reach AWS in time.
const USABLE_MIN_LEFT: Duration = Duration::from_secs(60);

/// Who receives the credentials.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Recipient {
    /// A shell or a command with fixed keys (`env`, `exec`): it keeps what it got for its
    /// life and cannot ask again.
    Shell,
    /// An SDK that asks again on its own (`credential-process`, the `exec --server`
    /// endpoint): it accepts anything that has not expired.
    Sdk,
    /// The AWS console (`console`). `own_length`: the sign-in sets the console session's
    /// length itself (`SessionDuration`, for a role assumed with long-term keys), so the
    /// credentials need only sign in; otherwise the console session ends with them.
    Console { own_length: bool },
}

/// What the cached credentials are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Held {
    /// The MFA session, handed out itself (a plain profile).
    Session,
    /// The MFA session, only signing AssumeRole calls (a role profile).
    SigningSession,
    /// Role credentials, handed out or signing the next role of a chain.
    Role,
}

/// What cached credentials must have left to be handed out, for one recipient and one kind
/// of credentials.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Freshness {
    wanted: Duration,
    /// Whether `wanted` gives way to half the lifetime (see `min_left`).
    halved: bool,
    fall_back: bool,
}

impl Freshness {
    /// The decision.
    pub fn of(recipient: Recipient, held: Held) -> Self {
        let wanted = match (recipient, held) {
            (_, Held::SigningSession) | (Recipient::Shell, Held::Session) => SHELL_MIN_LEFT,
            (Recipient::Console { own_length: false }, _) => CONSOLE_MIN_LEFT,
            _ => SDK_MIN_LEFT,
        };
        // A console asks once per sign-in, not once per request, and a console session ends
        // with the role credentials it signs in with: it wants its 45 minutes however long
        // they were granted for (a role of 1 hour is re-minted after 15 minutes, not 30).
        let halved = !matches!(
            (recipient, held),
            (
                Recipient::Console { own_length: false },
                Held::Session | Held::Role
            )
        );
        // Short credentials are handed out when no new ones can be made (nobody to ask for
        // a code, STS unreachable) only to an SDK, which comes back for more. A shell keeps
        // them for its life, and a console would sign out in the middle of work: both are
        // told why instead.
        let fall_back = recipient == Recipient::Sdk;
        Freshness {
            wanted,
            halved,
            fall_back,
        }
    }

    /// What credentials that STS granted for `lifetime` must have left to be reused: what
    /// the recipient wants, but (save for the console) never more than half their life.
    /// Credentials shorter than
    /// an SDK's window (a 900 s role against botocore's 15 minutes) then make the SDK ask
    /// on each request, which the cache answers, and are re-minted once per half-life: a
    /// 900 s role costs at most one AssumeRole every 7.5 minutes, whatever the number of
    /// calls. The lifetime is the one STS granted, not the one asked for: an STS that
    /// shortens to 15 s would otherwise make every request re-mint.
    pub fn min_left(self, lifetime: Duration) -> Duration {
        if self.halved {
            self.wanted.min(lifetime / 2)
        } else {
            self.wanted
        }
    }

    /// Whether credentials with `left` (less than `min_left`) may still be handed out when
    /// no new ones can be made.
    pub fn may_fall_back(self, left: Duration) -> bool {
        self.fall_back && left > USABLE_MIN_LEFT
    }
}

impl crate::cache::Window for Freshness {
    fn min_left(&self, lifetime: Duration) -> Duration {
        Freshness::min_left(*self, lifetime)
    }

    fn may_fall_back(&self, left: Duration) -> bool {
        Freshness::may_fall_back(*self, left)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIN: u64 = 60;
    const HOUR: u64 = 3600;

    /// Each recipient × what is held × the lifetime STS granted -> the seconds left that
    /// make cached credentials stale, and whether stale ones may stand in.
    #[test]
    fn the_freshness_table() {
        let shell = Recipient::Shell;
        let sdk = Recipient::Sdk;
        let console = Recipient::Console { own_length: false };
        let signed_in = Recipient::Console { own_length: true };
        use Held::{Role, Session, SigningSession};
        #[rustfmt::skip]
        let table = [
            // recipient, held,          granted,   -> min left,    fall back
            (shell,     Session,        12 * HOUR,  5 * MIN,       false),
            (shell,     Session,        15 * MIN,   5 * MIN,       false),
            (shell,     Session,        4 * MIN,    2 * MIN,       false),
            (shell,     SigningSession, 12 * HOUR,  5 * MIN,       false),
            (shell,     Role,           HOUR,       15 * MIN,      false),
            (shell,     Role,           15 * MIN,   450,           false),
            (sdk,       Session,        12 * HOUR,  15 * MIN,      true),
            (sdk,       Session,        15 * MIN,   450,           true),
            (sdk,       SigningSession, 12 * HOUR,  5 * MIN,       true),
            (sdk,       Role,           HOUR,       15 * MIN,      true),
            (sdk,       Role,           15 * MIN,   450,           true),
            (sdk,       Role,           40,         20,            true),
            (console,   SigningSession, 12 * HOUR,  5 * MIN,       false),
            (console,   Role,           HOUR,       45 * MIN,      false),
            (console,   Role,           40 * MIN,   45 * MIN,      false),
            (console,   Role,           12 * HOUR,  45 * MIN,      false),
            (signed_in, Role,           12 * HOUR,  15 * MIN,      false),
            (signed_in, Role,           15 * MIN,   450,           false),
        ];
        for (recipient, held, granted, min_left, fall_back) in table {
            let freshness = Freshness::of(recipient, held);
            let case = format!("{recipient:?} {held:?} granted {granted} s");
            assert_eq!(
                freshness.min_left(Duration::from_secs(granted)),
                Duration::from_secs(min_left),
                "{case}"
            );
            let stale_but_usable = Duration::from_secs(2 * MIN);
            assert_eq!(
                freshness.may_fall_back(stale_but_usable),
                fall_back,
                "{case}"
            );
        }
    }

    #[test]
    fn nothing_nearly_expired_is_handed_out_even_to_an_sdk() {
        let sdk = Freshness::of(Recipient::Sdk, Held::Role);
        assert!(!sdk.may_fall_back(Duration::from_secs(30)));
        assert!(!sdk.may_fall_back(USABLE_MIN_LEFT));
        assert!(sdk.may_fall_back(USABLE_MIN_LEFT + Duration::from_secs(1)));
    }
}
