//! Waiting in async calls: until a time or a cancellation, woken by the loader's ticker thread
//! and by [`CancelToken::cancel`], so that it works under any executor (no tokio timer).

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Instant;

use crate::context::CancelToken;
use crate::ticker::{CoarseClock, TimerKey};

/// Resolves when `until` passes or `token` is cancelled, whichever comes first; with neither, it
/// never resolves. The loader's ticker must run (it fires the timer).
pub(crate) struct Wait<'a> {
    clock: &'a CoarseClock,
    until: Option<Instant>,
    token: Option<&'a CancelToken>,
    timer: Option<TimerKey>,
    waker: Option<u64>,
}

impl<'a> Wait<'a> {
    pub(crate) fn new(
        clock: &'a CoarseClock,
        until: Option<Instant>,
        token: Option<&'a CancelToken>,
    ) -> Self {
        Self {
            clock,
            until,
            token,
            timer: None,
            waker: None,
        }
    }
}

impl Future for Wait<'_> {
    type Output = ();

    fn poll(self: Pin<&mut Self>, context: &mut Context<'_>) -> Poll<()> {
        let this = self.get_mut();
        if let Some(token) = this.token {
            if token.wake_on_cancel(context.waker(), &mut this.waker) {
                return Poll::Ready(());
            }
        }
        if let Some(until) = this.until {
            if Instant::now() >= until {
                return Poll::Ready(());
            }
            this.clock.wake_at(until, context.waker(), &mut this.timer);
        }
        Poll::Pending
    }
}

impl Drop for Wait<'_> {
    fn drop(&mut self) {
        if let Some(timer) = self.timer.take() {
            self.clock.cancel_timer(timer);
        }
        if let (Some(token), Some(key)) = (self.token, self.waker.take()) {
            token.forget_waker(key);
        }
    }
}

/// Runs `future` until it completes (`Some`) or `wait` resolves first (`None`).
pub(crate) async fn unless<F: Future>(future: F, wait: Wait<'_>) -> Option<F::Output> {
    let mut future = std::pin::pin!(future);
    let mut wait = std::pin::pin!(wait);
    std::future::poll_fn(|context| {
        if let Poll::Ready(output) = future.as_mut().poll(context) {
            return Poll::Ready(Some(output));
        }
        wait.as_mut().poll(context).map(|()| None)
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::time::Duration;

    use crate::ticker::EpochTicker;

    fn block_on<F: Future>(future: F) -> F::Output {
        // A minimal executor: the thread parks until woken.
        struct Unpark(std::thread::Thread);
        impl std::task::Wake for Unpark {
            fn wake(self: Arc<Self>) {
                self.0.unpark();
            }
        }
        let waker = std::task::Waker::from(Arc::new(Unpark(std::thread::current())));
        let mut context = Context::from_waker(&waker);
        let mut future = std::pin::pin!(future);
        loop {
            if let Poll::Ready(output) = future.as_mut().poll(&mut context) {
                return output;
            }
            std::thread::park();
        }
    }

    #[test]
    fn a_wait_ends_at_its_time_or_at_the_cancellation() {
        let clock = Arc::new(CoarseClock::new());
        let _ticker = EpochTicker::start(&wasmtime::Engine::default(), Arc::clone(&clock)).unwrap();
        let started = Instant::now();
        block_on(Wait::new(
            &clock,
            Some(started + Duration::from_millis(20)),
            None,
        ));
        let waited = started.elapsed();
        assert!(waited >= Duration::from_millis(20), "{waited:?}");
        assert!(waited < Duration::from_secs(5), "{waited:?}");

        let token = CancelToken::new();
        let canceller = {
            let token = token.clone();
            std::thread::spawn(move || {
                std::thread::sleep(Duration::from_millis(20));
                token.cancel();
            })
        };
        let started = Instant::now();
        let forever = Some(started + Duration::from_secs(600));
        block_on(Wait::new(&clock, forever, Some(&token)));
        assert!(started.elapsed() < Duration::from_secs(5));
        canceller.join().unwrap();
    }

    #[test]
    fn unless_returns_what_finishes_first() {
        let clock = CoarseClock::new();
        let now = Some(Instant::now());
        assert_eq!(
            block_on(unless(async { 7 }, Wait::new(&clock, now, None))),
            Some(7)
        );
        let never = std::future::pending::<u8>();
        assert_eq!(block_on(unless(never, Wait::new(&clock, now, None))), None);
    }
}
