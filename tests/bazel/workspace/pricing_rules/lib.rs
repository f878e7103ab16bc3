//! Pricing rules shared by the discount plugin (wasm32-wasip1) and the shop (the host): one
//! source, compiled for each.

use money_proto::shop::money::Money;
use num_traits::CheckedMul;

/// `money` less `percent` per cent, rounded down to the cent.
pub fn discounted(money: &Money, percent: i64) -> Money {
    let kept = CheckedMul::checked_mul(&money.cents, &(100 - percent)).unwrap_or(i64::MAX) / 100;
    Money {
        currency: money.currency.clone(),
        cents: kept,
    }
}

/// `12.34 EUR`.
pub fn format(money: &Money) -> String {
    format!("{}.{:02} {}", money.cents / 100, money.cents % 100, money.currency)
}

/// The largest amount (by currency, then cents): `Money` is `Ord` by the workspace's glue
/// options (`//:glue_options`).
pub fn largest(amounts: &[Money]) -> Option<&Money> {
    amounts.iter().max()
}
