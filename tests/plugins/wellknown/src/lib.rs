//! Transforms every well-known type; also implements a second service in the same module.

mod wellknown {
    wasm_plugin_guest::include_proto!("wellknown");
}

use wasm_plugin_guest::prost_types::{value::Kind, Any, Duration, FieldMask, ListValue, Value};
use wasm_plugin_guest::Error;
use wellknown::{EmptyTest, Known, KnownTypes};

struct Plugin;

impl KnownTypes for Plugin {
    fn transform(&self, request: Known) -> Result<Known, Error> {
        let duration = request.duration.unwrap_or_default();
        let timestamp = request.timestamp.map(|mut t| {
            t.seconds += duration.seconds;
            t.nanos += duration.nanos;
            t.normalize();
            t
        });
        let mut structure = request.r#struct.unwrap_or_default();
        structure.fields.insert(
            "seen".into(),
            Value {
                kind: Some(Kind::BoolValue(true)),
            },
        );
        let mut list = request.list.unwrap_or_default();
        list.values.push(Value {
            kind: Some(Kind::StringValue("appended".into())),
        });
        Ok(Known {
            duration: Some(Duration {
                seconds: 120,
                nanos: 0,
            }),
            timestamp,
            value: request.value.map(transform_value),
            bool_value: request.bool_value.map(|v| !v),
            bytes_value: request.bytes_value.map(|v| [v, b"Value".to_vec()].concat()),
            double_value: request.double_value.map(|v| v * 2.0),
            float_value: request.float_value.map(|v| v * 2.0),
            int32_value: request.int32_value.map(|v| v * 2),
            int64_value: request.int64_value.map(|v| v * 2),
            string_value: request.string_value.map(|v| v + "Value"),
            uint32_value: request.uint32_value.map(|v| v * 2),
            uint64_value: request.uint64_value.map(|v| v * 2),
            any: request.any.map(|any| Any {
                type_url: any.type_url,
                value: any.value.into_iter().rev().collect(),
            }),
            field_mask: request.field_mask.map(|mask| FieldMask {
                paths: [mask.paths, vec!["added.path".into()]].concat(),
            }),
            r#struct: Some(structure),
            list: Some(list),
            null: request.null,
        })
    }
}

/// Like go-plugin's test: "CA" gets "BBB" appended, "CB" is negated, "CC" doubled, "CD" extended.
fn transform_value(value: Value) -> Value {
    let Some(Kind::StructValue(mut fields)) = value.kind else {
        return value;
    };
    for (key, field) in fields.fields.iter_mut() {
        let kind = field.kind.take();
        field.kind = match (key.as_str(), kind) {
            ("CA", Some(Kind::StringValue(s))) => Some(Kind::StringValue(s + "BBB")),
            ("CB", Some(Kind::BoolValue(b))) => Some(Kind::BoolValue(!b)),
            ("CC", Some(Kind::NumberValue(n))) => Some(Kind::NumberValue(n * 2.0)),
            ("CD", Some(Kind::ListValue(ListValue { mut values }))) => {
                values.push(Value {
                    kind: Some(Kind::StringValue("FOO".into())),
                });
                Some(Kind::ListValue(ListValue { values }))
            }
            (_, kind) => kind,
        };
    }
    Value {
        kind: Some(Kind::StructValue(fields)),
    }
}

impl EmptyTest for Plugin {
    fn do_nothing(&self, _request: ()) -> Result<(), Error> {
        Ok(())
    }
}

wasm_plugin_guest::register!(KnownTypes => Plugin, EmptyTest => Plugin);
