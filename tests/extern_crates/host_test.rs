//! A crate of the user's has the message types of `units.proto` (`extern_crates` of
//! `wasm_plugin_glue_options`, tests/BUILD.bazel): the plugin and the host exchange its
//! `Weight`, methods and all, instead of a generated copy.

mod scale {
    wasm_plugin_runtime::include_proto!("scale");
}

use scale::{Load, ScalePlugin};
use units_types::Weight;

#[test]
fn the_users_own_message_types_cross_the_boundary() {
    let path = std::env::var_os("WASM_PLUGIN_SCALE").expect("Bazel sets WASM_PLUGIN_SCALE");
    let loader = wasm_plugin_runtime::Loader::new().expect("loader");
    let plugin = ScalePlugin::load(&loader, path).expect("load");
    let load = Load {
        each: Some(Weight { grams: 250 }),
        count: 6,
    };
    let weight: Weight = plugin.weigh(load).expect("weigh");
    assert_eq!(weight.kilograms(), 1.5);
}
