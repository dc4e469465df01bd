//! Adtraction's XML product feed (`adtraction-xml`): `<productFeed>` of `<product>`s with
//! capitalised element names, prices as `699` or `349.50` beside a `Currency` element, `Instock`
//! yes/no, the category joined with Adtraction's `"  -  "`, a tracking URL whose `url=` comes
//! last and unencoded, and the `{KEY#value}` attribute list in `Extras`.

use super::whole_or_decimal;
use crate::catalogue::OfferRecord;
use crate::escape::xml_element;
use std::io::{self, Write};

const INDENT: &str = "    ";
/// The publisher's channel id in tracking URLs (`as=`), one per feed.
const CHANNEL_ID: u32 = 1_914_123;

pub fn header<W: Write + ?Sized>(out: &mut W) -> io::Result<()> {
    out.write_all(
        concat!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n",
            "<productFeed xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" ",
            "xsi:noNamespaceSchemaLocation=\"http://www.adtraction.com/schemas/productfeedschema.xsd\">\n"
        )
        .as_bytes(),
    )
}

pub fn record<W: Write + ?Sized>(out: &mut W, rec: &OfferRecord) -> io::Result<()> {
    out.write_all(b"  <product>\n")?;
    xml_element(out, INDENT, "SKU", &rec.sku)?;
    xml_element(out, INDENT, "Name", &rec.title)?;
    xml_element(out, INDENT, "Description", &rec.description)?;
    xml_element(out, INDENT, "Category", &rec.category.join("  -  "))?;
    match rec.price {
        Some(price) => xml_element(out, INDENT, "Price", &whole_or_decimal(price))?,
        None => writeln!(out, "{INDENT}<Price/>")?,
    }
    if let Some(regular) = rec.old_price {
        xml_element(out, INDENT, "OriginalPrice", &whole_or_decimal(regular))?;
    }
    xml_element(out, INDENT, "Shipping", &whole_or_decimal(rec.shipping))?;
    xml_element(out, INDENT, "Currency", rec.currency)?;
    xml_element(
        out,
        INDENT,
        "Instock",
        if rec.in_stock { "yes" } else { "no" },
    )?;
    if let Some(url) = &rec.product_url {
        xml_element(out, INDENT, "ProductUrl", url)?;
    }
    xml_element(out, INDENT, "ImageUrl", &rec.image_url)?;
    if let Some(url) = &rec.product_url {
        let tracking = format!(
            "https://track.adtraction.com/t/t?a={}&as={CHANNEL_ID}&t=2&tk=1&url={url}",
            rec.merchant.id
        );
        xml_element(out, INDENT, "TrackingUrl", &tracking)?;
    }
    xml_element(out, INDENT, "Brand", rec.brand)?;
    xml_element(out, INDENT, "Ean", &rec.gtin)?;
    xml_element(out, INDENT, "ManufacturerArticleNumber", &rec.mpn)?;
    let extras = match rec.size {
        "" => format!("{{COLOUR#{}}}", rec.colour),
        size => format!("{{COLOUR#{}}}{{SIZE#{size}}}", rec.colour),
    };
    xml_element(out, INDENT, "Extras", &extras)?;
    out.write_all(b"  </product>\n")
}
