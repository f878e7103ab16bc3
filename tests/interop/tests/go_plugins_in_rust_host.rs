//! go-plugin's own Go plugins, built from its repository with Go for wasip1, driven by a Rust
//! host generated from the same `.proto` files: the results go-plugin's tests expect.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use wasm_plugin_interop::{
    fields, go_plugin, helloworld, helloworld_v2, hostfunctions, hostfunctions_async, loader,
    wellknown,
};
use wasm_plugin_runtime::prost_types::{
    value::Kind, Duration, ListValue, Struct, Timestamp, Value,
};
use wasm_plugin_runtime::{Error, HostContext, HostError};

#[test]
fn fields_plugin_transforms_every_field() {
    use fields::greeting::{
        request, response, Enum, ErrorRequest, FieldTestPlugin, IntValue, Request, Response,
    };
    let plugin = FieldTestPlugin::load(&loader(), go_plugin("tests/fields/plugin")).expect("load");
    assert!(plugin.test_empty_input(()).expect("empty input").ok);
    let got = plugin
        .test(Request {
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
            r: Some(request::Nested {
                a: "samurai".into(),
            }),
            s: Enum::A as i32,
        })
        .expect("test");
    assert_eq!(
        got,
        Response {
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
            r: Some(response::Nested { a: "ninja".into() }),
            s: Enum::B as i32,
        }
    );
    for text in ["", "error from plugin"] {
        let error = plugin
            .test_error(ErrorRequest {
                err_text: text.into(),
            })
            .expect_err("error response");
        assert!(
            matches!(&error, Error::Plugin { message, .. } if message == text),
            "{error:?}"
        );
    }
}

fn string(s: &str) -> Value {
    Value {
        kind: Some(Kind::StringValue(s.into())),
    }
}

fn object(fields: Vec<(&str, Value)>) -> Value {
    Value {
        kind: Some(Kind::StructValue(Struct {
            fields: fields.into_iter().map(|(k, v)| (k.to_owned(), v)).collect(),
        })),
    }
}

fn list(values: Vec<Value>) -> Value {
    Value {
        kind: Some(Kind::ListValue(ListValue { values })),
    }
}

/// go-plugin's tests/well-known input and expected output.
pub fn well_known_case() -> (wellknown::greeting::Request, wellknown::greeting::Response) {
    use wellknown::greeting::{Request, Response};
    let number = |n: f64| Value {
        kind: Some(Kind::NumberValue(n)),
    };
    let boolean = |b: bool| Value {
        kind: Some(Kind::BoolValue(b)),
    };
    let null = Value {
        kind: Some(Kind::NullValue(0)),
    };
    let cd = |extra: Option<Value>| {
        let mut values = vec![
            object(vec![("CE", string("CF"))]),
            object(vec![("CG", string("CH")), ("CI", string("CJ"))]),
        ];
        values.extend(extra);
        list(values)
    };
    // 2022-01-02T03:04:05.000000006Z
    let b = Timestamp {
        seconds: 1_641_092_645,
        nanos: 6,
    };
    let request = Request {
        a: Some(Duration {
            seconds: 3600,
            nanos: 0,
        }),
        b: Some(b),
        c: Some(object(vec![
            ("CA", string("AAA")),
            ("CB", boolean(true)),
            ("CC", number(100.0)),
            ("CD", cd(None)),
            ("CK", null.clone()),
        ])),
        d: Some(true),
        e: Some(b"Bytes".to_vec()),
        f: Some(1.2),
        g: Some(3.4),
        h: Some(1),
        i: Some(2),
        j: Some("String".into()),
        k: Some(3),
        l: Some(4),
    };
    let response = Response {
        a: Some(Duration {
            seconds: 120,
            nanos: 0,
        }),
        b: Some(Timestamp {
            seconds: b.seconds + 3600,
            nanos: 6,
        }),
        c: Some(object(vec![
            ("CA", string("AAABBB")),
            ("CB", boolean(false)),
            ("CC", number(200.0)),
            ("CD", cd(Some(string("FOO")))),
            ("CK", null),
        ])),
        d: Some(false),
        e: Some(b"BytesValue".to_vec()),
        f: Some(2.4),
        g: Some(6.8),
        h: Some(2),
        i: Some(4),
        j: Some("StringValue".into()),
        k: Some(6),
        l: Some(8),
    };
    (request, response)
}

#[test]
fn well_known_plugin_transforms_every_type() {
    use wellknown::greeting::{EmptyTestPlugin, KnownTypesTestPlugin};
    let module = loader()
        .compile_file(go_plugin("tests/well-known/plugin"))
        .expect("compile");
    let (request, expected) = well_known_case();
    let known = KnownTypesTestPlugin::from_module(&module).expect("known types");
    assert_eq!(known.test(request).expect("test"), expected);
    EmptyTestPlugin::from_module(&module)
        .expect("empty test")
        .do_nothing(())
        .expect("do nothing");
}

#[derive(Default, Clone)]
struct JsonParser {
    fail: bool,
    calls: Arc<AtomicU64>,
}

impl hostfunctions::host::HostFunctions for JsonParser {
    fn parse_json(
        &self,
        _context: &HostContext<'_>,
        request: hostfunctions::host::ParseJsonRequest,
    ) -> Result<hostfunctions::host::ParseJsonResponse, HostError> {
        self.calls.fetch_add(1, Ordering::Relaxed);
        if self.fail {
            return Err(HostError::new("the host refuses to parse"));
        }
        let json: serde_json::Value = serde_json::from_slice(&request.content)?;
        Ok(hostfunctions::host::ParseJsonResponse {
            response: Some(hostfunctions::host::Person {
                name: json["name"].as_str().unwrap_or_default().to_owned(),
                age: json["age"].as_i64().unwrap_or_default(),
            }),
        })
    }
}

