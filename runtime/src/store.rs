//! What each instance's store holds, and the per-call state that deadlines, cancellation and
//! host functions read: the bottom layer, which every other module may use.

use std::sync::Arc;
use std::time::{Duration, Instant};

use wasmtime::{Memory, ResourceLimiter, TypedFunc};

use crate::context::{CallContext, CancelToken};
use crate::host::HostContext;
use crate::ticker::CoarseClock;

/// How a plugin's calls run: blocking the calling thread, or as futures (wasmtime's async
/// support: WASI and host functions that await suspend the call, not the thread).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mode {
    Blocking,
    Async,
}

/// The data of one instance's store.
pub(crate) struct StoreData {
    pub wasi: wasmtime_wasi::p1::WasiP1Ctx,
    pub limiter: MemoryLimiter,
    /// Set once the instance exists; host functions need them to answer.
    pub guest: Option<GuestExports>,
    /// The plugin's host functions, in the order of the module's imports (`linking`).
    pub host_functions: Option<std::sync::Arc<[crate::host::HostFunction]>>,
    /// The interface level agreed with the guest (`docs/abi.md`, "Levels"); 0 for go-plugin's.
    pub level: u32,
    /// Host function responses a go-plugin guest never frees; freed when its call returns.
    pub abandoned: Vec<u32>,
    /// When the instance's WASI clocks started: the origin of its monotonic clock.
    pub started: Instant,
    /// The plugin's name, for host functions and errors.
    pub plugin: Arc<str>,
    /// The loader's clock, which deadlines are measured against.
    pub clock: Arc<CoarseClock>,
    /// The running call.
    pub call: CallState,
}

/// The exports host functions use to answer the guest.
#[derive(Clone)]
pub(crate) struct GuestExports {
    pub memory: Memory,
    pub malloc: TypedFunc<u32, u32>,
}

/// What bounds and accompanies the running call.
#[derive(Default)]
pub(crate) struct CallState {
    /// When the call must end, if it has a deadline: [`CoarseClock`] milliseconds.
    pub deadline_at: Option<u64>,
    /// The deadline it was given, for the error.
    pub deadline: Option<Duration>,
    /// What the host attached to the call.
    pub context: Option<Arc<CallContext>>,
    /// Why the call was interrupted, once it was.
    pub interrupted: Option<Interruption>,
}

/// Why a call was stopped from outside the guest.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Interruption {
    Deadline,
    Cancelled,
}

impl CallState {
    /// The state of a call with a deadline of `deadline` (the plugin's grant) or the context's
    /// timeout, whichever is shorter. The deadline is armed later ([`CallState::arm`]): calls
    /// that end within a tick read no clock.
    pub(crate) fn start(deadline: Option<Duration>, context: Option<Arc<CallContext>>) -> Self {
        let timeout = context.as_ref().and_then(|context| context.timeout_limit());
        let deadline = match (deadline, timeout) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        Self {
            deadline_at: None,
            deadline,
            context,
            interrupted: None,
        }
    }

    /// Counts the deadline from `now` ([`CoarseClock`] milliseconds of the real clock, rounded
    /// down), unless it is counted already: at the first tick of the call, or when it first
    /// calls the host, whichever comes first. Both come after the call's start, so a call
    /// never ends before its deadline (it may end a tick or two after it).
    pub(crate) fn arm(&mut self, now: impl FnOnce() -> u64) {
        if let (None, Some(deadline)) = (self.deadline_at, self.deadline) {
            // Whole milliseconds, rounded up, and one more for `now`'s rounding down.
            let millis = u64::try_from(deadline.as_micros().div_ceil(1000))
                .unwrap_or(u64::MAX / 2)
                .saturating_add(1);
            self.deadline_at = Some(now().saturating_add(millis));
        }
    }

    pub(crate) fn token(&self) -> Option<&CancelToken> {
        self.context.as_deref().and_then(CallContext::token)
    }

    /// Whether something outside the guest may stop the call: then the epoch ticker must run.
    pub(crate) fn is_bounded(&self) -> bool {
        self.deadline.is_some() || self.token().is_some()
    }

    /// Checks the deadline, once armed (against `now`, in [`CoarseClock`] milliseconds), and
    /// the cancellation token; an error (a wasmtime interrupt trap) when the call must stop, with
    /// the reason recorded for the error the host gets.
    pub(crate) fn check(&mut self, now: u64) -> wasmtime::Result<()> {
        let reason = if self.token().is_some_and(CancelToken::is_cancelled) {
            Interruption::Cancelled
        } else if self.deadline_at.is_some_and(|at| now >= at) {
            Interruption::Deadline
        } else {
            return Ok(());
        };
        self.interrupted = Some(reason);
        Err(wasmtime::Error::new(wasmtime::Trap::Interrupt))
    }
}

