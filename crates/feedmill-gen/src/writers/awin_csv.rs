//! Awin's CSV product feed (`awin-csv`): a header row of Awin's column names, then one row per
//! offer with `search_price` as `12.99`, `display_price` as `EUR12.99`, `in_stock` as 1/0, the
//! merchant's category joined with `" > "`, and Awin's tracked `aw_deep_link` beside the
//! merchant's landing page. About 500–600 bytes a row.

use super::{datetime, decimal};
use crate::catalogue::OfferRecord;
use crate::escape::csv_field;
use std::io::{self, Write};

/// The columns, in Awin's order; unknown ones (`Fashion:size`) land in `extra`.
const COLUMNS: &[&str] = &[
    "aw_deep_link",
    "product_name",
    "aw_product_id",
    "merchant_product_id",
    "merchant_image_url",
    "description",
    "merchant_category",
    "search_price",
    "merchant_name",
    "merchant_id",
    "category_name",
    "aw_image_url",
    "currency",
    "delivery_cost",
    "merchant_deep_link",
    "display_price",
    "product_price_old",
    "brand_name",
    "in_stock",
    "stock_quantity",
    "ean",
    "mpn",
    "data_feed_id",
    "last_updated",
    "Fashion:size",
];
/// The publisher id in Awin click URLs (`a=`).
const PUBLISHER_ID: u32 = 394_937;

pub fn header<W: Write + ?Sized>(out: &mut W) -> io::Result<()> {
    writeln!(out, "{}", COLUMNS.join(","))
}

pub fn record<W: Write + ?Sized>(out: &mut W, rec: &OfferRecord) -> io::Result<()> {
    let merchant = rec.merchant;
    let currency = rec.currency;
    // Awin's product id: unique per offer, 11 digits like the real ones.
    let aw_product_id = 30_000_000_000 + rec.product * 97 + u64::from(merchant.id % 97);
    let price = rec.price.map(decimal).unwrap_or_default();
    let display_price = rec
        .price
        .map(|p| format!("{currency}{}", decimal(p)))
        .unwrap_or_default();
    let (deep_link, landing) = match &rec.product_url {
        Some(url) => (
            format!(
                "https://www.awin1.com/pclick.php?p={aw_product_id}&a={PUBLISHER_ID}&m={}",
                merchant.id
            ),
            url.as_str(),
        ),
        None => (String::new(), ""),
    };
    let aw_image = format!(
        "https://images2.productserve.com/?w=200&h=200&url={}_{}_a",
        merchant.code, rec.product
    );
    let fields: [&str; 25] = [
        &deep_link,
        &rec.title,
        &aw_product_id.to_string(),
        &rec.sku,
        &rec.image_url,
        &rec.description,
        &rec.category.join(" > "),
        &price,
        &merchant.name,
        &merchant.id.to_string(),
        rec.category[2],
        &aw_image,
        currency,
        &decimal(rec.shipping),
        landing,
        &display_price,
        &rec.old_price.map(decimal).unwrap_or_default(),
        rec.brand,
        if rec.in_stock { "1" } else { "0" },
        &rec.stock_quantity.to_string(),
        &rec.gtin,
        &rec.mpn,
        &(merchant.id / 7).to_string(),
        &datetime(rec.updated_at),
        rec.size,
    ];
    for (i, field) in fields.iter().enumerate() {
        if i > 0 {
            out.write_all(b",")?;
        }
        csv_field(out, field)?;
    }
    out.write_all(b"\n")
}
