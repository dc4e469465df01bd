//! Google Merchant Center RSS 2.0 (`google-xml`): `<item>`s of `g:` elements in one `<channel>`,
//! prices as `1299.00 SEK`, the category as `g:product_type` joined with `" > "`, shipping as a
//! nested `g:shipping` group from a third of the shops. About 550–700 bytes an item.

use super::decimal;
use crate::catalogue::OfferRecord;
use crate::escape::xml_element;
use std::io::{self, Write};

/// Shop exports commonly write one element per line without indentation.
const INDENT: &str = "";

pub fn header<W: Write + ?Sized>(out: &mut W, seed: u64) -> io::Result<()> {
    write!(
        out,
        concat!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n",
            "<rss version=\"2.0\" xmlns:g=\"http://base.google.com/ns/1.0\">\n",
            "<channel>\n",
            "<title>feedmill synthetic catalogue (seed {})</title>\n",
            "<link>https://feeds.example/google</link>\n",
            "<description>Products &amp; offers of many merchants</description>\n"
        ),
        seed
    )
}

pub fn record<W: Write + ?Sized>(out: &mut W, rec: &OfferRecord) -> io::Result<()> {
    let currency = rec.currency;
    let amount = |minor: i64| format!("{} {currency}", decimal(minor));
    out.write_all(b"<item>\n")?;
    xml_element(out, INDENT, "g:id", &rec.sku)?;
    xml_element(out, INDENT, "g:title", &rec.title)?;
    xml_element(out, INDENT, "g:description", &rec.description)?;
    if let Some(url) = &rec.product_url {
        xml_element(out, INDENT, "g:link", url)?;
    }
    xml_element(out, INDENT, "g:image_link", &rec.image_url)?;
    match (rec.price, rec.old_price) {
        (Some(price), Some(regular)) => {
            xml_element(out, INDENT, "g:price", &amount(regular))?;
            xml_element(out, INDENT, "g:sale_price", &amount(price))?;
        }
        (Some(price), None) => xml_element(out, INDENT, "g:price", &amount(price))?,
        (None, _) => {}
    }
    let availability = if rec.in_stock {
        "in stock"
    } else {
        "out of stock"
    };
    xml_element(out, INDENT, "g:availability", availability)?;
    xml_element(out, INDENT, "g:brand", rec.brand)?;
    xml_element(out, INDENT, "g:gtin", &rec.gtin)?;
    // Shops that send a GTIN often leave the MPN out; a third send both.
    if rec.merchant.style == 1 {
        xml_element(out, INDENT, "g:mpn", &rec.mpn)?;
    }
    xml_element(out, INDENT, "g:product_type", &rec.category.join(" > "))?;
    if !rec.size.is_empty() {
        xml_element(out, INDENT, "g:size", rec.size)?;
    }
    // A third of the shops set shipping per item; the others in their Merchant Center account.
    if rec.merchant.style == 0 {
        let country = rec.merchant.market.country;
        let price = amount(rec.shipping);
        writeln!(
            out,
            "<g:shipping><g:country>{country}</g:country><g:price>{price}</g:price></g:shipping>"
        )?;
    }
    out.write_all(b"</item>\n")
}
