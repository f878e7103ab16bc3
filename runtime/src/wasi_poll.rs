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

use crate::store::StoreData;
use crate::Error;

const SUBSCRIPTION_SIZE: usize = 48;
const EVENT_SIZE: usize = 32;
const TAG_CLOCK: u8 = 0;
const CLOCK_REALTIME: u32 = 0;
const SUBSCRIPTION_CLOCK_ABSTIME: u16 = 1;
const ERRNO_SUCCESS: i32 = 0;
const ERRNO_FAULT: i32 = 21;
const ERRNO_INVAL: i32 = 28;

/// Replaces `wasi_snapshot_preview1.poll_oneoff` in `linker`.
pub(crate) fn link(linker: &mut Linker<StoreData>) -> Result<(), Error> {
    linker.allow_shadowing(true);
    linker
        .func_wrap(
            "wasi_snapshot_preview1",
            "poll_oneoff",
            |mut caller: Caller<'_, StoreData>,
             subscriptions: u32,
             events: u32,
             count: u32,
             written: u32| {
                poll_oneoff(&mut caller, subscriptions, events, count, written)
            },
        )
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

fn poll_oneoff(
    caller: &mut Caller<'_, StoreData>,
    subscriptions_ptr: u32,
    events_ptr: u32,
    count: u32,
    written_ptr: u32,
) -> wasmtime::Result<i32> {
    let Some(guest) = caller.data().guest.clone() else {
        return Ok(ERRNO_FAULT);
    };
    if count == 0 {
        return Ok(ERRNO_INVAL);
    }
    let started = caller.data().started;
    let subscriptions = {
        let memory = guest.memory.data(&*caller);
        let Some(bytes) = slice(
            memory,
            subscriptions_ptr,
            count as usize * SUBSCRIPTION_SIZE,
        ) else {
            return Ok(ERRNO_FAULT);
        };
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
    // Until the first of: the subscription, the deadline, the cancellation.
    let now = Instant::now();
    let mut until = now
        .checked_add(wait)
        .unwrap_or(now + Duration::from_secs(1 << 32));
    if let Some(deadline) = caller.data().deadline() {
        until = until.min(deadline);
    }
    match caller.data().call.token() {
        Some(token) => {
            token.sleep_until(until);
        }
        None => std::thread::sleep(until.saturating_duration_since(now)),
    }
    // The coarse clock may be a tick behind a sleep that ended at the deadline.
    caller.data_mut().check_precisely()?;

    let fired: Vec<&Subscription> = subscriptions
        .iter()
        .filter(|s| s.tag != TAG_CLOCK || s.due_in <= wait)
        .collect();
    let memory = guest.memory.data_mut(&mut *caller);
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
