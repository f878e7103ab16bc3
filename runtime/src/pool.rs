//! Idle instances, kept for reuse without a shared lock on the hot path.
//!
//! Each idle instance sits in a slot of its own, on its own cache line. A thread has a home slot
//! (threads are spread over the slots in the order they first call): it takes its instance from
//! there and puts it back there, so threads calling one plugin at the same time do not touch
//! each other's slots. Only when its home slot is empty does a thread look at the others.
//!
//! A slot is an atomic pointer to a boxed value: taking is one atomic swap, putting back one
//! compare-and-swap, about half the cost of locking and unlocking a mutex twice, which matters
//! next to a call that itself takes some 20 ns.

use std::marker::PhantomData;
use std::ptr;
use std::sync::atomic::{AtomicPtr, AtomicUsize, Ordering};
use std::sync::Mutex;

/// A slot padded to a cache line, so that neighbouring slots do not share one. It owns the
/// value it points to (from `Box::into_raw`), or is null.
#[repr(align(64))]
struct Slot<T>(AtomicPtr<T>);

pub(crate) struct Pool<T> {
    slots: Box<[Slot<T>]>,
    /// `AtomicPtr` is `Send` and `Sync` whatever it points to; the pool moves values between
    /// threads like a `Mutex` does, and is `Send` and `Sync` exactly when that would be.
    _owns: PhantomData<Mutex<Box<T>>>,
}

/// Spreads threads over slots.
static NEXT_HOME: AtomicUsize = AtomicUsize::new(0);

thread_local! {
    static HOME: usize = NEXT_HOME.fetch_add(1, Ordering::Relaxed);
}

impl<T> Pool<T> {
    /// A pool that keeps at most `capacity` idle values.
    pub(crate) fn new(capacity: usize) -> Self {
        Self {
            slots: (0..capacity)
                .map(|_| Slot(AtomicPtr::new(ptr::null_mut())))
                .collect(),
            _owns: PhantomData,
        }
    }

    /// How many values it keeps at most.
    pub(crate) fn capacity(&self) -> usize {
        self.slots.len()
    }

    /// The slots in the order this thread visits them: its home slot first.
    fn visit(&self) -> impl Iterator<Item = &Slot<T>> {
        let home = match self.slots.len() {
            0 => 0,
            len => HOME.with(|home| *home) % len,
        };
        let (before, from_home) = self.slots.split_at(home);
        from_home.iter().chain(before)
    }

    /// Takes an idle value, if there is one.
    pub(crate) fn take(&self) -> Option<Box<T>> {
        self.visit().find_map(|slot| {
            let taken = slot.0.swap(ptr::null_mut(), Ordering::Acquire);
            // SAFETY: a non-null pointer in a slot came from `Box::into_raw` in `put`, and the
            // swap made this caller its only owner.
            (!taken.is_null()).then(|| unsafe { Box::from_raw(taken) })
        })
    }

    /// Keeps `value` for reuse, or drops it when every slot is taken.
    pub(crate) fn put(&self, value: Box<T>) {
        let raw = Box::into_raw(value);
        for slot in self.visit() {
            let stored =
                slot.0
                    .compare_exchange(ptr::null_mut(), raw, Ordering::Release, Ordering::Relaxed);
            if stored.is_ok() {
                return;
            }
        }
        // SAFETY: no slot took `raw`, so it is still this function's to free.
        drop(unsafe { Box::from_raw(raw) });
    }

    /// Runs `f` on every idle value (for statistics), taking each out while it looks.
    pub(crate) fn for_each(&self, mut f: impl FnMut(&T)) {
        for slot in self.slots.iter() {
            let taken = slot.0.swap(ptr::null_mut(), Ordering::Acquire);
            if !taken.is_null() {
                // SAFETY: as in `take`.
                let value = unsafe { Box::from_raw(taken) };
                f(&value);
                self.put(value);
            }
        }
    }
}

impl<T> Drop for Pool<T> {
    fn drop(&mut self) {
        for slot in self.slots.iter_mut() {
            let raw = *slot.0.get_mut();
            if !raw.is_null() {
                // SAFETY: the pool owns what its slots point to.
                drop(unsafe { Box::from_raw(raw) });
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_come_back_and_extras_are_dropped() {
        let pool = Pool::new(2);
        assert_eq!(pool.take(), None::<Box<u32>>);
        pool.put(Box::new(1));
        pool.put(Box::new(2));
        pool.put(Box::new(3));
        let mut kept = Vec::new();
        pool.for_each(|value| kept.push(*value));
        kept.sort();
        assert_eq!(kept, [1, 2]);
        let taken = [pool.take(), pool.take(), pool.take()];
        assert_eq!(taken.iter().flatten().count(), 2);
    }

    #[test]
    fn a_pool_of_nothing_keeps_nothing() {
        let pool = Pool::new(0);
        pool.put(Box::new(1));
        assert_eq!(pool.take(), None);
    }

    #[test]
    fn threads_share_one_pool() {
        let pool = std::sync::Arc::new(Pool::new(4));
        let threads: Vec<_> = (0..4)
            .map(|i| {
                let pool = std::sync::Arc::clone(&pool);
                std::thread::spawn(move || {
                    for _ in 0..1000 {
                        let value = pool.take().unwrap_or(Box::new(i));
                        pool.put(value);
                    }
                })
            })
            .collect();
        for thread in threads {
            thread.join().unwrap();
        }
        let mut count = 0;
        pool.for_each(|_| count += 1);
        assert!((1..=4).contains(&count));
    }
}
