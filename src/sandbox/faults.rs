//! Fault injection for the sandbox server: latency, periodic 429/503 answers, connections
//! dropped after a statement ran, and statements forced to answer 202.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// Which faults to inject (the `sandbox serve` flags).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FaultOptions {
    /// Added to every API request, before it is handled (`--latency-ms`).
    pub latency: Duration,
    /// Every Nth API request answers `fail_status` without running anything (`--fail-every`).
    pub fail_every: Option<u64>,
    /// 429 or 503 (`--fail-status`).
    pub fail_status: u16,
    /// Every Nth statement submission runs, then its connection is closed without an
    /// answer (`--drop-connection-every`).
    pub drop_connection_every: Option<u64>,
    /// A submission still running after this long (latency included) answers 202 and is
    /// polled (`--async-after-ms`). Without it the server waits 45 s, as Snowflake does.
    pub async_after: Option<Duration>,
}

/// Counters deciding which request gets which fault.
#[derive(Debug, Default)]
pub struct Faults {
    pub opts: FaultOptions,
    requests: AtomicU64,
    submissions: AtomicU64,
}

impl Faults {
    pub fn new(opts: FaultOptions) -> Faults {
        Faults {
            opts,
            ..Faults::default()
        }
    }

    /// Count an API request; `Some(status)` when it must fail.
    pub fn fail_this_request(&self) -> Option<u16> {
        let n = self.requests.fetch_add(1, Ordering::SeqCst) + 1;
        match self.opts.fail_every {
            Some(every) if every > 0 && n % every == 0 => Some(self.opts.fail_status),
            _ => None,
        }
    }

    /// Count a statement submission; true when its connection must be dropped.
    pub fn drop_this_submission(&self) -> bool {
        let n = self.submissions.fetch_add(1, Ordering::SeqCst) + 1;
        matches!(self.opts.drop_connection_every, Some(every) if every > 0 && n % every == 0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_nth() {
        let f = Faults::new(FaultOptions {
            fail_every: Some(3),
            fail_status: 503,
            drop_connection_every: Some(2),
            ..Default::default()
        });
        let fails: Vec<_> = (0..6).map(|_| f.fail_this_request()).collect();
        assert_eq!(fails, vec![None, None, Some(503), None, None, Some(503)]);
        let drops: Vec<_> = (0..4).map(|_| f.drop_this_submission()).collect();
        assert_eq!(drops, vec![false, true, false, true]);
        let none = Faults::new(FaultOptions::default());
        assert!((0..10).all(|_| none.fail_this_request().is_none() && !none.drop_this_submission()));
    }
}
