//! The binary interface (`docs/abi.md`), from the crate all sides share.

pub(crate) use wasm_plugin_abi::{
    guest_owns_request, pack, Payload, ERROR_FLAG, LEVEL, LEVEL_EXPORT, REGISTER_SYMBOL,
};
