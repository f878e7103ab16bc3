//! Describes a page it fetches through the host's `HttpGet`. The plugin's code is the same
//! whether the host's functions block or are async: the plugin just calls them.

mod pages {
    wasm_plugin_guest::include_proto!("pages");
}

use pages::{DescribeRequest, Http, HttpGetRequest, PageReader, PageSummary};
use wasm_plugin_guest::Error;

struct Reader;

impl PageReader for Reader {
    fn describe(&self, request: DescribeRequest) -> Result<PageSummary, Error> {
        let page = Http::new().http_get(HttpGetRequest { url: request.url })?;
        let text = String::from_utf8_lossy(&page.body);
        let title = text
            .split_once("<title>")
            .and_then(|(_, rest)| rest.split_once("</title>"))
            .map_or("", |(title, _)| title.trim());
        Ok(PageSummary {
            status: page.status,
            title: title.to_owned(),
            bytes: page.body.len() as u64,
        })
    }
}

wasm_plugin_guest::register!(PageReader => Reader);
