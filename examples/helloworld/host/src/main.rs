//! Loads two plugins that implement the same interface, side by side, and greets with both.
//!
//! Usage: `example-helloworld MORNING.wasm EVENING.wasm` (scripts/run-example.sh helloworld builds the
//! plugins and passes them).

mod greeting {
    wasm_plugin_runtime::include_proto!("greeting");
}

use anyhow::Context;
use greeting::{GreetRequest, GreeterPlugin};
use wasm_plugin_runtime::Loader;

fn main() -> anyhow::Result<()> {
    let paths: Vec<String> = std::env::args().skip(1).collect();
    anyhow::ensure!(
        !paths.is_empty(),
        "usage: example-helloworld PLUGIN.wasm... (scripts/run-example.sh helloworld builds and passes them)"
    );

    // One loader compiles every plugin; the plugins are independent instances.
    let loader = Loader::new()?;
    for path in &paths {
        let plugin =
            GreeterPlugin::load(&loader, path).with_context(|| format!("cannot load {path}"))?;
        let reply = plugin.greet(GreetRequest {
            name: "go-plugin".into(),
        })?;
        println!("{}", reply.message);
    }
    Ok(())
}
