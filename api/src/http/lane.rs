//! The public's lane: requests without a token run at most `anonymous_concurrency` at a time
//! (by default half the CPUs, at least one), and at most `anonymous_queue` wait for a turn;
//! one that finds the line full is refused at once with RATE_LIMITED (HTTP 429, `Retry-After`)
//! before its body is read. Signed-in requests never enter it, so however much the public
//! sends — refused attacks included — it holds that share of the machine and a principal's
//! or HR's request keeps the rest.

use crate::config::EdgeArgs;
use crate::error::{ApiError, Refusal};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// The lane: its turns and the requests waiting for one.
#[derive(Debug, Clone)]
pub(super) struct Lane {
    turns: Arc<Semaphore>,
    capacity: usize,
    waiting: Arc<AtomicUsize>,
    queue: usize,
}

/// A request's turn in the lane; the next one waiting goes when it is dropped.
pub(super) struct Turn {
    _permit: OwnedSemaphorePermit,
}

/// Counts a request as waiting while it exists (a request abandoned while waiting too).
struct Waiting(Arc<AtomicUsize>);

impl Drop for Waiting {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }
}

impl Lane {
    pub(super) fn new(edge: &EdgeArgs) -> Self {
        let capacity = edge.anonymous_concurrency.max(1);
        Self {
            turns: Arc::new(Semaphore::new(capacity)),
            capacity,
            waiting: Arc::new(AtomicUsize::new(0)),
            queue: edge.anonymous_queue,
        }
    }

    /// A turn: at once when one is free, else after those waiting before, unless the line is
    /// full.
    pub(super) async fn enter(&self) -> Result<Turn, ApiError> {
        if let Ok(permit) = Arc::clone(&self.turns).try_acquire_owned() {
            return Ok(Turn { _permit: permit });
        }
        if self.waiting.fetch_add(1, Ordering::Relaxed) >= self.queue {
            self.waiting.fetch_sub(1, Ordering::Relaxed);
            return Err(ApiError::Refused {
                refusal: Refusal::RateLimited,
                message: format!(
                    "too many requests without a token: {} run at a time and {} may wait; try again shortly, \
                     or sign in",
                    self.capacity, self.queue
                ),
            });
        }
        let waiting = Waiting(Arc::clone(&self.waiting));
        let permit = Arc::clone(&self.turns)
            .acquire_owned()
            .await
            .map_err(|e| ApiError::internal(anyhow::anyhow!("the public lane is closed: {e}")))?;
        drop(waiting);
        Ok(Turn { _permit: permit })
    }

    /// (running, waiting), for `/metrics`.
    pub(super) fn state(&self) -> (usize, usize) {
        let running = self.capacity.saturating_sub(self.turns.available_permits());
        (running, self.waiting.load(Ordering::Relaxed))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_full_line_is_refused_at_once_and_a_turn_passes_on_when_dropped() {
        let edge = EdgeArgs {
            anonymous_concurrency: 1,
            anonymous_queue: 1,
            ..EdgeArgs::default()
        };
        let lane = Lane::new(&edge);
        let first = lane.enter().await.unwrap();
        let second = tokio::spawn({
            let lane = lane.clone();
            async move { lane.enter().await.map(|_| ()) }
        });
        while lane.state() != (1, 1) {
            tokio::task::yield_now().await;
        }
        let third = lane.enter().await.err().expect("the line is full");
        assert_eq!(third.code(), "RATE_LIMITED");
        drop(first);
        second.await.unwrap().expect("the waiting request gets the turn");
        assert_eq!(lane.state(), (0, 0));
    }
}
