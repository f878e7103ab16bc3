//! Sends and receives well-known types; captures what the plugin prints.
//!
//! Usage: `example-known-types PLUGIN.wasm` (scripts/run-example.sh known-types builds it).

mod known {
    wasm_plugin_runtime::include_proto!("known");
}

use known::{PlanRequest, PlannerPlugin};
use wasm_plugin_runtime::prost_types::{value::Kind, Duration, Struct, Value};
use wasm_plugin_runtime::{CapturedOutput, Loader};

fn main() -> anyhow::Result<()> {
    let path = std::env::args()
        .nth(1)
        .ok_or_else(|| anyhow::anyhow!("usage: example-known-types PLUGIN.wasm"))?;
    // The plugin's stdout goes into memory; the host decides what to do with it.
    let stdout = CapturedOutput::new();
    let loader = Loader::builder().stdout(stdout.clone()).build()?;
    let plugin = PlannerPlugin::load(&loader, path)?;

    let reply = plugin.plan(PlanRequest {
        start: Some("2026-11-25T09:00:00Z".parse()?),
        every: Some(Duration {
            seconds: 1800,
            nanos: 0,
        }),
        count: 3,
        labels: Some(Struct {
            fields: [(
                "team".to_owned(),
                Value {
                    kind: Some(Kind::StringValue("compilers".into())),
                },
            )]
            .into(),
        }),
    })?;

    print!("plugin stdout: {}", stdout.contents_lossy());
    for time in &reply.times {
        println!("meeting at {time}");
    }
    println!("total: {}", reply.total.unwrap_or_default());
    let summary = reply.summary.unwrap_or_default();
    for (key, value) in &summary.fields {
        println!("summary {key}: {}", describe(value));
    }
    Ok(())
}

fn describe(value: &Value) -> String {
    match &value.kind {
        Some(Kind::StringValue(s)) => format!("{s:?}"),
        Some(Kind::NumberValue(n)) => n.to_string(),
        other => format!("{other:?}"),
    }
}