#[test]
fn host_functions_plugin_calls_rust_host_functions() {
    use hostfunctions::host::{GreetRequest, GreeterPlugin};
    let host = JsonParser::default();
    let plugin = GreeterPlugin::load(
        &loader(),
        go_plugin("tests/host-functions/plugin"),
        host.clone(),
    )
    .expect("load");
    let reply = plugin
        .greet(GreetRequest {
            name: "Sato".into(),
        })
        .expect("greet");
    assert_eq!(reply.message, "Hello, Sato. This is Yamada (age 20).");
    assert_eq!(host.calls.load(Ordering::Relaxed), 1);
}

#[test]
fn a_failing_host_function_stops_the_call_of_a_go_plugin_as_in_go_plugin() {
    use hostfunctions::host::{GreetRequest, GreeterPlugin};
    let failing = JsonParser {
        fail: true,
        ..Default::default()
    };
    let plugin = GreeterPlugin::load(&loader(), go_plugin("tests/host-functions/plugin"), failing)
        .expect("load");
    let error = plugin
        .greet(GreetRequest {
            name: "Sato".into(),
        })
        .expect_err("host fails");
    assert!(
        matches!(&error, Error::HostFunction { import, message, .. } if import == "env.parse_json" && message == "the host refuses to parse"),
        "{error:?}"
    );
}

#[test]
fn helloworld_plugins_greet() {
    use helloworld::greeting::{GreetRequest, GreeterPlugin};
    let loader = loader();
    for (package, expected) in [
        (
            "examples/helloworld/plugin-morning",
            "Good morning, go-plugin",
        ),
        (
            "examples/helloworld/plugin-evening",
            "Good evening, go-plugin",
        ),
    ] {
        let plugin = GreeterPlugin::load(&loader, go_plugin(package)).expect("load");
        let reply = plugin
            .greet(GreetRequest {
                name: "go-plugin".into(),
            })
            .expect("greet");
        assert_eq!(reply.message, expected);
    }
}

#[test]
fn a_host_of_another_version_refuses_a_go_plugin() {
    let error = helloworld_v2::greeting::GreeterPlugin::load(
        &loader(),
        go_plugin("examples/helloworld/plugin-morning"),
    )
    .expect_err("version 1 plugin, version 2 host");
    // go-plugin's message, after the name of the plugin.
    let message = error.to_string();
    assert!(
        message.starts_with("plugin ")
            && message.contains("plugin-morning")
            && message.ends_with(": API version mismatch, host: 2, plugin: 1"),
        "{message}"
    );
}

#[test]
fn a_hundred_thousand_calls_with_host_functions_leak_nothing() {
    use hostfunctions::host::{GreetRequest, GreeterPlugin};
    let host = JsonParser::default();
    let plugin = GreeterPlugin::load(
        &loader(),
        go_plugin("tests/host-functions/plugin"),
        host.clone(),
    )
    .expect("load");
    let call = |n: u32| {
        let reply = plugin
            .greet(GreetRequest {
                name: format!("caller {n}"),
            })
            .expect("greet");
        assert_eq!(
            reply.message,
            format!("Hello, caller {n}. This is Yamada (age 20).")
        );
    };
    (0..10_000).for_each(call);
    let warm = plugin.as_ref().stats().memory_bytes;
    (10_000..100_000).for_each(call);
    let after = plugin.as_ref().stats().memory_bytes;
    assert_eq!(host.calls.load(Ordering::Relaxed), 100_000);
    // The Go guest never frees host function responses; the host does it for it (docs/abi.md).
    assert!(
        after <= warm + (1 << 20),
        "guest memory grew from {warm} to {after} bytes"
    );
}

/// `ParseJson` as an async host function, which yields to the executor before answering.
struct AsyncJsonParser {
    fail: bool,
}

impl hostfunctions_async::host::HostFunctions for AsyncJsonParser {
    async fn parse_json(
        &self,
        _context: &HostContext<'_>,
        request: hostfunctions_async::host::ParseJsonRequest,
    ) -> Result<hostfunctions_async::host::ParseJsonResponse, HostError> {
        tokio::task::yield_now().await;
        if self.fail {
            return Err(HostError::new("the host refuses to parse"));
        }
        let json: serde_json::Value = serde_json::from_slice(&request.content)?;
        Ok(hostfunctions_async::host::ParseJsonResponse {
            response: Some(hostfunctions_async::host::Person {
                name: json["name"].as_str().unwrap_or_default().to_owned(),
                age: json["age"].as_i64().unwrap_or_default(),
            }),
        })
    }
}

#[test]
fn a_go_plugin_runs_in_an_async_host() {
    use hostfunctions_async::host::{GreetRequest, GreeterPlugin};
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .expect("runtime");
    runtime.block_on(async {
        let path = go_plugin("tests/host-functions/plugin");
        let plugin = GreeterPlugin::load(&loader(), &path, AsyncJsonParser { fail: false })
            .await
            .expect("load");
        let sato = GreetRequest {
            name: "Sato".into(),
        };
        let reply = plugin.greet(sato.clone()).await.expect("greet");
        assert_eq!(reply.message, "Hello, Sato. This is Yamada (age 20).");

        // A failing host function stops a go-plugin guest's call, as with blocking calls.
        let failing = GreeterPlugin::load(&loader(), &path, AsyncJsonParser { fail: true })
            .await
            .expect("load");
        let error = failing.greet(sato).await.expect_err("host fails");
        assert!(
            matches!(&error, Error::HostFunction { import, message, .. } if import == "env.parse_json" && message == "the host refuses to parse"),
            "{error:?}"
        );
    });
}
