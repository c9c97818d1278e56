//! Who holds a state lock, and what to tell someone who finds it held.

use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LockInfo {
    pub id: String,
    /// user@host
    pub holder: String,
    pub host: String,
    pub pid: u32,
    /// RFC 3339, UTC.
    pub time: String,
    pub operation: String,
}

impl LockInfo {
    pub fn new(operation: &str) -> LockInfo {
        let host = gethostname::gethostname().to_string_lossy().into_owned();
        let user = std::env::var("USER")
            .or_else(|_| std::env::var("USERNAME"))
            .unwrap_or_else(|_| "unknown".into());
        LockInfo {
            id: uuid::Uuid::new_v4().to_string(),
            holder: format!("{user}@{host}"),
            host,
            pid: std::process::id(),
            time: humantime::format_rfc3339_seconds(std::time::SystemTime::now()).to_string(),
            operation: operation.to_string(),
        }
    }

    /// True when the holder ran on this host and its process is gone.
    pub(crate) fn is_stale(&self) -> bool {
        let here = gethostname::gethostname().to_string_lossy().into_owned();
        self.host == here && !process_alive(self.pid)
    }
}

#[cfg(unix)]
fn process_alive(pid: u32) -> bool {
    // Signal 0 checks existence without touching the process.
    let r = unsafe { libc::kill(pid as libc::pid_t, 0) };
    r == 0 || std::io::Error::last_os_error().raw_os_error() == Some(libc::EPERM)
}

#[cfg(not(unix))]
fn process_alive(_pid: u32) -> bool {
    true
}

#[derive(Debug, thiserror::Error)]
pub enum LockError {
    #[error("{}", held_message(.0, .1))]
    Held(Box<LockInfo>, String),
    #[error("cannot take the state lock {path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    #[error("the state lock is held by {0}, not by this process; it was not released")]
    NotOurs(String),
    #[error("state kept in Snowflake: {0}")]
    Remote(String),
}

fn held_message(info: &LockInfo, where_: &str) -> String {
    let mut m = format!(
        "the state is locked by {} (pid {}, {} since {}; lock id {}) at {where_}",
        info.holder, info.pid, info.operation, info.time, info.id
    );
    if info.is_stale() {
        m.push_str(&format!(
            "\nprocess {} no longer runs on this host: the lock is stale. Clear it with: snowform force-unlock",
            info.pid
        ));
    } else {
        m.push_str("\nwait for it to finish; if it is gone for good, clear the lock with: snowform force-unlock");
    }
    m
}
