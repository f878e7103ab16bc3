//! Every well-known type in and out, and two plugin services in one module.

use std::collections::BTreeMap;

use wasm_plugin_runtime::prost_types::{
    value::Kind, Any, Duration, FieldMask, ListValue, NullValue, Struct, Timestamp, Value,
};
use wasm_plugin_tests::wellknown::{EmptyTestPlugin, Known, KnownTypesPlugin};
use wasm_plugin_tests::{loader, wasm_file};

fn string(s: &str) -> Value {
    Value {
        kind: Some(Kind::StringValue(s.into())),
    }
}

fn structure(fields: Vec<(&str, Value)>) -> Struct {
    Struct {
        fields: fields
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v))
            .collect::<BTreeMap<_, _>>()
            .into_iter()
            .collect(),
    }
}

#[test]
fn every_well_known_type_is_transformed_exactly() {
    let plugin = KnownTypesPlugin::load(&loader(), wasm_file("wellknown")).expect("load");
    let value = Value {
        kind: Some(Kind::StructValue(structure(vec![
            ("CA", string("AAA")),
            (
                "CB",
                Value {
                    kind: Some(Kind::BoolValue(false)),
                },
            ),
            (
                "CC",
                Value {
                    kind: Some(Kind::NumberValue(1.5)),
                },
            ),
            (
                "CD",
                Value {
                    kind: Some(Kind::ListValue(ListValue {
                        values: vec![string("a")],
                    })),
                },
            ),
        ]))),
    };
    let reply = plugin
        .transform(Known {
            duration: Some(Duration {
                seconds: 3600,
                nanos: 900_000_000,
            }),
            timestamp: Some(Timestamp {
                seconds: 1_700_000_000,
                nanos: 500_000_000,
            }),
            value: Some(value),
            bool_value: Some(true),
            bytes_value: Some(b"bytes".to_vec()),
            double_value: Some(1.25),
            float_value: Some(2.5),
            int32_value: Some(-3),
            int64_value: Some(4),
            string_value: Some("string".into()),
            uint32_value: Some(5),
            uint64_value: Some(6),
            any: Some(Any {
                type_url: "type.googleapis.com/fields.IntValue".into(),
                value: vec![1, 2, 3],
            }),
            field_mask: Some(FieldMask {
                paths: vec!["a.b".into()],
            }),
            r#struct: Some(structure(vec![("k", string("v"))])),
            list: Some(ListValue {
                values: vec![string("first")],
            }),
            null: NullValue::NullValue as i32,
        })
        .expect("transform");

    let expected_value = Value {
        kind: Some(Kind::StructValue(structure(vec![
            ("CA", string("AAABBB")),
            (
                "CB",
                Value {
                    kind: Some(Kind::BoolValue(true)),
                },
            ),
            (
                "CC",
                Value {
                    kind: Some(Kind::NumberValue(3.0)),
                },
            ),
            (
                "CD",
                Value {
                    kind: Some(Kind::ListValue(ListValue {
                        values: vec![string("a"), string("FOO")],
                    })),
                },
            ),
        ]))),
    };
    assert_eq!(
        reply,
        Known {
            duration: Some(Duration {
                seconds: 120,
                nanos: 0
            }),
            timestamp: Some(Timestamp {
                seconds: 1_700_003_601,
                nanos: 400_000_000
            }),
            value: Some(expected_value),
            bool_value: Some(false),
            bytes_value: Some(b"bytesValue".to_vec()),
            double_value: Some(2.5),
            float_value: Some(5.0),
            int32_value: Some(-6),
            int64_value: Some(8),
            string_value: Some("stringValue".into()),
            uint32_value: Some(10),
            uint64_value: Some(12),
            any: Some(Any {
                type_url: "type.googleapis.com/fields.IntValue".into(),
                value: vec![3, 2, 1],
            }),
            field_mask: Some(FieldMask {
                paths: vec!["a.b".into(), "added.path".into()],
            }),
            r#struct: Some(structure(vec![
                ("k", string("v")),
                (
                    "seen",
                    Value {
                        kind: Some(Kind::BoolValue(true))
                    }
                ),
            ])),
            list: Some(ListValue {
                values: vec![string("first"), string("appended")],
            }),
            null: NullValue::NullValue as i32,
        }
    );
}

#[test]
fn absent_wrappers_stay_absent() {
    let plugin = KnownTypesPlugin::load(&loader(), wasm_file("wellknown")).expect("load");
    let reply = plugin.transform(Known::default()).expect("transform");
    assert_eq!(reply.bool_value, None);
    assert_eq!(reply.uint64_value, None);
    assert_eq!(reply.any, None);
    assert_eq!(
        reply.duration,
        Some(Duration {
            seconds: 120,
            nanos: 0
        })
    );
}

#[test]
fn two_services_of_one_module_share_the_compiled_code() {
    let loader = loader();
    let module = loader
        .compile_file(wasm_file("wellknown"))
        .expect("compile");
    let known = KnownTypesPlugin::from_module(&module).expect("first service");
    let empty = EmptyTestPlugin::from_module(&module).expect("second service");
    // Both handles run on the one compiled module; compiling the file again gives another.
    assert_eq!(known.as_ref().module(), &module);
    assert_eq!(empty.as_ref().module(), &module);
    let again = loader
        .compile_file(wasm_file("wellknown"))
        .expect("compile");
    assert_ne!(known.as_ref().module(), &again);
    empty
        .do_nothing(())
        .expect("google.protobuf.Empty in and out");
    let reply = known.transform(Known::default()).expect("transform");
    assert_eq!(
        reply.duration,
        Some(Duration {
            seconds: 120,
            nanos: 0
        })
    );
}
