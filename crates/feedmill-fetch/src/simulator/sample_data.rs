//! Generated records shaped like each network's documented examples (see
//! `shared/NETWORKS.md`): deterministic, so tests can compare hashes across runs.

use serde_json::{Value, json};
use std::io::Write;

/// A GTIN-13 with a valid check digit for sample number `i`.
pub fn sample_ean(i: usize) -> String {
    let body = format!("735000{:06}", i % 1_000_000);
    let sum: u32 = body
        .bytes()
        .enumerate()
        .map(|(pos, b)| u32::from(b - b'0') * if pos % 2 == 0 { 1 } else { 3 })
        .sum();
    format!("{body}{}", (10 - sum % 10) % 10)
}

/// Products as `POST /partner/products/feed/` returns them.
pub fn adtraction_products(program_id: u64, n: usize) -> Vec<Value> {
    (0..n)
        .map(|i| {
            json!({
                "productName": format!("Stekpanna {i} cm"),
                "productPrice": format!("{}.5", 199 + i),
                "oldPrice": 299 + i,
                "productUrl": format!("https://www.kitchentime.se/p/{i}"),
                "trackingUrl": format!(
                    "https://track.adtraction.com/t/t?a=24209996&as=24577691&t=2&tk=1&url=https://www.kitchentime.se/p/{i}"
                ),
                "currency": "SEK",
                "programId": program_id,
                "approvalStatus": 1,
                "ean": sample_ean(i),
                "sku": format!("KT-{i:05}"),
                "extraInfo": [{"key": "color", "value": "black"}],
                "imageUrl": format!("https://www.kitchentime.se/img/{i}.jpg"),
                "inStock": i % 7 != 3,
                "manufacturer": "Satake",
                "manufacturerArticleNumber": format!("ST-{i}"),
                "market": "SE",
                "productCategory": "Kök > Stekpannor",
                "productDescription": "Stekpanna i kolstål.",
                "shipping": 49
            })
        })
        .collect()
}

/// The same products as an Adtraction XML file feed (`<productFeed><product>…`).
pub fn adtraction_feed_xml(products: &[Value]) -> Vec<u8> {
    let text = |p: &Value, key: &str| match &p[key] {
        Value::String(s) => escape_xml(s),
        Value::Null => String::new(),
        other => other.to_string(),
    };
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<productFeed>\n");
    for p in products {
        let in_stock = if p["inStock"] == Value::Bool(true) {
            "yes"
        } else {
            "no"
        };
        out.push_str(&format!(
            "<product><SKU>{}</SKU><Name>{}</Name><Description>{}</Description>\
             <Category>{}</Category><Price>{}</Price><Shipping>{}</Shipping>\
             <Currency>{}</Currency><Instock>{in_stock}</Instock><ProductUrl>{}</ProductUrl>\
             <ImageUrl>{}</ImageUrl><TrackingUrl>{}</TrackingUrl><Brand>{}</Brand>\
             <OriginalPrice>{}</OriginalPrice><Ean>{}</Ean></product>\n",
            text(p, "sku"),
            text(p, "productName"),
            text(p, "productDescription"),
            text(p, "productCategory"),
            text(p, "productPrice"),
            text(p, "shipping"),
            text(p, "currency"),
            text(p, "productUrl"),
            text(p, "imageUrl"),
            text(p, "trackingUrl"),
            text(p, "manufacturer"),
            text(p, "oldPrice"),
            text(p, "ean"),
        ));
    }
    out.push_str("</productFeed>\n");
    out.into_bytes()
}

/// Datafeed items, every number a string as PartnerBoost sends them.
pub fn partnerboost_items(n: usize) -> Vec<Value> {
    (0..n)
        .map(|i| {
            json!({
                "name": format!("Ulike Air {i} IPL Hair Removal"),
                "description": if i % 4 == 0 { "n/a".to_string() } else { format!("Sapphire IPL model {i}") },
                "brand_id": "66303",
                "mcid": "ulike0",
                "merchant_name": "Ulike",
                "url": format!("https://www.ulike.com/products/air-{i}"),
                "image": format!("https://cdn.ulike.com/air-{i}.jpg"),
                "sku": format!("UL-{i:04}"),
                "category": "Beauty > Hair Removal",
                "price": format!("{}.32", 34 + i),
                "currency": "USD",
                "old_price": format!("{}.00", 59 + i),
                "brand": "Ulike",
                "availability": "in stock",
                "gtin": sample_ean(10_000 + i),
                "mpn": format!("UI0{i}"),
                "tracking_url": format!("https://app.partnerboost.com/track/abc?url=https://www.ulike.com/products/air-{i}"),
                "tracking_url_short": "",
                "tracking_url_smart": "",
                "updated_at": "1710122547"
            })
        })
        .collect()
}

/// The Monetization API's brands.
pub fn partnerboost_brands() -> Vec<Value> {
    vec![
        json!({"brand_id": "66303", "mcid": "ulike0", "merchant_name": "Ulike", "allow_sml": "1",
               "tracking_url": "https://app.partnerboost.com/track/abc", "relationship": "Joined"}),
        json!({"brand_id": "70001", "mcid": "acme0", "merchant_name": "Acme Outdoor", "allow_sml": "0",
               "tracking_url": "https://app.partnerboost.com/track/def", "relationship": "Joined"}),
    ]
}

/// An Awin datafeed: comma-separated CSV, gzip-compressed.
pub fn awin_csv_gz(n: usize) -> Vec<u8> {
    let mut csv = String::from(
        "aw_product_id,merchant_product_id,product_name,merchant_category,brand_name,\
         search_price,display_price,currency,in_stock,ean,product_GTIN,merchant_deep_link,\
         aw_deep_link,merchant_image_url,merchant_id,merchant_name,last_updated\n",
    );
    for i in 0..n {
        csv.push_str(&format!(
            "{id},M{i},\"Tent {i}, 2 person\",Outdoor,Acme,{price}.00,EUR{price}.00,EUR,1,{ean},{ean},\
             https://acme.example/tent-{i},https://www.awin1.com/pclick.php?p={id}&a=1&m=2,\
             https://acme.example/img/{i}.jpg,2,Acme Outdoor,2024-03-11 02:05:06\n",
            id = 30_000_000 + i,
            price = 130 + i,
            ean = sample_ean(20_000 + i),
        ));
    }
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    // Writing to a Vec cannot fail.
    let _ = encoder.write_all(csv.as_bytes());
    encoder.finish().unwrap_or_default()
}

pub(crate) fn escape_xml(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sample_eans_have_valid_check_digits() {
        // 7350000000000 + check digit computed by hand for sample 0: 7+3*3+5+3*0... = 21 → 9.
        assert_eq!(sample_ean(0), "7350000000009");
        assert_eq!(sample_ean(5).len(), 13);
    }

    #[test]
    fn awin_feed_is_gzip() {
        let bytes = awin_csv_gz(3);
        assert_eq!(&bytes[..2], &[0x1f, 0x8b]);
    }
}
