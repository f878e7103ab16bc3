//! A global allocator that counts the bytes allocated and not yet freed, for tests and probes
//! that must see leaks no reuse of freed pages can hide:
//!
//! ```ignore
//! #[global_allocator]
//! static ALLOCATOR: wasm_plugin_testing::alloc::Counting = wasm_plugin_testing::alloc::Counting;
//! let before = wasm_plugin_testing::alloc::live_bytes();
//! ```
//!
//! It also counts the bytes each thread is handed out, freed or not, for tests of how often
//! data is copied ([`allocated_by`]).

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::sync::atomic::{AtomicIsize, Ordering};

/// The system allocator, counting live bytes.
pub struct Counting;

static LIVE_BYTES: AtomicIsize = AtomicIsize::new(0);

thread_local! {
    /// The bytes this thread has been handed out (a reallocation counts its new size).
    static HANDED_OUT: Cell<usize> = const { Cell::new(0) };
}

/// The bytes allocated through [`Counting`] and not freed yet, by all threads.
pub fn live_bytes() -> isize {
    LIVE_BYTES.load(Ordering::Relaxed)
}

/// Runs `f`, returning what it returned and the bytes this thread was handed out meanwhile
/// through [`Counting`].
pub fn allocated_by<T>(f: impl FnOnce() -> T) -> (T, usize) {
    let before = HANDED_OUT.get();
    let result = f();
    (result, HANDED_OUT.get() - before)
}

fn hand_out(size: usize) {
    // Not during thread teardown, when the counter may be gone.
    let _ = HANDED_OUT.try_with(|handed_out| handed_out.set(handed_out.get() + size));
}

// SAFETY: every call is forwarded to `System` unchanged; only a counter is updated besides.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let ptr = unsafe { System.alloc(layout) };
        if !ptr.is_null() {
            LIVE_BYTES.fetch_add(layout.size() as isize, Ordering::Relaxed);
            hand_out(layout.size());
        }
        ptr
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        let ptr = unsafe { System.alloc_zeroed(layout) };
        if !ptr.is_null() {
            LIVE_BYTES.fetch_add(layout.size() as isize, Ordering::Relaxed);
            hand_out(layout.size());
        }
        ptr
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) };
        LIVE_BYTES.fetch_sub(layout.size() as isize, Ordering::Relaxed);
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let new = unsafe { System.realloc(ptr, layout, new_size) };
        if !new.is_null() {
            LIVE_BYTES.fetch_add(
                new_size as isize - layout.size() as isize,
                Ordering::Relaxed,
            );
            hand_out(new_size);
        }
        new
    }
}