impl StoreData {
    /// The context a host function gets.
    pub(crate) fn host_context(&self) -> HostContext<'_> {
        HostContext {
            plugin: &self.plugin,
            call: self.call.context.as_deref(),
            deadline: self.deadline(),
            cancel: self.call.token(),
        }
    }

    /// When the running call must end, if it has a deadline (armed: see
    /// [`StoreData::arm_deadline`]).
    pub(crate) fn deadline(&self) -> Option<Instant> {
        self.call
            .deadline_at
            .map(|millis| self.clock.instant(millis))
    }

    /// Arms the running call's deadline ([`CallState::arm`]) from the real clock: at its first
    /// tick, and before it waits in the host (a host function, a WASI sleep), which must know
    /// the deadline.
    pub(crate) fn arm_deadline(&mut self) {
        let clock = &self.clock;
        self.call.arm(|| clock.precise_now());
    }

    /// [`CallState::check`] of the running call, against the coarse clock: the check of every
    /// tick and host function, which may be a tick late.
    pub(crate) fn check(&mut self) -> wasmtime::Result<()> {
        self.call.check(self.clock.now())
    }

    /// [`CallState::check`] against the real clock.
    pub(crate) fn check_precisely(&mut self) -> wasmtime::Result<()> {
        self.call.check(self.clock.precise_now())
    }
}

/// Raised by [`MemoryLimiter`] when a plugin asks for more memory than allowed; it aborts the
/// running call and is turned into [`Error::MemoryLimitExceeded`](crate::Error).
#[derive(Debug)]
pub(crate) struct MemoryLimitHit {
    pub limit: usize,
    pub requested: usize,
}

impl std::fmt::Display for MemoryLimitHit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "memory limit of {} bytes exceeded (asked for {})",
            self.limit, self.requested
        )
    }
}

impl std::error::Error for MemoryLimitHit {}

/// Caps each instance's linear memory. Growing past the cap traps instead of failing softly,
/// so the host gets a precise error rather than a plugin confused by a failed `malloc`. An
/// instance has one memory (the engine refuses multi-memory modules), so the cap is per
/// instance.
pub(crate) struct MemoryLimiter {
    limit: Option<usize>,
}

/// The most elements a table may hold: far above what compilers emit, far below harm.
pub(crate) const TABLE_ELEMENTS: usize = 1 << 17;

impl MemoryLimiter {
    pub(crate) fn new(limit: Option<usize>) -> Self {
        Self { limit }
    }
}

impl ResourceLimiter for MemoryLimiter {
    fn memory_growing(
        &mut self,
        _current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        match self.limit {
            Some(limit) if desired > limit => Err(wasmtime::Error::new(MemoryLimitHit {
                limit,
                requested: desired,
            })),
            _ => Ok(true),
        }
    }

    fn table_growing(
        &mut self,
        _current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        Ok(desired <= TABLE_ELEMENTS)
    }

    fn memories(&self) -> usize {
        1
    }

    fn tables(&self) -> usize {
        16
    }

    fn instances(&self) -> usize {
        1
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::context::CancelToken;

    #[test]
    fn growing_past_the_limit_is_an_error() {
        let mut limiter = MemoryLimiter::new(Some(1 << 20));
        assert!(limiter.memory_growing(0, 1 << 20, None).unwrap());
        let error = limiter.memory_growing(1 << 20, 2 << 20, None).unwrap_err();
        assert!(error.downcast_ref::<MemoryLimitHit>().is_some());
        assert!(MemoryLimiter::new(None)
            .memory_growing(0, usize::MAX, None)
            .unwrap());
    }

    #[test]
    fn the_shorter_of_deadline_and_timeout_applies() {
        let context = Arc::new(CallContext::new().timeout(Duration::from_micros(4_500)));
        let mut call = CallState::start(Some(Duration::from_secs(1)), Some(context));
        assert_eq!(call.deadline, Some(Duration::from_micros(4_500)));
        assert!(call.is_bounded());
        assert_eq!(call.deadline_at, None, "armed later");
        call.arm(|| 100);
        // Rounded up to whole milliseconds, plus one for the clock's rounding down.
        assert_eq!(call.deadline_at, Some(106));
        call.arm(|| unreachable!("armed once"));
        assert_eq!(CallState::start(None, None).deadline, None);
        assert!(!CallState::start(None, None).is_bounded());
    }

    #[test]
    fn a_cancelled_call_is_interrupted_and_says_why() {
        let clock = CoarseClock::new();
        let token = CancelToken::new();
        let context = Arc::new(CallContext::new().cancel_token(token.clone()));
        let mut call = CallState::start(None, Some(context));
        assert!(call.is_bounded());
        assert!(call.check(clock.now()).is_ok());
        token.cancel();
        assert!(call.check(clock.now()).is_err());
        assert_eq!(call.interrupted, Some(Interruption::Cancelled));

        let mut late = CallState::start(Some(Duration::ZERO), None);
        assert!(late.check(1_000).is_ok(), "not armed yet");
        late.arm(|| 7);
        // Not before the tick after the start: the start may have been up to a tick later.
        assert!(late.check(7).is_ok());
        assert!(late.check(8).is_err());
        assert_eq!(late.interrupted, Some(Interruption::Deadline));
    }
}
