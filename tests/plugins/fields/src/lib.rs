//! Transforms every kind of field, like go-plugin's tests/fields plugin.

mod fields {
    wasm_plugin_guest::include_proto!("fields");
}

use fields::{scalars::Nested, EmptyInputReply, FailRequest, FieldTest, Scalars};
use wasm_plugin_guest::Error;

struct Plugin;

impl FieldTest for Plugin {
    fn transform(&self, request: Scalars) -> Result<Scalars, Error> {
        let mut q = request.q;
        if let Some(value) = q.get_mut("key") {
            value.a += 1;
        }
        Ok(Scalars {
            a: request.a * 2.0,
            b: request.b * 2.0,
            c: request.c * 2,
            d: request.d * 2,
            e: request.e * 2,
            f: request.f * 2,
            g: request.g * 2,
            h: request.h * 2,
            i: request.i * 2,
            j: request.j * 2,
            k: request.k * 2,
            l: request.l * 2,
            m: !request.m,
            n: request.n + "bar",
            o: [request.o, b"fuga".to_vec()].concat(),
            p: request.p.into_iter().skip(1).collect(),
            q,
            r: request.r.filter(|r| r.a == "samurai").map(|r| Nested {
                a: "ninja".into(),
                inner: r.inner.map(|mut inner| {
                    inner.values.reverse();
                    inner
                }),
            }),
            s: request.s + 1,
        })
    }

    fn take_empty(&self, _request: ()) -> Result<EmptyInputReply, Error> {
        Ok(EmptyInputReply { ok: true })
    }

    fn give_empty(&self, _request: Scalars) -> Result<(), Error> {
        Ok(())
    }

    fn fail(&self, request: FailRequest) -> Result<Scalars, Error> {
        Err(Error::new(request.text))
    }
}

wasm_plugin_guest::register!(FieldTest => Plugin);
