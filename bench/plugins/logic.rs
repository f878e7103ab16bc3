// The guest logic all three plugins share, included into each next to its `bench` module of
// prost messages.

use crate::bench::{request, response, Blob, Request, Response};

pub fn echo(request: Blob) -> Blob {
    request
}

/// go-plugin's tests/fields transformation.
pub fn fields(request: Request) -> Response {
    let mut q = request.q;
    if let Some(value) = q.get_mut("key") {
        value.a += 1;
    }
    Response {
        a: request.a * 2.0,
        b: request.b * 2.0,
        c: request.c.wrapping_mul(2),
        d: request.d.wrapping_mul(2),
        e: request.e.wrapping_mul(2),
        f: request.f.wrapping_mul(2),
        g: request.g.wrapping_mul(2),
        h: request.h.wrapping_mul(2),
        i: request.i.wrapping_mul(2),
        j: request.j.wrapping_mul(2),
        k: request.k.wrapping_mul(2),
        l: request.l.wrapping_mul(2),
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
    }
}
