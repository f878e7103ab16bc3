//! An audit plugin: one line per charge.

use audit_proto::shop::audit::{Audit, Entry, Receipt};
use wasm_plugin_guest::Error;

struct Ledger;

impl Audit for Ledger {
    fn record(&self, request: Entry) -> Result<Receipt, Error> {
        let charged = request.charged.unwrap_or_default();
        Ok(Receipt {
            line: format!("{}: {}", request.item, pricing_rules::format(&charged)),
        })
    }
}

wasm_plugin_guest::register!(Audit => Ledger);
