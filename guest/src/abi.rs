//! Buffers and packed `(ptr, len)` values of the binary interface (`docs/abi.md`).
//!
//! Buffers that change owner come from libc's `malloc` (exported to the host as `malloc`) and
//! are released with libc's `free`, independent of the plugin's Rust global allocator: the side
//! that receives such a buffer frees it. At level 2, results stay in a block of the guest's.

use std::cell::{Cell, RefCell};

use prost::bytes::{Buf, Bytes};
use prost::Message;

pub(crate) use wasm_plugin_abi::{pack, Payload, ERROR_FLAG};

mod libc {
    unsafe extern "C" {
        pub fn malloc(size: usize) -> *mut u8;
        pub fn free(ptr: *mut u8);
    }
}

/// The interface level this guest implements (`docs/abi.md`, "Levels"): 1 accepts error
/// payloads from host functions, 2 also keeps result blocks until the next call, 3 also owns
/// large requests.
const LEVEL: u32 = wasm_plugin_abi::LEVEL;

thread_local! {
    /// The level agreed with the host; 0 (go-plugin's interface) until a host asks.
    static AGREED: Cell<u32> = const { Cell::new(0) };
    /// The block every result is written to, reused from call to call; at level 2 the host
    /// reads it in place.
    static RESULT: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
}

/// A payload from the host of at least this many bytes that is this module's is decoded with
/// `bytes::Bytes` fields as views of it: below, a copy costs less than the view's allocation.
pub(crate) const VIEW_MIN: u32 = wasm_plugin_abi::OWNED_REQUEST_MIN;

/// Whether a request of `len` bytes is this module's to free, at the agreed level.
pub(crate) fn owns_request(len: u32) -> bool {
    wasm_plugin_abi::guest_owns_request(agreed(), len)
}

/// Agrees on the highest level both sides implement.
pub(crate) fn agree(host_level: u32) -> u32 {
    let agreed = host_level.min(LEVEL);
    AGREED.set(agreed);
    agreed
}

/// The agreed level.
pub(crate) fn agreed() -> u32 {
    AGREED.get()
}

/// A result block larger than this is given back to the allocator before the next result is
/// written.
const KEPT_RESULT_CAPACITY: usize = 4 << 20;

/// Hands the bytes `write` appends to an empty buffer to the host, with `flags` in the packed
/// length.
///
/// At level 2 they stay in the reused result block, which remains this module's; below, they
/// are copied into a fresh `malloc` block, which the host frees.
fn to_host(flags: u32, write: impl FnOnce(&mut Vec<u8>)) -> u64 {
    RESULT.with_borrow_mut(|block| {
        if block.capacity() > KEPT_RESULT_CAPACITY {
            // One large answer does not pin its memory forever.
            *block = Vec::new();
        }
        block.clear();
        write(block);
        if block.is_empty() {
            return pack(0, flags);
        }
        let Some(len) = u32::try_from(block.len())
            .ok()
            .filter(|len| len & ERROR_FLAG == 0)
        else {
            // A payload of 2 GiB or more cannot be described by the interface.
            std::process::abort();
        };
        if agreed() >= 2 {
            return pack(block.as_ptr() as usize as u32, len | flags);
        }
        // SAFETY: malloc returns either null or a writable block of `len` bytes.
        unsafe {
            let ptr = libc::malloc(block.len());
            if ptr.is_null() {
                std::process::abort();
            }
            std::ptr::copy_nonoverlapping(block.as_ptr(), ptr, block.len());
            pack(ptr as usize as u32, len | flags)
        }
    })
}

/// Encodes `message` for the host and packs its location.
pub(crate) fn message_to_host(message: &impl Message) -> u64 {
    to_host(0, |block| {
        block.reserve(message.encoded_len());
        // A Vec grows as needed: encoding cannot run out of room.
        if message.encode(block).is_err() {
            std::process::abort();
        }
    })
}

/// Hands an error message to the host, packed with the error bit.
pub(crate) fn error_to_host(message: &str) -> u64 {
    to_host(ERROR_FLAG, |block| {
        block.extend_from_slice(message.as_bytes())
    })
}

/// Views `len` bytes at `ptr` of this module's memory; `(0, 0)` is the empty payload.
///
/// # Safety
/// `ptr..ptr + len` must be memory the caller owns and that stays untouched while the slice
/// lives: a buffer the host wrote for this call.
pub(crate) unsafe fn borrow<'a>(ptr: u32, len: u32) -> &'a [u8] {
    if len == 0 {
        return &[];
    }
    // SAFETY: guaranteed by the caller.
    unsafe { std::slice::from_raw_parts(ptr as usize as *const u8, len as usize) }
}

/// A buffer the host allocated with `malloc` and handed to this module, freed on drop.
pub(crate) struct HostBuffer {
    ptr: u32,
    len: u32,
}

impl HostBuffer {
    /// # Safety
    /// `ptr..ptr + len` must be a `malloc` block (or `(0, 0)`) that the host gave up.
    pub(crate) unsafe fn new(ptr: u32, len: u32) -> Self {
        Self { ptr, len }
    }
}

/// The block's bytes (what `bytes::Bytes::from_owner` views).
impl AsRef<[u8]> for HostBuffer {
    fn as_ref(&self) -> &[u8] {
        // SAFETY: the block is owned by this value until it is dropped.
        unsafe { borrow(self.ptr, self.len) }
    }
}

impl Drop for HostBuffer {
    fn drop(&mut self) {
        if self.ptr != 0 {
            // SAFETY: the host allocated the block with this module's `malloc` and gave it up.
            unsafe { libc::free(self.ptr as usize as *mut u8) }
        }
    }
}

/// A payload from the host as prost decodes it: borrowed for the call, or owned (a block the
/// host gave up), whose `Bytes` fields then view it instead of copying. One type for both, so
/// that each message type has one decoder in the module, which reads it as a plain slice.
pub(crate) struct Incoming<'a> {
    /// What is left to read.
    rest: &'a [u8],
    /// The block `rest` lies in, if this module owns it.
    owner: Option<Bytes>,
}

impl<'a> Incoming<'a> {
    pub(crate) fn borrowed(bytes: &'a [u8]) -> Self {
        Self {
            rest: bytes,
            owner: None,
        }
    }

    /// The block at `ptr`, which the host gave up, as an owned payload.
    ///
    /// # Safety
    /// As [`HostBuffer::new`].
    pub(crate) unsafe fn owned(ptr: u32, len: u32) -> Self {
        // SAFETY: guaranteed by the caller.
        let owner = Bytes::from_owner(unsafe { HostBuffer::new(ptr, len) });
        // SAFETY: the block stays in place until `owner` and its views are dropped, and `rest`
        // is private, only lent out for less than this value, which holds `owner`.
        let rest = unsafe { borrow(ptr, len) };
        Self {
            rest,
            owner: Some(owner),
        }
    }
}

impl Buf for Incoming<'_> {
    fn remaining(&self) -> usize {
        self.rest.len()
    }

    fn chunk(&self) -> &[u8] {
        self.rest
    }

    fn advance(&mut self, count: usize) {
        self.rest = &self.rest[count..];
    }

    fn copy_to_bytes(&mut self, len: usize) -> Bytes {
        let (taken, rest) = self.rest.split_at(len);
        let bytes = match &self.owner {
            // A view, not a copy.
            Some(owner) => owner.slice_ref(taken),
            None => Bytes::copy_from_slice(taken),
        };
        self.rest = rest;
        bytes
    }
}
