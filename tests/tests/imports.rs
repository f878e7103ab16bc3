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
