//! A pricing plugin: the catalog's list price, less what a coupon such as "SAVE15" gives.

use money_proto::shop::money::Money;
use pricing_proto::shop::pricing::{Catalog, Item, Pricing, Quote};
use regex_lite::Regex;
use wasm_plugin_guest::Error;

struct Discount {
    coupon: Regex,
}

impl Pricing for Discount {
    fn price(&self, request: Quote) -> Result<Money, Error> {
        let list = Catalog::new().list_price(Item { name: request.item })?;
        let percent = match self.coupon.captures(&request.coupon) {
            Some(captures) => captures[1].parse::<i64>().unwrap_or(0).min(100),
            None => 0,
        };
        Ok(pricing_rules::discounted(&list, percent))
    }
}

wasm_plugin_guest::register!(Pricing => Discount {
    coupon: Regex::new(r"^SAVE(\d+)$").expect("a valid pattern"),
});
