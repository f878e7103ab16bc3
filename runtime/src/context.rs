//! What a host attaches to calls: values its host functions can read, a cancellation token, a
//! tighter deadline.

use std::any::{Any, TypeId};
use std::collections::BTreeMap;
use std::fmt;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::task::Waker;
use std::time::{Duration, Instant};

/// Stops calls from another thread: give a clone to the calls (through a [`CallContext`]) and
/// call [`cancel`](CancelToken::cancel).
///
/// A cancelled call ends with [`Error::Cancelled`](crate::Error::Cancelled) within about a
/// millisecond, wherever it is: in WebAssembly code, sleeping in WASI, or as soon as a host
/// function it called returns (host functions can watch
/// [`HostContext::is_cancelled`](crate::HostContext::is_cancelled) to return sooner). Its
/// instance is replaced, as after a trap. A token stays cancelled: calls that start with it end
/// at once.
///
/// ```
/// use wasm_plugin_runtime::{CallContext, CancelToken};
///
/// let token = CancelToken::new();
/// let context = CallContext::new().cancel_token(token.clone());
/// // plugin.with_context(context).spin(...) on one thread; on another:
/// token.cancel();
/// assert!(token.is_cancelled());
/// # drop(context);
/// ```
#[derive(Clone, Default)]
pub struct CancelToken {
    shared: Arc<Cancellation>,
}

#[derive(Default)]
struct Cancellation {
    cancelled: AtomicBool,
    /// Async calls waiting for the cancellation (in a host function, or sleeping in WASI).
    waiters: Mutex<Waiters>,
    /// Wakes blocking calls that sleep in WASI.
    wake: Condvar,
}

#[derive(Default)]
struct Waiters {
    next_id: u64,
    wakers: BTreeMap<u64, Waker>,
}

impl CancelToken {
    /// A token not cancelled yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Cancels every call that carries this token, now and later.
    pub fn cancel(&self) {
        self.shared.cancelled.store(true, Ordering::SeqCst);
        let wakers = std::mem::take(&mut self.lock().wakers);
        self.shared.wake.notify_all();
        wakers.into_values().for_each(Waker::wake);
    }

    fn lock(&self) -> MutexGuard<'_, Waiters> {
        self.shared
            .waiters
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// Wakes `waker` when the token is cancelled: registers it, or replaces the waker
    /// registered as `key`. Returns whether the token is cancelled already.
    pub(crate) fn wake_on_cancel(&self, waker: &Waker, key: &mut Option<u64>) -> bool {
        let mut waiters = self.lock();
        if self.is_cancelled() {
            return true;
        }
        let id = *key.get_or_insert_with(|| {
            waiters.next_id += 1;
            waiters.next_id
        });
        waiters.wakers.insert(id, waker.clone());
        false
    }

    /// Forgets the waker registered as `key`.
    pub(crate) fn forget_waker(&self, key: u64) {
        self.lock().wakers.remove(&key);
    }

    /// Whether [`cancel`](CancelToken::cancel) was called.
    pub fn is_cancelled(&self) -> bool {
        self.shared.cancelled.load(Ordering::SeqCst)
    }

    /// Sleeps until `until`, or until the token is cancelled; returns whether it was.
    pub(crate) fn sleep_until(&self, until: Instant) -> bool {
        let mut guard = self.lock();
        loop {
            if self.is_cancelled() {
                return true;
            }
            let left = until.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return false;
            }
            guard = self
                .shared
                .wake
                .wait_timeout(guard, left)
                .unwrap_or_else(PoisonError::into_inner)
                .0;
        }
    }
}

impl fmt::Debug for CancelToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CancelToken")
            .field("cancelled", &self.is_cancelled())
            .finish()
    }
}

/// What a host attaches to the calls of one handle ([`Plugin::with_context`]): values for its
/// host functions (a request id, a tenant, a tracing span), a [`CancelToken`], a timeout. The
/// plugin never sees any of it.
///
/// ```
/// use std::time::Duration;
/// use wasm_plugin_runtime::{CallContext, CancelToken};
///
/// #[derive(Debug, PartialEq)]
/// struct RequestId(u64);
///
/// let context = CallContext::new()
///     .value(RequestId(7))
///     .cancel_token(CancelToken::new())
///     .timeout(Duration::from_millis(250));
/// assert_eq!(context.get::<RequestId>(), Some(&RequestId(7)));
/// // let plugin = plugin.with_context(context); plugin.greet(...)
/// ```
///
/// [`Plugin::with_context`]: crate::Plugin::with_context
#[derive(Default)]
pub struct CallContext {
    values: Vec<(TypeId, Box<dyn Any + Send + Sync>)>,
    cancel: Option<CancelToken>,
    timeout: Option<Duration>,
}

impl CallContext {
    /// An empty context.
    pub fn new() -> Self {
        Self::default()
    }

    /// Attaches `value`, which host functions read with
    /// [`HostContext::get`](crate::HostContext::get); a value of the same type replaces it.
    pub fn value<T: Any + Send + Sync>(mut self, value: T) -> Self {
        self.values
            .retain(|(type_id, _)| *type_id != TypeId::of::<T>());
        self.values.push((TypeId::of::<T>(), Box::new(value)));
        self
    }

    /// The attached value of type `T`, if any.
    pub fn get<T: Any>(&self) -> Option<&T> {
        self.values
            .iter()
            .find(|(type_id, _)| *type_id == TypeId::of::<T>())
            .and_then(|(_, value)| value.downcast_ref())
    }

    /// Lets `token` cancel the calls.
    pub fn cancel_token(mut self, token: CancelToken) -> Self {
        self.cancel = Some(token);
        self
    }

    /// The token that cancels the calls, if any.
    pub(crate) fn token(&self) -> Option<&CancelToken> {
        self.cancel.as_ref()
    }

    /// Ends each call after `timeout` at the latest, with
    /// [`Error::DeadlineExceeded`](crate::Error::DeadlineExceeded), like a deadline granted to
    /// the plugin ([`Grants::deadline`](crate::Grants::deadline)); the shorter of the two applies.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// The timeout, if any.
    pub(crate) fn timeout_limit(&self) -> Option<Duration> {
        self.timeout
    }
}

impl fmt::Debug for CallContext {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CallContext")
            .field("values", &self.values.len())
            .field("cancel", &self.cancel)
            .field("timeout", &self.timeout)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_found_by_type_and_replaced() {
        let context = CallContext::new().value(7u32).value("tenant").value(8u32);
        assert_eq!(context.get::<u32>(), Some(&8));
        assert_eq!(context.get::<&str>(), Some(&"tenant"));
        assert_eq!(context.get::<u64>(), None);
    }

    #[test]
    fn a_sleeper_wakes_when_the_token_is_cancelled() {
        let token = CancelToken::new();
        let sleeper = {
            let token = token.clone();
            std::thread::spawn(move || {
                let started = Instant::now();
                let cancelled = token.sleep_until(started + Duration::from_secs(30));
                (cancelled, started.elapsed())
            })
        };
        std::thread::sleep(Duration::from_millis(20));
        token.cancel();
        let (cancelled, slept) = sleeper.join().unwrap();
        assert!(cancelled);
        assert!(slept < Duration::from_secs(5), "{slept:?}");
        assert!(!CancelToken::new().sleep_until(Instant::now()));
    }
}
