//! Messages shaped by prost's options on both sides (`Bytes`, `BTreeMap`, `Eq`): the service
//! glue carries them like any other. Cargo only: under Bazel one options target serves a whole
//! build (tests/bazel/workspace has one).

use std::collections::BTreeMap;

use wasm_plugin_runtime::prost::bytes::Bytes;
use wasm_plugin_tests::shaped::{Parcel, ShaperPlugin};
use wasm_plugin_tests::{loader, wasm_file};

#[test]
fn bytes_maps_and_attributes_survive_the_round_trip() {
    let plugin = ShaperPlugin::load(&loader(), wasm_file("shaped")).expect("load");
    let request = Parcel {
        data: Bytes::new(),
        labels: BTreeMap::from([
            ("zone".to_owned(), "b".to_owned()),
            ("apple".to_owned(), "a".to_owned()),
        ]),
        chunks: vec![Bytes::from_static(b"hello, "), Bytes::from_static(b"world")],
    };
    let reply = plugin.pack(&request).expect("pack");
    let expected = Parcel {
        data: Bytes::from_static(b"hello, world"),
        labels: BTreeMap::from([
            ("apple".to_owned(), "a".to_owned()),
            ("order".to_owned(), "apple,zone".to_owned()),
            ("zone".to_owned(), "b".to_owned()),
        ]),
        chunks: Vec::new(),
    };
    // `Eq`, from the options, lets a parcel be compared as a whole.
    fn same<T: Eq + std::fmt::Debug>(a: &T, b: &T) {
        assert_eq!(a, b);
    }
    same(&reply, &expected);
}
