//! The shop: prices items with the pricing plugin and records each charge with the audit plugin,
//! handing the one's reply (a `shop.money.Money`) to the other as it is.

use audit_proto::shop::audit::{AuditPlugin, Entry};
use clap::Parser;
use money_proto::shop::money::Money;
use pricing_proto::shop::pricing::{Catalog, Item, PricingPlugin, Quote};
use wasm_plugin_runtime::{HostContext, HostError, Loader};

/// Prices items for a customer.
#[derive(Parser)]
struct Arguments {
    /// The pricing plugin (.wasm).
    pricing: String,
    /// The audit plugin (.wasm).
    audit: String,
    /// A coupon such as SAVE15.
    #[arg(long, default_value = "")]
    coupon: String,
    /// The items to price.
    #[arg(long = "item", default_values = ["book", "pen"])]
    items: Vec<String>,
}

struct Shelf;

impl Catalog for Shelf {
    fn list_price(&self, _context: &HostContext<'_>, request: Item) -> Result<Money, HostError> {
        let cents = match request.name.as_str() {
            "book" => 2000,
            "pen" => 350,
            other => return Err(HostError::new(format!("no {other} on the shelf"))),
        };
        Ok(Money {
            currency: "EUR".into(),
            cents,
        })
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let arguments = Arguments::parse();
    let loader = Loader::new()?;
    let pricing = PricingPlugin::load(&loader, &arguments.pricing, Shelf)?;
    let audit = AuditPlugin::load(&loader, &arguments.audit)?;
    for item in arguments.items {
        let price = pricing.price(Quote {
            item: item.clone(),
            coupon: arguments.coupon.clone(),
        })?;
        let receipt = audit.record(Entry {
            item,
            charged: Some(price),
        })?;
        println!("{}", receipt.line);
    }
    Ok(())
}
