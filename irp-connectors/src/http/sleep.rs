//! Injected waiting and randomness, so the retry loop is testable without sleeping.

use std::collections::hash_map::RandomState;
use std::fmt;
use std::hash::{BuildHasher, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;

use crate::clock::{Clock, SystemClock};

/// Waits between attempts.
#[async_trait]
pub trait Sleeper: Send + Sync + fmt::Debug {
    /// Waits `wait`.
    async fn sleep(&self, wait: Duration);
}

/// Really waits, on the tokio timer.
#[derive(Clone, Copy, Debug, Default)]
pub struct TokioSleeper;

#[async_trait]
impl Sleeper for TokioSleeper {
    async fn sleep(&self, wait: Duration) {
        tokio::time::sleep(wait).await;
    }
}

/// Records every requested wait and returns at once: tests assert the waits.
#[derive(Clone, Debug, Default)]
pub struct RecordingSleeper {
    waits: Arc<Mutex<Vec<Duration>>>,
}

impl RecordingSleeper {
    /// A sleeper with no waits recorded.
    pub fn new() -> Self {
        RecordingSleeper::default()
    }

    /// The waits requested so far, in order.
    pub fn waits(&self) -> Vec<Duration> {
        self.waits.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }
}

#[async_trait]
impl Sleeper for RecordingSleeper {
    async fn sleep(&self, wait: Duration) {
        self.waits.lock().unwrap_or_else(|p| p.into_inner()).push(wait);
    }
}

/// Adds a random delay to a wait, so many clients throttled together do not retry together.
pub trait Jitter: Send + Sync + fmt::Debug {
    /// A delay in `[0, max]`.
    fn jitter(&self, max: Duration) -> Duration;
}

/// No jitter: deterministic waits for tests.
#[derive(Clone, Copy, Debug, Default)]
pub struct NoJitter;

impl Jitter for NoJitter {
    fn jitter(&self, _max: Duration) -> Duration {
        Duration::ZERO
    }
}

/// Uniform jitter from the standard library's randomly seeded hasher (no `rand` dependency;
/// jitter needs spread, not cryptographic quality).
#[derive(Debug, Default)]
pub struct RandomJitter {
    counter: AtomicU64,
    seed: RandomState,
}

impl Jitter for RandomJitter {
    fn jitter(&self, max: Duration) -> Duration {
        let mut h = self.seed.build_hasher();
        h.write_u64(self.counter.fetch_add(1, Ordering::Relaxed));
        let max_ms = u64::try_from(max.as_millis()).unwrap_or(u64::MAX);
        if max_ms == 0 {
            return Duration::ZERO;
        }
        Duration::from_millis(h.finish() % (max_ms + 1))
    }
}

/// What a client needs from its environment: a sleeper, a clock and a jitter source.
#[derive(Clone)]
pub struct HttpDeps {
    /// Waits between attempts.
    pub sleeper: Arc<dyn Sleeper>,
    /// The current time, for HTTP-date `Retry-After` values when the response has no `Date`.
    pub clock: Arc<dyn Clock>,
    /// Spreads retries.
    pub jitter: Arc<dyn Jitter>,
}

impl HttpDeps {
    /// Test dependencies: waits are recorded by `sleeper`, no jitter, the given clock.
    pub fn for_tests(sleeper: RecordingSleeper, clock: Arc<dyn Clock>) -> Self {
        HttpDeps { sleeper: Arc::new(sleeper), clock, jitter: Arc::new(NoJitter) }
    }
}

impl Default for HttpDeps {
    /// The real thing: tokio timer, system clock, random jitter.
    fn default() -> Self {
        HttpDeps {
            sleeper: Arc::new(TokioSleeper),
            clock: Arc::new(SystemClock),
            jitter: Arc::new(RandomJitter::default()),
        }
    }
}

impl fmt::Debug for HttpDeps {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HttpDeps").field("sleeper", &self.sleeper).field("jitter", &self.jitter).finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn random_jitter_stays_in_bounds() {
        let j = RandomJitter::default();
        for _ in 0..100 {
            assert!(j.jitter(Duration::from_millis(250)) <= Duration::from_millis(250));
        }
        assert_eq!(j.jitter(Duration::ZERO), Duration::ZERO);
    }
}
