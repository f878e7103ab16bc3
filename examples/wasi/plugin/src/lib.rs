//! Reads files with plain `std::fs`: WASI gives it only what the host granted.

mod cat {
    wasm_plugin_guest::include_proto!("cat");
}

use cat::{CatReply, CatRequest, FileCat};
use wasm_plugin_guest::Error;

struct Plugin;

impl FileCat for Plugin {
    fn cat(&self, request: CatRequest) -> Result<CatReply, Error> {
        let content = std::fs::read_to_string(&request.path)
            .map_err(|error| Error::new(format!("cannot read {}: {error}", request.path)))?;
        Ok(CatReply { content })
    }
}

wasm_plugin_guest::register!(FileCat => Plugin);
