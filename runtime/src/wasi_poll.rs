//! WASI's `poll_oneoff`, bounded by the call's deadline and cancellation.
//!
//! Epoch interruption only stops WebAssembly code, and wasmtime-wasi's `poll_oneoff` sleeps in
//! the host: a plugin that sleeps for an hour would hold the calling thread for an hour. This
//! replacement sleeps at most until the deadline, wakes when the call is cancelled, and then
//! stops the call. It
//! implements the preview 1 semantics: clock subscriptions (relative or absolute, realtime or
//! monotonic) fire when due; file descriptor subscriptions are reported ready at once, which
//! is what the sandbox's descriptors (files, output pipes, a closed stdin) always are.

use std::time::{Duration, Instant, SystemTime};

use wasmtime::{Caller, Linker};

use crate::store::{GuestExports, Mode, StoreData};
use crate::wait::Wait;
use crate::Error;

const SUBSCRIPTION_SIZE: usize = 48;
const EVENT_SIZE: usize = 32;
const TAG_CLOCK: u8 = 0;
const CLOCK_REALTIME: u32 = 0;
const SUBSCRIPTION_CLOCK_ABSTIME: u16 = 1;
const ERRNO_SUCCESS: i32 = 0;
const ERRNO_FAULT: i32 = 21;
const ERRNO_INVAL: i32 = 28;

/// Replaces `wasi_snapshot_preview1.poll_oneoff` in `linker`: a blocking sleep, or (for async
/// calls) a wait that suspends the call and frees its thread.
pub(crate) fn link(linker: &mut Linker<StoreData>, mode: Mode) -> Result<(), Error> {
    linker.allow_shadowing(true);
    match mode {
        Mode::Blocking => linker.func_wrap(
            "wasi_snapshot_preview1",
            "poll_oneoff",
            |mut caller: Caller<'_, StoreData>,
             subscriptions: u32,
             events: u32,
             count: u32,
             written: u32| {
                caller.data_mut().arm_deadline();
                let poll = match Poll::read(&caller, subscriptions, count) {
                    Ok(poll) => poll,
                    Err(errno) => return Ok(errno),
                };
                let data = caller.data();
                match data.call.token() {
                    Some(token) => {
                        token.sleep_until(poll.until(data));
                    }
                    None => {
                        std::thread::sleep(poll.until(data).saturating_duration_since(poll.now))
                    }
                }
                poll.report(&mut caller, events, written)
            },
        ),
        Mode::Async => linker.func_wrap_async(
            "wasi_snapshot_preview1",
            "poll_oneoff",
            |mut caller: Caller<'_, StoreData>,
             (subscriptions, events, count, written): (u32, u32, u32, u32)| {
                Box::new(async move {
                    caller.data_mut().arm_deadline();
                    let poll = match Poll::read(&caller, subscriptions, count) {
                        Ok(poll) => poll,
                        Err(errno) => return Ok(errno),
                    };
                    let data = caller.data();
                    Wait::new(&data.clock, Some(poll.until(data)), data.call.token()).await;
                    poll.report(&mut caller, events, written)
                })
            },
        ),
    }
    .map_err(|error| Error::Config(format!("cannot link poll_oneoff: {error:#}")))?;
    linker.allow_shadowing(false);
    Ok(())
}

/// One subscription as read from the guest.
struct Subscription {
    userdata: u64,
    tag: u8,
    /// For clocks: how long until it fires.
    due_in: Duration,
}

/// One `poll_oneoff`: the subscriptions, read when it started.
struct Poll {
    guest: GuestExports,
    subscriptions: Vec<Subscription>,
    /// How long it waits: until the first clock fires, not at all if it watches descriptors.
    wait: Duration,
    now: Instant,
}

