//! How long and how often the client retries failed requests and polls running statements.

use std::time::Duration;

/// Retries of one HTTP request on 429, 500/502/503/504, timeouts and dropped connections.
#[derive(Clone, Debug, PartialEq)]
pub struct RetryPolicy {
    /// Attempts in all, the first included.
    pub max_attempts: u32,
    /// No retry starts once this much time has passed since the first attempt.
    pub max_elapsed: Duration,
    pub initial_backoff: Duration,
    pub max_backoff: Duration,
}

impl Default for RetryPolicy {
    fn default() -> RetryPolicy {
        RetryPolicy {
            max_attempts: 7,
            max_elapsed: Duration::from_secs(180),
            initial_backoff: Duration::from_millis(250),
            max_backoff: Duration::from_secs(16),
        }
    }
}

impl RetryPolicy {
    /// A single attempt.
    pub fn none() -> RetryPolicy {
        RetryPolicy {
            max_attempts: 1,
            ..RetryPolicy::default()
        }
    }

    /// The wait after failed attempt `attempt` (1-based): exponential, capped, with
    /// "equal jitter" (between half and all of the exponential value), so that clients
    /// that failed together do not retry together.
    pub(crate) fn backoff(&self, attempt: u32) -> Duration {
        let exp = self
            .initial_backoff
            .saturating_mul(1u32 << attempt.saturating_sub(1).min(20));
        let capped = exp.min(self.max_backoff);
        let half = capped / 2;
        half + half.mul_f64(fastrand::f64())
    }
}

/// Polling of a statement that answered 202.
#[derive(Clone, Debug, PartialEq)]
pub struct PollPolicy {
    pub initial: Duration,
    pub max: Duration,
    pub multiplier: f64,
}

impl Default for PollPolicy {
    fn default() -> PollPolicy {
        PollPolicy {
            initial: Duration::from_millis(50),
            max: Duration::from_secs(2),
            multiplier: 1.5,
        }
    }
}

impl PollPolicy {
    pub fn next(&self, current: Duration) -> Duration {
        current.mul_f64(self.multiplier.max(1.0)).min(self.max)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_is_capped_and_jittered() {
        let p = RetryPolicy::default();
        for attempt in 1..=12 {
            let base = p
                .initial_backoff
                .saturating_mul(1 << (attempt - 1))
                .min(p.max_backoff);
            let b = p.backoff(attempt);
            assert!(
                b >= base / 2 && b <= base,
                "attempt {attempt}: {b:?} not in [{:?}, {base:?}]",
                base / 2
            );
        }
        assert!(p.backoff(40) <= p.max_backoff);
    }

    #[test]
    fn poll_interval_grows_to_its_cap() {
        let p = PollPolicy::default();
        let mut d = p.initial;
        for _ in 0..50 {
            d = p.next(d);
        }
        assert_eq!(d, p.max);
    }
}
