//! Reads what it is granted and works as long as it is let: the host decides both.

mod tasks {
    wasm_plugin_guest::include_proto!("tasks");
}

use tasks::{CrunchRequest, Host, LogLine, SummarizeRequest, Summary, Tasks};
use wasm_plugin_guest::Error;

struct Plugin;

impl Tasks for Plugin {
    fn summarize(&self, request: SummarizeRequest) -> Result<Summary, Error> {
        let path = format!("/data/{}", request.file);
        let content = std::fs::read_to_string(&path)
            .map_err(|error| Error::new(format!("cannot read {path}: {error}")))?;
        let role = std::env::var("ROLE").unwrap_or_else(|_| "nobody".into());
        Host::new().log(LogLine {
            text: format!("{role} read {path}"),
        })?;
        Ok(Summary {
            text: content.lines().next().unwrap_or_default().to_owned(),
        })
    }

    fn crunch(&self, request: CrunchRequest) -> Result<Summary, Error> {
        let mut checksum = 0u64;
        for round in 0..request.rounds {
            checksum = std::hint::black_box(checksum.wrapping_mul(31).wrapping_add(round));
        }
        Ok(Summary {
            text: format!("checksum {checksum}"),
        })
    }
}

wasm_plugin_guest::register!(Tasks => Plugin);
