//! A plugin whose messages prost's options shaped: it relies on `Bytes` and `BTreeMap` (the
//! code does not compile with `Vec<u8>` and `HashMap`).

mod shaped {
    wasm_plugin_guest::include_proto!("shaped");
}

use shaped::{Parcel, Shaper};
use wasm_plugin_guest::prost::bytes::{Bytes, BytesMut};
use wasm_plugin_guest::Error;

struct Plugin;

impl Shaper for Plugin {
    fn pack(&self, request: Parcel) -> Result<Parcel, Error> {
        let mut data = BytesMut::new();
        for chunk in &request.chunks {
            data.extend_from_slice(chunk);
        }
        // A `BTreeMap` iterates in key order.
        let order: Vec<&str> = request.labels.keys().map(String::as_str).collect();
        let mut labels = request.labels.clone();
        labels.insert("order".into(), order.join(","));
        Ok(Parcel {
            data: Bytes::from(data),
            labels,
            chunks: Vec::new(),
        })
    }
}

wasm_plugin_guest::register!(Shaper => Plugin);
