//! The binary interface between hosts and plugins (`docs/abi.md`), in one place: the runtime,
//! the guest SDK and the generator all take its constants, packing and names from here.
//!
//! The interface is go-plugin's (knqyf263/go-plugin v0.9.0): every exchange is protobuf bytes in
//! the plugin's linear memory, described by a pointer and a length packed into one `i64`.
#![no_std]
#![deny(missing_docs)]

extern crate alloc;

pub mod names;

use core::ops::Range;

/// Bit 31 of a packed length marks a payload that is a UTF-8 error message.
pub const ERROR_FLAG: u32 = 1 << 31;

/// The export through which host and guest agree on an interface level ("Levels" in
/// `docs/abi.md`); go-plugin's guests do not have it and stay at level 0.
pub const LEVEL_EXPORT: &str = "wasm_plugin_abi";

/// The highest level this project's hosts and guests implement: 1, host function errors reach
/// the guest as error payloads; 2, result blocks stay the guest's, valid until its next call;
/// 3, large requests become the guest's ([`guest_owns_request`]).
pub const LEVEL: u32 = 3;

/// From level 3, a request at least this long is written into a fresh block that the guest
/// owns and frees, so that it can keep `bytes` fields as views of the block instead of copies.
/// Below this size a copy costs less than the extra `malloc` and `free`.
pub const OWNED_REQUEST_MIN: u32 = 16 << 10;

/// Whether, at the agreed `level`, the block of a request of `len` bytes becomes the guest's.
pub const fn guest_owns_request(level: u32, len: u32) -> bool {
    level >= 3 && len >= OWNED_REQUEST_MIN
}

/// The function a Rust guest's `register!` defines and its glue imports: a module that never
/// called `register!` imports it from the host, which has none.
pub const REGISTER_SYMBOL: &str = "__wasm_plugin_register";

/// Exports every plugin module has besides its services' (`memory` and libc's allocator), or may
/// have (a WASI reactor's `_initialize`, the level export): no service may use these names.
pub const RESERVED_EXPORTS: [&str; 5] = ["malloc", "free", "memory", "_initialize", LEVEL_EXPORT];

/// Packs a pointer and a length: `ptr << 32 | len`.
pub const fn pack(ptr: u32, len: u32) -> u64 {
    ((ptr as u64) << 32) | len as u64
}

/// A payload as a packed value describes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Payload {
    /// Where it starts in the plugin's memory.
    pub ptr: u32,
    /// How many bytes it has.
    pub len: u32,
    /// Whether it is an error message rather than a protobuf message.
    pub is_error: bool,
}

impl Payload {
    /// Splits a packed value.
    pub const fn unpack(packed: u64) -> Self {
        let len = packed as u32;
        Self {
            ptr: (packed >> 32) as u32,
            len: len & !ERROR_FLAG,
            is_error: len & ERROR_FLAG != 0,
        }
    }

    /// The byte range in a memory of `memory_size` bytes, if the payload lies inside it.
    pub fn range(self, memory_size: usize) -> Option<Range<usize>> {
        let start = self.ptr as usize;
        let end = start.checked_add(self.len as usize)?;
        (end <= memory_size).then_some(start..end)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn packing_round_trips_with_the_error_bit() {
        assert_eq!(pack(0x1234, 0x56), 0x0000_1234_0000_0056);
        let payload = Payload::unpack(pack(0x10, 7 | ERROR_FLAG));
        assert_eq!(
            payload,
            Payload {
                ptr: 0x10,
                len: 7,
                is_error: true
            }
        );
        assert_eq!(Payload::unpack(pack(u32::MAX, 3)).ptr, u32::MAX);
        assert!(!Payload::unpack(pack(1, 2)).is_error);
        assert!(Payload::unpack(pack(0, ERROR_FLAG)).is_error);
    }

    #[test]
    fn ranges_are_checked_against_the_memory_size() {
        let payload = Payload::unpack(pack(10, 6));
        assert_eq!(payload.range(16), Some(10..16));
        assert_eq!(payload.range(15), None);
        assert_eq!(Payload::unpack(pack(u32::MAX, 2)).range(1 << 32), None);
        assert_eq!(Payload::unpack(0).range(0), Some(0..0));
    }
}
