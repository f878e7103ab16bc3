//! The message types of `units.proto`, written by hand: the crate of the user's that the glue of
//! `scale.proto` takes them from (`extern_crates` of `wasm_plugin_glue_options`).

/// `units.Weight`.
// What prost derives for a message of scalars, which messages that hold it derive too.
#[derive(Clone, Copy, PartialEq, Eq, Hash, ::prost::Message)]
pub struct Weight {
    #[prost(uint64, tag = "1")]
    pub grams: u64,
}

impl Weight {
    /// The weight in kilograms: a method that only this crate's type has.
    pub fn kilograms(&self) -> f64 {
        self.grams as f64 / 1000.0
    }
}
