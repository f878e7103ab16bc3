//! Messages shaped by prost's options on both sides (`Bytes`, `BTreeMap`, `Eq`): the service
//! glue carries them like any other. Also checks that large `bytes` fields are not copied more
//! than once on either side. The options come from tests/build.rs under Cargo and from the
//! targets' `glue_options` under Bazel.

use std::collections::BTreeMap;

use wasm_plugin_runtime::prost::bytes::Bytes;
use wasm_plugin_runtime::{HostContext, HostError};
use wasm_plugin_testing::alloc::allocated_by;
use wasm_plugin_tests::{loader, wasm_file};

mod shaped {
    wasm_plugin_runtime::include_proto!("shaped");
}
use shaped::{Inspection, Parcel, ShaperPlugin};

/// The host's `Stockroom`: parcels of the size the request's data names, in decimal.
struct Stockroom;

impl shaped::Stockroom for Stockroom {
    fn fetch(&self, _context: &HostContext<'_>, request: Parcel) -> Result<Parcel, HostError> {
        let size: usize = std::str::from_utf8(&request.data)
            .ok()
            .and_then(|size| size.parse().ok())
            .ok_or_else(|| HostError::new("the data must be a size, in decimal"))?;
        Ok(parcel(Bytes::from(vec![3; size])))
    }
}

fn load() -> ShaperPlugin {
    ShaperPlugin::load(&loader(), wasm_file("shaped"), Stockroom).expect("load")
}

#[test]
fn bytes_maps_and_attributes_survive_the_round_trip() {
    let plugin = load();
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

fn parcel(data: Bytes) -> Parcel {
    Parcel {
        data,
        labels: BTreeMap::new(),
        chunks: Vec::new(),
    }
}

#[test]
fn large_bytes_fields_cross_with_one_copy_each_way() {
    let plugin = load();
    let large = Bytes::from((0..1 << 20).map(|i| i as u8).collect::<Vec<u8>>());
    // The first answer of this size grows the plugin's result block, which the plugin counts
    // at its next call.
    for _ in 0..2 {
        plugin.inspect(parcel(large.clone())).expect("warm-up");
    }

    let (reply, host_allocated) = allocated_by(|| plugin.inspect(parcel(large.clone())));
    let reply: Inspection = reply.expect("inspect");
    assert_eq!(reply.data, large);
    // The plugin decoded the 1 MiB request as a view of the block the host handed over.
    assert!(
        reply.allocated < 4 << 10,
        "the plugin allocated {} bytes to decode a 1 MiB request",
        reply.allocated
    );
    // The host copied the reply's data once, out of the plugin's memory, and no more.
    assert!(
        (1 << 20..3 << 19).contains(&host_allocated),
        "the host allocated {host_allocated} bytes to read a 1 MiB reply"
    );

    // A small request is copied instead (below `OWNED_REQUEST_MIN`): the count sees it.
    let small = Bytes::from(vec![7u8; 8 << 10]);
    let reply = plugin.inspect(parcel(small.clone())).expect("inspect");
    assert_eq!(reply.data, small);
    assert!(
        reply.allocated >= 8 << 10,
        "the plugin allocated only {} bytes to decode an 8 KiB request",
        reply.allocated
    );
}

#[test]
fn large_host_function_replies_are_not_copied_in_the_plugin() {
    let plugin = load();
    let fetch = |size: usize| {
        let reply = plugin
            .inspect_fetched(parcel(Bytes::from(size.to_string())))
            .expect("inspect fetched");
        assert_eq!(reply.data, vec![3; size]);
        reply.allocated
    };
    // The plugin decoded the 1 MiB reply as a view of the block the host wrote it into.
    let allocated = fetch(1 << 20);
    assert!(
        allocated < 4 << 10,
        "the plugin allocated {allocated} bytes to decode a 1 MiB reply"
    );
    // A small reply is copied instead (below `OWNED_REQUEST_MIN`): the count sees it.
    let allocated = fetch(8 << 10);
    assert!(
        allocated >= 8 << 10,
        "the plugin allocated only {allocated} bytes to decode an 8 KiB reply"
    );
}

#[global_allocator]
static ALLOCATOR: wasm_plugin_testing::alloc::Counting = wasm_plugin_testing::alloc::Counting;
