//! When the request's DataLoader sends its batches: when the request can make no further
//! progress without them, not after a timer.
//!
//! async-graphql's DataLoader collects keys and hands a "load this batch" future to a spawner
//! after a delay (1 ms by default). Under load, or in a debug build, registering the keys of
//! one level of a large nested query can take longer than the delay, and the level is split
//! into several statements — the cost of a query would depend on the machine's speed.
//!
//! Here the delay is zero and the spawner only queues the batch. The execution is *driven*:
//! its queued batches are sent when a poll of it ends `Pending` without having woken itself
//! (every resolver that could register a key has done so) and no batch is in flight (every
//! result already delivered has been resolved as far as it goes). Each level of a query is
//! then exactly one batch per relation, whatever the machine — the deterministic statement
//! counts the tests pin — at the price of running sibling batches of different depths one
//! after the other rather than overlapped.
//!
//! Who drives: the request rules (`engine`) drive every execution — a query or mutation in
//! [`Batched`], a subscription's stream in [`BatchedStream`], a JSON batch of operations as
//! one [`Batched`] so that its operations share their batches — whichever way it arrives
//! (HTTP, a WebSocket, a test).

use futures_util::future::BoxFuture;
use futures_util::stream::{Stream, StreamExt};
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll, Wake, Waker};

/// The batches of one request: queued until the request is idle, then sent.
#[derive(Default)]
pub struct Batches {
    queued: Mutex<Vec<BoxFuture<'static, ()>>>,
    in_flight: AtomicUsize,
    /// The executions waiting on this request's batches (one per operation or subscription
    /// stream that shares the context), woken when a batch has finished so that they can
    /// send the next ones.
    waiting: Mutex<Vec<Waker>>,
}

impl Batches {
    /// The spawner to give the DataLoader: it queues.
    pub fn spawner(self: &Arc<Self>) -> impl Fn(BoxFuture<'static, ()>) + Send + Sync + 'static {
        let batches = Arc::clone(self);
        move |batch| {
            batches
                .queued
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .push(batch);
        }
    }

    fn send_queued(self: &Arc<Self>) {
        let queued = std::mem::take(&mut *self.queued.lock().unwrap_or_else(PoisonError::into_inner));
        for batch in queued {
            self.in_flight.fetch_add(1, Ordering::SeqCst);
            let done = Finished(Arc::clone(self));
            tokio::spawn(async move {
                batch.await;
                drop(done);
            });
        }
    }
}

/// Marks a batch finished when dropped — also when its task panics or is cancelled, so a
/// failed batch never leaves the request waiting.
struct Finished(Arc<Batches>);

impl Drop for Finished {
    fn drop(&mut self) {
        self.0.in_flight.fetch_sub(1, Ordering::SeqCst);
        let waiting = std::mem::take(&mut *self.0.waiting.lock().unwrap_or_else(PoisonError::into_inner));
        for waker in waiting {
            waker.wake();
        }
    }
}

/// Records whether a poll woke its own task (a cooperative yield: it will be polled again at
/// once, so the keys are not all in yet).
struct WakeFlag {
    woken: AtomicBool,
    waker: Waker,
}

impl Wake for WakeFlag {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.woken.store(true, Ordering::SeqCst);
        self.waker.wake_by_ref();
    }
}

/// Polls an execution once through `poll`, sending the queued batches when it is idle (see
/// the module docs).
fn poll_driving<T>(
    batches: &Arc<Batches>,
    cx: &mut Context<'_>,
    poll: impl FnOnce(&mut Context<'_>) -> Poll<T>,
) -> Poll<T> {
    {
        let mut waiting = batches.waiting.lock().unwrap_or_else(PoisonError::into_inner);
        if !waiting.iter().any(|w| w.will_wake(cx.waker())) {
            waiting.push(cx.waker().clone());
        }
    }
    let flag = Arc::new(WakeFlag {
        woken: AtomicBool::new(false),
        waker: cx.waker().clone(),
    });
    let waker = Waker::from(Arc::clone(&flag));
    let result = poll(&mut Context::from_waker(&waker));
    if result.is_pending() && !flag.woken.load(Ordering::SeqCst) && batches.in_flight.load(Ordering::SeqCst) == 0 {
        batches.send_queued();
    }
    result
}

/// A whole request's execution (every operation of a batch), sending its batches whenever it
/// waits for them.
pub struct Batched<F> {
    inner: Pin<Box<F>>,
    batches: Arc<Batches>,
}

impl<F: Future> Batched<F> {
    /// Drives `inner`.
    pub fn new(inner: F, batches: Arc<Batches>) -> Self {
        Self {
            inner: Box::pin(inner),
            batches,
        }
    }
}

impl<F: Future> Future for Batched<F> {
    type Output = F::Output;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let batches = Arc::clone(&self.batches);
        poll_driving(&batches, cx, |cx| self.inner.as_mut().poll(cx))
    }
}

/// A subscription's stream of responses, sending its batches whenever it waits for them.
pub struct BatchedStream<S> {
    inner: Pin<Box<S>>,
    batches: Arc<Batches>,
}

impl<S: Stream> BatchedStream<S> {
    /// Drives `inner`.
    pub fn new(inner: S, batches: Arc<Batches>) -> Self {
        Self {
            inner: Box::pin(inner),
            batches,
        }
    }
}

impl<S: Stream> Stream for BatchedStream<S> {
    type Item = S::Item;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<S::Item>> {
        let batches = Arc::clone(&self.batches);
        poll_driving(&batches, cx, |cx| self.inner.as_mut().poll_next_unpin(cx))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use async_graphql::dataloader::{DataLoader, Loader};
    use std::collections::HashMap;
    use std::time::Duration;

    /// Counts its batches.
    struct Counting(Arc<AtomicUsize>);

    impl Loader<u32> for Counting {
        type Value = u32;
        type Error = std::convert::Infallible;

        async fn load(&self, keys: &[u32]) -> Result<HashMap<u32, u32>, Self::Error> {
            self.0.fetch_add(1, Ordering::SeqCst);
            tokio::time::sleep(Duration::from_millis(5)).await;
            Ok(keys.iter().map(|k| (*k, k * 2)).collect())
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn keys_registered_slowly_still_go_in_one_batch_per_level() {
        let batches = Arc::new(Batches::default());
        let count = Arc::new(AtomicUsize::new(0));
        let loader = Arc::new(DataLoader::new(Counting(count.clone()), batches.spawner()).delay(Duration::ZERO));
        let work = {
            let loader = loader.clone();
            async move {
                // Level one: 200 keys, each registered after slow synchronous work — far longer
                // than async-graphql's default 1 ms delay in all.
                let first = futures_util::future::join_all((0..200u32).map(|k| {
                    let loader = loader.clone();
                    async move {
                        std::thread::sleep(Duration::from_micros(50));
                        loader.load_one(k).await.ok().flatten().unwrap_or_default()
                    }
                }))
                .await;
                // Level two: a key per result of level one.
                futures_util::future::join_all(first.iter().map(|v| loader.load_one(v + 1000))).await
            }
        };
        let second = Batched::new(work, batches).await;
        assert_eq!(second.len(), 200);
        assert_eq!(count.load(Ordering::SeqCst), 2, "one batch per level");
    }
}
