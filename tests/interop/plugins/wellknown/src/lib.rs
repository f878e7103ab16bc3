//! go-plugin's tests/well-known plugin, in Rust.

mod greeting {
    wasm_plugin_guest::include_proto!("greeting");
}

use greeting::{EmptyTest, KnownTypesTest, Request, Response};
use wasm_plugin_guest::prost_types::{value::Kind, Duration, ListValue, Value};
use wasm_plugin_guest::Error;

struct Plugin;

impl KnownTypesTest for Plugin {
    fn test(&self, request: Request) -> Result<Response, Error> {
        let a = request.a.unwrap_or_default();
        let b = request.b.map(|mut b| {
            b.seconds += a.seconds;
            b.nanos += a.nanos;
            b.normalize();
            b
        });
        Ok(Response {
            a: Some(Duration {
                seconds: 120,
                nanos: 0,
            }),
            b,
            c: request.c.map(transform).transpose()?,
            d: request.d.map(|v| !v),
            e: request.e.map(|v| [v, b"Value".to_vec()].concat()),
            f: request.f.map(|v| v * 2.0),
            g: request.g.map(|v| v * 2.0),
            h: request.h.map(|v| v * 2),
            i: request.i.map(|v| v * 2),
            j: request.j.map(|v| v + "Value"),
            k: request.k.map(|v| v * 2),
            l: request.l.map(|v| v * 2),
        })
    }
}

/// As go-plugin's GetC: "CA" + "BBB", "CB" negated, "CC" doubled, "FOO" appended to "CD".
fn transform(value: Value) -> Result<Value, Error> {
    let Some(Kind::StructValue(mut object)) = value.kind else {
        return Err(Error::new("c must be an object"));
    };
    for (key, field) in object.fields.iter_mut() {
        field.kind = match (key.as_str(), field.kind.take()) {
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
    Ok(Value {
        kind: Some(Kind::StructValue(object)),
    })
}

impl EmptyTest for Plugin {
    fn do_nothing(&self, _request: ()) -> Result<(), Error> {
        Ok(())
    }
}

wasm_plugin_guest::register!(KnownTypesTest => Plugin, EmptyTest => Plugin);
