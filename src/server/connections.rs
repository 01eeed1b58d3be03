//! The endpoint's connections: at most `MAX_CONNECTIONS`, room made by closing the
//! longest-open one that has no request in progress. Any local user can connect to the
//! port; idle connections must not take the file descriptors the child's request needs.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use tokio::sync::oneshot;

/// Connections kept open at most: far below the usual limit of 1024 file descriptors, far
/// above what one child opens at once.
pub const MAX_CONNECTIONS: usize = 64;

/// The open connections, oldest first, and whether each has a request in progress.
#[derive(Default)]
pub struct Connections {
    next: u64,
    open: BTreeMap<u64, OpenConnection>,
}

struct OpenConnection {
    busy: Arc<AtomicBool>,
    /// Dropping it closes the connection.
    _close: oneshot::Sender<()>,
}

impl Connections {
    /// Registers a new connection, closing the oldest idle one when the endpoint is full.
    /// `None` when every connection has a request in progress: the new one is refused.
    pub fn admit(&mut self) -> Option<(u64, Arc<AtomicBool>, oneshot::Receiver<()>)> {
        if self.open.len() >= MAX_CONNECTIONS {
            let idle = self
                .open
                .iter()
                .find(|(_, c)| !c.busy.load(Ordering::SeqCst))
                .map(|(&id, _)| id)?;
            self.open.remove(&idle);
        }
        let id = self.next;
        self.next += 1;
        let busy = Arc::new(AtomicBool::new(false));
        let (close, closed) = oneshot::channel();
        self.open.insert(
            id,
            OpenConnection {
                busy: Arc::clone(&busy),
                _close: close,
            },
        );
        Some((id, busy, closed))
    }

    /// Forgets a connection that has ended.
    pub fn closed(&mut self, id: u64) {
        self.open.remove(&id);
    }
}

/// Marks a connection busy while a request is answered (also if the answer is dropped).
pub struct Busy(Arc<AtomicBool>);

impl Busy {
    pub fn new(flag: &Arc<AtomicBool>) -> Self {
        flag.store(true, Ordering::SeqCst);
        Busy(Arc::clone(flag))
    }
}

impl Drop for Busy {
    fn drop(&mut self) {
        self.0.store(false, Ordering::SeqCst);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_endpoint_closes_the_oldest_idle_connection_and_never_a_busy_one() {
        let mut connections = Connections::default();
        let mut admitted: Vec<_> = (0..MAX_CONNECTIONS)
            .map(|_| connections.admit().expect("room"))
            .collect();
        // The oldest has a request in progress.
        let _busy = Busy::new(&admitted[0].1);
        let (id, _, _) = connections.admit().expect("room made");
        assert_eq!(id, MAX_CONNECTIONS as u64);
        assert!(connections.open.contains_key(&0), "busy: kept");
        assert!(!connections.open.contains_key(&1), "oldest idle: closed");
        use tokio::sync::oneshot::error::TryRecvError;
        assert_eq!(
            admitted[1].2.try_recv(),
            Err(TryRecvError::Closed),
            "told to close"
        );
        assert_eq!(
            admitted[2].2.try_recv(),
            Err(TryRecvError::Empty),
            "left open"
        );
        assert_eq!(connections.open.len(), MAX_CONNECTIONS);
        // Every connection busy: a new one is refused.
        let flags: Vec<_> = connections
            .open
            .values()
            .map(|c| Arc::clone(&c.busy))
            .collect();
        let _all_busy: Vec<_> = flags.iter().map(Busy::new).collect();
        assert!(connections.admit().is_none());
    }
}
