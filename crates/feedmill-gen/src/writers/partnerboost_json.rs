//! PartnerBoost's datafeed JSON (`partnerboost-json`): the `status` / `data` / `list` envelope
//! with every number a string (`"price":"34.32"`, `"updated_at":"1710122547"`), the literal
//! `n/a` for some descriptions, some empty `tracking_url`s, the category joined with `" / "`.
//! One item per line, as the API sends them.

use super::decimal;
use crate::catalogue::OfferRecord;
use crate::escape::{json_string, percent_encode};
use std::io::{self, Write};

/// The publisher token in tracking URLs.
const TOKEN: &str = "f3a9c2e17b";

pub fn header<W: Write + ?Sized>(out: &mut W, num_offers: u64) -> io::Result<()> {
    writeln!(
        out,
        "{{\"status\":{{\"code\":0,\"msg\":\"success\"}},\"data\":{{\"total\":\"{num_offers}\",\"list\":["
    )
}

pub fn record<W: Write + ?Sized>(out: &mut W, rec: &OfferRecord) -> io::Result<()> {
    let merchant = rec.merchant;
    if rec.position > 0 {
        out.write_all(b",\n")?;
    }
    // Deterministic per record: some items lack a description or a tracking URL, as real ones do.
    let no_description = rec.product % 10 == 3;
    let no_tracking = (rec.product + rec.position).is_multiple_of(5);
    let (url, tracking, short) = match &rec.product_url {
        Some(url) if no_tracking => (url.as_str(), String::new(), String::new()),
        Some(url) => (
            url.as_str(),
            format!(
                "https://app.partnerboost.com/track/{TOKEN}?url={}",
                percent_encode(url)
            ),
            format!(
                "https://pboost.me/{:x}",
                rec.product * 8 + u64::from(merchant.id % 8)
            ),
        ),
        None => ("", String::new(), String::new()),
    };
    let fields: [(&str, &str); 20] = [
        ("name", &rec.title),
        (
            "description",
            if no_description {
                "n/a"
            } else {
                &rec.description
            },
        ),
        ("brand_id", &(merchant.id + 7).to_string()),
        ("mcid", &merchant.code),
        ("merchant_name", &merchant.name),
        ("url", url),
        ("image", &rec.image_url),
        ("sku", &rec.sku),
        ("category", &rec.category.join(" / ")),
        ("price", &rec.price.map(decimal).unwrap_or_default()),
        ("currency", rec.currency),
        ("old_price", &rec.old_price.map(decimal).unwrap_or_default()),
        ("brand", rec.brand),
        (
            "availability",
            if rec.in_stock {
                "in stock"
            } else {
                "out of stock"
            },
        ),
        ("gtin", &rec.gtin),
        ("mpn", &rec.mpn),
        ("tracking_url", &tracking),
        ("tracking_url_short", &short),
        ("tracking_url_smart", ""),
        ("updated_at", &rec.updated_at.to_string()),
    ];
    out.write_all(b"{")?;
    for (i, (key, value)) in fields.iter().enumerate() {
        if i > 0 {
            out.write_all(b",")?;
        }
        write!(out, "\"{key}\":")?;
        json_string(out, value)?;
    }
    out.write_all(b"}")
}
