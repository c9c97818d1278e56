//! What the sandbox server counts, served at `GET /sandbox/v1/stats`.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::Duration;

use serde::{Deserialize, Serialize};

#[derive(Debug, Default)]
pub(crate) struct Stats {
    requests: AtomicU64,
    statements: AtomicU64,
    retries_deduplicated: AtomicU64,
    faults_injected: AtomicU64,
    connections_dropped: AtomicU64,
    server_time_us: AtomicU64,
    executed: Mutex<BTreeMap<String, u64>>,
}

/// The JSON of `GET /sandbox/v1/stats`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatsSnapshot {
    /// API requests received (the stats endpoint excluded).
    pub requests: u64,
    /// Statements the engine executed.
    pub statements: u64,
    /// Resubmissions (`retry=true`) answered from a stored result instead of executing.
    pub retries_deduplicated: u64,
    /// Requests answered with an injected 429/503.
    pub faults_injected: u64,
    /// Connections closed without an answer after executing.
    pub connections_dropped: u64,
    /// Time spent handling API requests, summed, in microseconds.
    pub server_time_us: u64,
    /// Each executed statement text and how many times it ran.
    pub executed: BTreeMap<String, u64>,
}

impl Stats {
    pub(crate) fn request(&self) {
        self.requests.fetch_add(1, Ordering::Relaxed);
    }
    pub fn executed(&self, sql: &str) {
        self.statements.fetch_add(1, Ordering::Relaxed);
        *self
            .executed
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .entry(sql.to_string())
            .or_insert(0) += 1;
    }
    pub(crate) fn deduplicated(&self) {
        self.retries_deduplicated.fetch_add(1, Ordering::Relaxed);
    }
    pub fn fault(&self) {
        self.faults_injected.fetch_add(1, Ordering::Relaxed);
    }
    pub(crate) fn dropped(&self) {
        self.connections_dropped.fetch_add(1, Ordering::Relaxed);
    }
    pub(crate) fn server_time(&self, duration: Duration) {
        self.server_time_us
            .fetch_add(duration.as_micros() as u64, Ordering::Relaxed);
    }

    pub fn snapshot(&self) -> StatsSnapshot {
        StatsSnapshot {
            requests: self.requests.load(Ordering::Relaxed),
            statements: self.statements.load(Ordering::Relaxed),
            retries_deduplicated: self.retries_deduplicated.load(Ordering::Relaxed),
            faults_injected: self.faults_injected.load(Ordering::Relaxed),
            connections_dropped: self.connections_dropped.load(Ordering::Relaxed),
            server_time_us: self.server_time_us.load(Ordering::Relaxed),
            executed: self
                .executed
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .clone(),
        }
    }
}
