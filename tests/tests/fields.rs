//! go-plugin's tests/fields: all 15 scalar types, repeated, map<string, Message>, nested
//! messages and enums, Empty in and out, and error responses.

use std::collections::HashMap;

use wasm_plugin_runtime::Error;
use wasm_plugin_tests::fields::{
    scalars::{nested::Inner, Nested},
    FailRequest, FieldTestPlugin, IntValue, Level, Scalars,
};
use wasm_plugin_tests::{loader, wasm_file};

fn load() -> FieldTestPlugin {
    FieldTestPlugin::load(&loader(), wasm_file("fields")).expect("load the fields plugin")
}

#[test]
fn every_field_is_transformed_exactly() {
    let reply = load()
        .transform(Scalars {
            a: 1.2,
            b: 3.4,
            c: 5,
            d: -6,
            e: 7,
            f: 8,
            g: 9,
            h: -10,
            i: 11,
            j: 12,
            k: 13,
            l: -14,
            m: false,
            n: "foo".into(),
            o: b"hoge".to_vec(),
            p: vec!["a".into(), "b".into()],
            q: HashMap::from([("key".into(), IntValue { a: 15 })]),
            r: Some(Nested {
                a: "samurai".into(),
                inner: Some(Inner {
                    values: vec![1, -2, 3],
                }),
            }),
            s: Level::Low as i32,
        })
        .expect("transform");
    assert_eq!(
        reply,
        Scalars {
            a: 2.4,
            b: 6.8,
            c: 10,
            d: -12,
            e: 14,
            f: 16,
            g: 18,
            h: -20,
            i: 22,
            j: 24,
            k: 26,
            l: -28,
            m: true,
            n: "foobar".into(),
            o: b"hogefuga".to_vec(),
            p: vec!["b".into()],
            q: HashMap::from([("key".into(), IntValue { a: 16 })]),
            r: Some(Nested {
                a: "ninja".into(),
                inner: Some(Inner {
                    values: vec![3, -2, 1],
                }),
            }),
            s: Level::Medium as i32,
        }
    );
}

#[test]
fn extreme_values_survive_the_round_trip() {
    let reply = load()
        .transform(Scalars {
            c: i32::MIN / 2,
            d: i64::MAX / 2,
            e: u32::MAX / 2,
            f: u64::MAX / 2,
            g: i32::MIN / 2,
            h: i64::MIN / 2,
            n: "ünïcødé ✓".into(),
            ..Default::default()
        })
        .expect("transform");
    assert_eq!(reply.c, i32::MIN);
    assert_eq!(reply.d, i64::MAX - 1);
    assert_eq!(reply.e, u32::MAX - 1);
    assert_eq!(reply.f, u64::MAX - 1);
    assert_eq!(reply.g, i32::MIN);
    assert_eq!(reply.h, i64::MIN);
    assert_eq!(reply.n, "ünïcødé ✓bar");
    assert_eq!(reply.r, None);
}

#[test]
fn empty_messages_go_in_and_out() {
    let plugin = load();
    assert!(plugin.take_empty(()).expect("take empty").ok);
    plugin.give_empty(Scalars::default()).expect("give empty");
    // An all-default request is the empty payload (0, 0).
    assert_eq!(
        plugin
            .transform(Scalars::default())
            .expect("transform default"),
        Scalars {
            m: true,
            n: "bar".into(),
            o: b"fuga".to_vec(),
            s: Level::Medium as i32,
            ..Default::default()
        }
    );
}

#[test]
fn error_texts_arrive_exactly() {
    let plugin = load();
    for text in ["", "error from plugin", "  spaced  ", "multi\nline ✗"] {
        let error = plugin
            .fail(FailRequest { text: text.into() })
            .expect_err("the plugin fails");
        assert!(
            matches!(&error, Error::Plugin { message, .. } if message == text),
            "{error:?}"
        );
        assert_eq!(error.plugin_message(), Some(text));
        assert!(
            error.to_string().starts_with("plugin ")
                && error
                    .to_string()
                    .ends_with(&format!(" returned an error: {text}")),
            "{error}"
        );
    }
    // The instance that returned errors keeps working.
    assert!(plugin.take_empty(()).expect("after errors").ok);
}

#[test]
fn requests_can_be_passed_by_reference() {
    let plugin = load();
    let request = Scalars {
        c: 21,
        ..Default::default()
    };
    assert_eq!(plugin.transform(&request).expect("by reference").c, 42);
    assert_eq!(plugin.transform(request).expect("by value").c, 42);
}
