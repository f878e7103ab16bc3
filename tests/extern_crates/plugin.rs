//! Weighs loads with the `Weight` of the crate `units_types`, which the glue uses instead of
//! generating its own.

mod scale {
    wasm_plugin_guest::include_proto!("scale");
}

use scale::{Load, Scale};
use units_types::Weight;
use wasm_plugin_guest::Error;

struct Plugin;

impl Scale for Plugin {
    fn weigh(&self, request: Load) -> Result<Weight, Error> {
        let each = request.each.unwrap_or_default();
        Ok(Weight {
            grams: each.grams * u64::from(request.count),
        })
    }
}

wasm_plugin_guest::register!(Scale => Plugin);
