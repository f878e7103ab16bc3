//! Works with Timestamp, Duration and Struct, and reports on stdout.

mod known {
    wasm_plugin_guest::include_proto!("known");
}

use known::{PlanReply, PlanRequest, Planner};
use wasm_plugin_guest::prost_types::{value::Kind, Duration, Struct, Timestamp, Value};
use wasm_plugin_guest::Error;

struct Plugin;

impl Planner for Plugin {
    fn plan(&self, request: PlanRequest) -> Result<PlanReply, Error> {
        let start = request
            .start
            .ok_or_else(|| Error::new("a plan needs a start"))?;
        let every = request.every.unwrap_or_default();
        println!(
            "planning {} meetings every {every} from {start}",
            request.count
        );

        let times = (0..i64::from(request.count))
            .map(|i| {
                let mut time = Timestamp {
                    seconds: start.seconds + i * every.seconds,
                    nanos: start.nanos,
                };
                time.normalize();
                time
            })
            .collect();
        let team = request
            .labels
            .and_then(|labels| labels.fields.get("team").cloned())
            .unwrap_or(Value {
                kind: Some(Kind::StringValue("nobody".into())),
            });
        let summary = Struct {
            fields: [
                ("team".to_owned(), team),
                (
                    "meetings".to_owned(),
                    Value {
                        kind: Some(Kind::NumberValue(f64::from(request.count))),
                    },
                ),
            ]
            .into(),
        };
        Ok(PlanReply {
            times,
            total: Some(Duration {
                seconds: every.seconds * i64::from(request.count),
                nanos: 0,
            }),
            summary: Some(summary),
        })
    }
}

wasm_plugin_guest::register!(Planner => Plugin);
