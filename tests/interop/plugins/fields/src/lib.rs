//! go-plugin's tests/fields plugin, in Rust: the same transformation of every field.

mod greeting {
    wasm_plugin_guest::include_proto!("greeting");
}

use greeting::{
    request, response, ErrorRequest, FieldTest, Request, Response, TestEmptyInputResponse,
};
use wasm_plugin_guest::Error;

struct Plugin;

impl FieldTest for Plugin {
    fn test(&self, request: Request) -> Result<Response, Error> {
        let mut q = request.q;
        if let Some(value) = q.get_mut("key") {
            value.a += 1;
        }
        Ok(Response {
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
            r: request
                .r
                .filter(|r: &request::Nested| r.a == "samurai")
                .map(|_| response::Nested { a: "ninja".into() }),
            s: request.s + 1,
        })
    }

    fn test_empty_input(&self, _request: ()) -> Result<TestEmptyInputResponse, Error> {
        Ok(TestEmptyInputResponse { ok: true })
    }

    fn test_error(&self, request: ErrorRequest) -> Result<Response, Error> {
        Err(Error::new(request.err_text))
    }
}

wasm_plugin_guest::register!(FieldTest => Plugin);
