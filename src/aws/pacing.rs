//! Client-side pacing, one gate per API family. Identity Center enforces a request budget per
//! family and account (about 20/s for sso-admin, 20/s for identitystore), shared with every other
//! tool in the account: we stay a little under it instead of bouncing off it, and cap how many
//! requests are outstanding so a slow network cannot pile up unbounded work.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::Duration;
use tokio::sync::{Semaphore, SemaphorePermit};
use tokio::time::Instant;

/// Spaces requests evenly at `rate` per second (a GCRA with a burst of one). Even spacing never
/// trips a token bucket of the same rate, whatever its burst.
#[derive(Debug)]
pub struct RateLimiter {
    interval: Duration,
    next_slot: Mutex<Option<Instant>>,
}

impl RateLimiter {
    pub fn new(per_second: f64) -> Self {
        let per_second = if per_second.is_finite() && per_second > 0.0 {
            per_second
        } else {
            1.0
        };
        RateLimiter {
            interval: Duration::from_secs_f64(1.0 / per_second),
            next_slot: Mutex::new(None),
        }
    }

    /// Reserves the next free slot and waits for it.
    pub async fn acquire(&self) {
        let slot = self.reserve(Instant::now());
        tokio::time::sleep_until(slot).await;
    }

    fn reserve(&self, now: Instant) -> Instant {
        let mut next = self.next_slot.lock().expect("rate limiter lock");
        let slot = match *next {
            Some(n) if n > now => n,
            _ => now,
        };
        *next = Some(slot + self.interval);
        slot
    }
}

/// One API family's gate and its counters.
#[derive(Debug)]
pub struct FamilyGate {
    pub label: &'static str,
    limiter: RateLimiter,
    in_flight: Semaphore,
    calls: AtomicU64,
    throttles: AtomicU64,
    transient_retries: AtomicU64,
}

impl FamilyGate {
    pub fn new(label: &'static str, per_second: f64, max_in_flight: usize) -> Self {
        FamilyGate {
            label,
            limiter: RateLimiter::new(per_second),
            in_flight: Semaphore::new(max_in_flight.max(1)),
            calls: AtomicU64::new(0),
            throttles: AtomicU64::new(0),
            transient_retries: AtomicU64::new(0),
        }
    }

    /// Waits for an in-flight slot and then for the rate limiter; the permit is held for the
    /// duration of one request.
    pub async fn admit(&self) -> SemaphorePermit<'_> {
        let permit = self
            .in_flight
            .acquire()
            .await
            .expect("the gate's semaphore is never closed");
        self.limiter.acquire().await;
        self.calls.fetch_add(1, Ordering::Relaxed);
        permit
    }

    pub fn record_throttle(&self) {
        self.throttles.fetch_add(1, Ordering::Relaxed);
    }

    pub fn record_transient_retry(&self) {
        self.transient_retries.fetch_add(1, Ordering::Relaxed);
    }

    pub fn calls(&self) -> u64 {
        self.calls.load(Ordering::Relaxed)
    }

    pub fn throttles(&self) -> u64 {
        self.throttles.load(Ordering::Relaxed)
    }

    pub fn transient_retries(&self) -> u64 {
        self.transient_retries.load(Ordering::Relaxed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slots_are_spaced_evenly_after_a_pause() {
        let limiter = RateLimiter::new(10.0);
        let start = Instant::now();
        let slots: Vec<_> = (0..5).map(|_| limiter.reserve(start)).collect();
        for (i, slot) in slots.iter().enumerate() {
            assert_eq!(*slot - start, Duration::from_millis(100) * i as u32);
        }
        // After an idle period the limiter does not hand out a backlog of old slots.
        let later = start + Duration::from_secs(10);
        assert_eq!(limiter.reserve(later), later);
        assert_eq!(limiter.reserve(later) - later, Duration::from_millis(100));
    }

    #[test]
    fn nonsense_rates_fall_back_to_one_per_second() {
        let limiter = RateLimiter::new(0.0);
        let now = Instant::now();
        limiter.reserve(now);
        assert_eq!(limiter.reserve(now) - now, Duration::from_secs(1));
    }
}
