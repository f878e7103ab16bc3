//! A proto importing a message from another package, and services of two packages in one module.

use wasm_plugin_tests::imports::{bar, foo};
use wasm_plugin_tests::{loader, wasm_file};

#[test]
fn a_service_answers_with_a_message_of_another_package() {
    let module = loader()
        .compile_file(wasm_file("imports"))
        .expect("compile");
    let foo = foo::FooPlugin::from_module(&module).expect("foo");
    let bar = bar::BarPlugin::from_module(&module).expect("bar");
    let reply: bar::Reply = foo
        .hello(foo::Request { a: "Ada".into() })
        .expect("foo.hello");
    assert_eq!(reply.a, "foo says hello to Ada");
    assert_eq!(
        bar.hello(bar::Request { a: "Bob".into() })
            .expect("bar.hello")
            .a,
        "bar says hello to Bob"
    );
}

/// `imports.foo` alone, by its module path: its messages refer to `imports.bar`'s, which
/// `include_proto!("imports.foo")` could not resolve.
mod foo_alone {
    wasm_plugin_runtime::include_proto!(imports::foo);
}

#[test]
fn a_package_that_refers_to_another_can_be_included_alone() {
    let module = loader()
        .compile_file(wasm_file("imports"))
        .expect("compile");
    let foo = foo_alone::FooPlugin::from_module(&module).expect("foo");
    let reply = foo
        .hello(foo_alone::Request { a: "Ada".into() })
        .expect("foo.hello");
    assert_eq!(reply.a, "foo says hello to Ada");
}