impl Poll {
    /// Reads the guest's subscriptions, or says why not (a WASI errno).
    fn read(
        caller: &Caller<'_, StoreData>,
        subscriptions_ptr: u32,
        count: u32,
    ) -> Result<Self, i32> {
        let Some(guest) = caller.data().guest.clone() else {
            return Err(ERRNO_FAULT);
        };
        if count == 0 {
            return Err(ERRNO_INVAL);
        }
        let started = caller.data().started;
        let subscriptions = {
            let memory = guest.memory.data(caller);
            let bytes = slice(
                memory,
                subscriptions_ptr,
                count as usize * SUBSCRIPTION_SIZE,
            )
            .ok_or(ERRNO_FAULT)?;
            bytes
                .chunks_exact(SUBSCRIPTION_SIZE)
                .map(|raw| read_subscription(raw, started))
                .collect::<Vec<_>>()
        };
        let has_descriptors = subscriptions.iter().any(|s| s.tag != TAG_CLOCK);
        let wait = if has_descriptors {
            Duration::ZERO
        } else {
            subscriptions
                .iter()
                .map(|s| s.due_in)
                .min()
                .unwrap_or_default()
        };
        Ok(Self {
            guest,
            subscriptions,
            wait,
            now: Instant::now(),
        })
    }

    /// When the wait ends: at the first subscription, or the call's deadline if sooner (or its
    /// cancellation, which the caller watches).
    fn until(&self, data: &StoreData) -> Instant {
        let until = self
            .now
            .checked_add(self.wait)
            .unwrap_or(self.now + Duration::from_secs(1 << 32));
        data.deadline()
            .map_or(until, |deadline| until.min(deadline))
    }

    /// After the wait: stops the call if its deadline passed or it was cancelled, else reports
    /// the subscriptions that fired.
    fn report(
        &self,
        caller: &mut Caller<'_, StoreData>,
        events_ptr: u32,
        written_ptr: u32,
    ) -> wasmtime::Result<i32> {
        // The coarse clock may be a tick behind a sleep that ended at the deadline.
        caller.data_mut().check_precisely()?;
        let fired: Vec<&Subscription> = self
            .subscriptions
            .iter()
            .filter(|s| s.tag != TAG_CLOCK || s.due_in <= self.wait)
            .collect();
        let memory = self.guest.memory.data_mut(&mut *caller);
        let Some(events) = slice_mut(memory, events_ptr, fired.len() * EVENT_SIZE) else {
            return Ok(ERRNO_FAULT);
        };
        for (event, subscription) in events.chunks_exact_mut(EVENT_SIZE).zip(&fired) {
            event.fill(0);
            event[0..8].copy_from_slice(&subscription.userdata.to_le_bytes());
            event[10] = subscription.tag;
        }
        let Some(written) = slice_mut(memory, written_ptr, 4) else {
            return Ok(ERRNO_FAULT);
        };
        written.copy_from_slice(&(fired.len() as u32).to_le_bytes());
        Ok(ERRNO_SUCCESS)
    }
}

fn read_subscription(raw: &[u8], started: Instant) -> Subscription {
    let u64_at = |at: usize| u64::from_le_bytes(raw[at..at + 8].try_into().unwrap_or_default());
    let userdata = u64_at(0);
    let tag = raw[8];
    let mut due_in = Duration::ZERO;
    if tag == TAG_CLOCK {
        let clock = u32::from_le_bytes(raw[16..20].try_into().unwrap_or_default());
        let timeout = Duration::from_nanos(u64_at(24));
        let flags = u16::from_le_bytes(raw[40..42].try_into().unwrap_or_default());
        due_in = if flags & SUBSCRIPTION_CLOCK_ABSTIME == 0 {
            timeout
        } else if clock == CLOCK_REALTIME {
            let now = SystemTime::now()
                .duration_since(SystemTime::UNIX_EPOCH)
                .unwrap_or_default();
            timeout.saturating_sub(now)
        } else {
            // The monotonic clock of an instance counts from its creation.
            timeout.saturating_sub(started.elapsed())
        };
    }
    Subscription {
        userdata,
        tag,
        due_in,
    }
}

fn slice(memory: &[u8], ptr: u32, len: usize) -> Option<&[u8]> {
    memory.get(ptr as usize..(ptr as usize).checked_add(len)?)
}

fn slice_mut(memory: &mut [u8], ptr: u32, len: usize) -> Option<&mut [u8]> {
    memory.get_mut(ptr as usize..(ptr as usize).checked_add(len)?)
}
