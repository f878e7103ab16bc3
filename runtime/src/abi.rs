//! Constants and packing of the binary interface (`docs/abi.md`).

/// Bit 31 of a packed length marks a payload that is a UTF-8 error message.
pub(crate) const ERROR_FLAG: u32 = 1 << 31;

/// The export through which host and guest agree on an interface level (`docs/abi.md`).
pub(crate) const LEVEL_EXPORT: &str = "wasm_plugin_abi";

/// The highest level this host implements: 1, host function errors reach the guest as error
/// payloads; 2, result blocks stay the guest's, valid until its next call.
pub(crate) const HOST_LEVEL: u32 = 2;

/// The import a Rust guest has when it never calls `wasm_plugin_guest::register!`.
pub(crate) const MISSING_REGISTER_IMPORT: &str = "__wasm_plugin_register";

/// Packs a pointer and a length: `ptr << 32 | len`.
pub(crate) fn pack(ptr: u32, len: u32) -> u64 {
    (u64::from(ptr) << 32) | u64::from(len)
}

/// A payload as described by a packed value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Payload {
    pub ptr: u32,
    pub len: u32,
    pub is_error: bool,
}

impl Payload {
    pub(crate) fn unpack(packed: u64) -> Self {
        let len = packed as u32;
        Self {
            ptr: (packed >> 32) as u32,
            len: len & !ERROR_FLAG,
            is_error: len & ERROR_FLAG != 0,
        }
    }

    /// The byte range in a memory of `memory_size` bytes, if it fits.
    pub(crate) fn range(self, memory_size: usize) -> Option<std::ops::Range<usize>> {
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
