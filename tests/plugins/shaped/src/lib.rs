//! A plugin whose messages prost's options shaped: it relies on `Bytes` and `BTreeMap` (the
//! code does not compile with `Vec<u8>` and `HashMap`).

mod shaped {
    wasm_plugin_guest::include_proto!("shaped");
}

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicU64, Ordering};

use shaped::{Inspection, Parcel, Shaper, Stockroom};
use wasm_plugin_guest::prost::bytes::{Bytes, BytesMut};
use wasm_plugin_guest::Error;

struct Plugin;

impl Shaper for Plugin {
    fn pack(&self, request: Parcel) -> Result<Parcel, Error> {
        let mut data = BytesMut::new();
        for chunk in &request.chunks {
            data.extend_from_slice(chunk);
        }
        // A `BTreeMap` iterates in key order.
        let order: Vec<&str> = request.labels.keys().map(String::as_str).collect();
        let mut labels = request.labels.clone();
        labels.insert("order".into(), order.join(","));
        Ok(Parcel {
            data: Bytes::from(data),
            labels,
            chunks: Vec::new(),
        })
    }

    fn inspect_fetched(&self, request: Parcel) -> Result<Inspection, Error> {
        let before = ALLOCATED.load(Ordering::Relaxed);
        let fetched = Stockroom::new().fetch(request)?;
        let inspection = Inspection {
            data: fetched.data,
            allocated: ALLOCATED.load(Ordering::Relaxed) - before,
        };
        ANSWERED.store(ALLOCATED.load(Ordering::Relaxed), Ordering::Relaxed);
        Ok(inspection)
    }

    fn inspect(&self, request: Parcel) -> Result<Inspection, Error> {
        let allocated = ALLOCATED.load(Ordering::Relaxed) - ANSWERED.load(Ordering::Relaxed);
        let inspection = Inspection {
            data: request.data,
            allocated,
        };
        ANSWERED.store(ALLOCATED.load(Ordering::Relaxed), Ordering::Relaxed);
        Ok(inspection)
    }
}

/// Bytes handed out by the allocator so far, and at the end of the last `inspect`.
static ALLOCATED: AtomicU64 = AtomicU64::new(0);
static ANSWERED: AtomicU64 = AtomicU64::new(0);

/// The system allocator, counting.
struct Counting;

// SAFETY: every call is forwarded to `System` unchanged.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATED.fetch_add(layout.size() as u64, Ordering::Relaxed);
        unsafe { System.alloc(layout) }
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        ALLOCATED.fetch_add(layout.size() as u64, Ordering::Relaxed);
        unsafe { System.alloc_zeroed(layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCATED.fetch_add(new_size as u64, Ordering::Relaxed);
        unsafe { System.realloc(ptr, layout, new_size) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

wasm_plugin_guest::register!(Shaper => Plugin);
