//! oneof, proto3 optional, maps with integer, bool and enum keys, repeated messages, and 4 MiB
//! payloads in both directions.

use std::collections::HashMap;

use wasm_plugin_tests::extras::{
    inspection::Shape, Blob, Circle, Collections, Color, ExtrasPlugin, Inspection, Point,
    Rectangle, Report, Size,
};
use wasm_plugin_tests::{loader, wasm_file};

fn load() -> ExtrasPlugin {
    ExtrasPlugin::load(&loader(), wasm_file("extras")).expect("load the extras plugin")
}

#[test]
fn the_interface_version_comes_from_the_directive() {
    assert_eq!(ExtrasPlugin::API_VERSION, 3);
}

#[test]
fn each_oneof_case_and_optional_presence_arrives() {
    let plugin = load();
    let report = plugin
        .inspect(Inspection {
            shape: Some(Shape::Circle(Circle { radius: 1.5 })),
            maybe_number: Some(0),
            maybe_text: None,
            maybe_flag: Some(false),
        })
        .expect("inspect");
    assert_eq!(
        report,
        Report {
            description: "circle of radius 1.5".into(),
            // Present with default values is still present.
            present: vec!["maybe_number".into(), "maybe_flag".into()],
            doubled: Some(0),
        }
    );
    let report = plugin
        .inspect(Inspection {
            shape: Some(Shape::Rectangle(Rectangle {
                width: 2.0,
                height: 3.0,
            })),
            maybe_text: Some(String::new()),
            ..Default::default()
        })
        .expect("inspect");
    assert_eq!(report.description, "rectangle of 2x3");
    assert_eq!(report.present, vec!["maybe_text".to_owned()]);
    assert_eq!(report.doubled, None);
    let report = plugin
        .inspect(Inspection {
            shape: Some(Shape::Named(String::new())),
            ..Default::default()
        })
        .expect("inspect");
    assert_eq!(report.description, "shape named \"\"");
    assert_eq!(
        plugin
            .inspect(Inspection::default())
            .expect("inspect")
            .description,
        "no shape"
    );
}

#[test]
fn maps_with_any_key_type_and_repeated_messages_are_rearranged() {
    let point = |x, y| Point { x, y };
    let reply = load()
        .rearrange(Collections {
            by_int32: HashMap::from([(1, "one".into()), (-2, "minus two".into())]),
            by_uint64: HashMap::from([(u64::MAX - 1, "max".into())]),
            by_bool: HashMap::from([(true, "yes".into())]),
            colors: HashMap::from([
                ("sky".into(), Color::Red as i32),
                ("grass".into(), Color::Green as i32),
            ]),
            points: HashMap::from([(-3, point(1, -1))]),
            path: vec![point(0, 0), point(1, 2), point(-3, 4)],
            palette: vec![Color::Red as i32, Color::Unspecified as i32],
        })
        .expect("rearrange");
    assert_eq!(
        reply,
        Collections {
            by_int32: HashMap::from([(-1, "ONE".into()), (2, "MINUS TWO".into())]),
            by_uint64: HashMap::from([(u64::MAX, "max".into())]),
            by_bool: HashMap::from([(false, "yes".into())]),
            colors: HashMap::from([
                ("sky".into(), Color::Green as i32),
                ("grass".into(), Color::Red as i32),
            ]),
            points: HashMap::from([(-6, point(-1, 1))]),
            path: vec![point(-3, 4), point(1, 2), point(0, 0)],
            palette: vec![Color::Unspecified as i32, Color::Red as i32],
        }
    );
}

#[test]
fn four_mebibyte_payloads_cross_both_ways() {
    let plugin = load();
    let data: Vec<u8> = (0..4u32 << 20)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 24) as u8)
        .collect();
    let echoed = plugin
        .echo(Blob { data: data.clone() })
        .expect("echo 4 MiB");
    assert_eq!(echoed.data.len(), data.len());
    assert!(echoed.data == data, "the echoed payload differs");

    let produced = plugin
        .produce(Size { bytes: 4 << 20 })
        .expect("produce 4 MiB");
    assert_eq!(produced.data.len(), 4 << 20);
    assert!(produced
        .data
        .iter()
        .enumerate()
        .all(|(i, b)| *b == (i % 251) as u8));
}
