//! Where the engine gets the time from: the system clock, or a fixed one for tests so that
//! every `created_on` is reproducible.

use std::time::{SystemTime, UNIX_EPOCH};

/// Nanoseconds since the Unix epoch, the unit every timestamp in the catalog is kept in.
pub(crate) type Nanos = i64;

#[derive(Clone, Debug)]
pub enum Clock {
    System,
    /// Always the same instant (the engine's tests, for reproducible output).
    #[cfg(test)]
    Fixed(Nanos),
}

impl Clock {
    /// A clock stopped at `secs` seconds after the epoch.
    #[cfg(test)]
    pub(crate) fn fixed_at_secs(secs: i64) -> Clock {
        Clock::Fixed(secs.saturating_mul(1_000_000_000))
    }

    pub fn now(&self) -> Nanos {
        match self {
            Clock::System => SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map(|d| i64::try_from(d.as_nanos()).unwrap_or(i64::MAX))
                .unwrap_or(0),
            #[cfg(test)]
            Clock::Fixed(n) => *n,
        }
    }
}
