//! `--format auto`: tells the format from the first bytes of the decoded feed — the XML root and
//! namespaces, the JSON shape, the CSV header — and says why.

use crate::format::FeedFormat;
use crate::mapping::normalize_key;
use crate::readers::csv_reader::sniff_delimiter;

const GOOGLE_NAMESPACE: &str = "http://base.google.com/ns/1.0";

/// The detected format and a short reason for stderr.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Detection {
    pub format: FeedFormat,
    pub reason: String,
}

pub fn detect_format(head: &[u8]) -> Detection {
    let text = String::from_utf8_lossy(head);
    let trimmed = text.trim_start_matches('\u{feff}').trim_start();
    match trimmed.chars().next() {
        Some('<') => detect_xml(trimmed),
        Some('{' | '[') => detect_json(trimmed),
        _ => detect_csv(trimmed),
    }
}

fn found(format: FeedFormat, reason: impl Into<String>) -> Detection {
    Detection {
        format,
        reason: reason.into(),
    }
}

fn detect_xml(text: &str) -> Detection {
    let root = root_element(text).unwrap_or_default();
    let local = root.rsplit(':').next().unwrap_or(&root).to_string();
    if text.contains(GOOGLE_NAMESPACE) {
        return found(
            FeedFormat::GoogleXml,
            format!("xml root <{root}> with the Google g: namespace"),
        );
    }
    match local.as_str() {
        "productFeed" => found(FeedFormat::AdtractionXml, "xml root <productFeed>"),
        "root" if text.contains("<status>") && text.contains("<list>") => found(
            FeedFormat::PartnerboostXml,
            "xml root <root> with <status> and <list>",
        ),
        "products" if text.contains("<productID>") => found(
            FeedFormat::TradetrackerXml,
            "xml root <products> with <productID> records",
        ),
        _ => found(FeedFormat::Xml, format!("xml root <{root}>")),
    }
}

/// The name of the first element that is not a declaration, comment or doctype.
fn root_element(text: &str) -> Option<String> {
    let mut rest = text;
    loop {
        let start = rest.find('<')?;
        rest = &rest[start + 1..];
        if rest.starts_with('?') || rest.starts_with('!') {
            let end = if rest.starts_with("!--") {
                rest.find("-->")? + 3
            } else {
                rest.find('>')? + 1
            };
            rest = &rest[end..];
            continue;
        }
        let name: String = rest
            .chars()
            .take_while(|c| !c.is_whitespace() && *c != '>' && *c != '/')
            .collect();
        return (!name.is_empty()).then_some(name);
    }
}

fn detect_json(text: &str) -> Detection {
    if text.contains("\"status\"") && text.contains("\"list\"") {
        return found(
            FeedFormat::PartnerboostJson,
            "json object with status and data.list",
        );
    }
    if text.starts_with('[')
        && (text.contains("\"productName\"") || text.contains("\"trackingUrl\""))
    {
        return found(
            FeedFormat::AdtractionJson,
            "json array of Adtraction products",
        );
    }
    let mut lines = text.lines().filter(|l| !l.trim().is_empty());
    let first = lines.next().unwrap_or_default().trim();
    let second = lines.next().unwrap_or_default().trim_start();
    if first.starts_with('{') && first.ends_with('}') && second.starts_with('{') {
        return found(FeedFormat::Ndjson, "one json object per line");
    }
    found(FeedFormat::Json, "json document")
}

fn detect_csv(text: &str) -> Detection {
    let header = text.lines().next().unwrap_or_default();
    if header.starts_with('\'') {
        return found(
            FeedFormat::AdtractionCsv,
            "csv header quoted with ' (Adtraction)",
        );
    }
    let delimiter = sniff_delimiter(header.as_bytes(), b'"');
    let keys: Vec<String> = header
        .split(char::from(delimiter))
        .map(|k| normalize_key(k.trim_matches('"')))
        .collect();
    let has = |name: &str| keys.iter().any(|k| *k == normalize_key(name));
    if has("aw_deep_link") || has("aw_product_id") || has("merchant_deep_link") {
        return found(
            FeedFormat::AwinCsv,
            "csv header with Awin columns (aw_deep_link)",
        );
    }
    if has("TrackingUrl") && has("SKU") && has("Instock") {
        return found(
            FeedFormat::AdtractionCsv,
            "csv header with Adtraction columns",
        );
    }
    let google_title = has("title") || has("Item title");
    let google_link = has("link") || has("Final URL");
    if has("id") && google_title && google_link {
        return found(
            FeedFormat::GoogleCsv,
            "csv header with Google Merchant columns",
        );
    }
    let name = match delimiter {
        b'\t' => "tab",
        b';' => "semicolon",
        b'|' => "pipe",
        _ => "comma",
    };
    found(FeedFormat::Csv, format!("{name}-separated text"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn detected(head: &str) -> FeedFormat {
        detect_format(head.as_bytes()).format
    }

    #[test]
    fn tells_every_format_apart() {
        let cases = [
            (
                "<?xml version=\"1.0\"?>\n<productFeed xmlns:xsi=\"x\"><product>",
                FeedFormat::AdtractionXml,
            ),
            (
                "\u{feff}<?xml version=\"1.0\"?><rss version=\"2.0\" xmlns:g=\"http://base.google.com/ns/1.0\">",
                FeedFormat::GoogleXml,
            ),
            (
                "<feed xmlns=\"http://www.w3.org/2005/Atom\" xmlns:g=\"http://base.google.com/ns/1.0\">",
                FeedFormat::GoogleXml,
            ),
            (
                "<?xml version=\"1.0\"?>\n<!-- Generated -->\n<products>\n<product>\n<productID>1</productID>",
                FeedFormat::TradetrackerXml,
            ),
            (
                "<root><status><code>0</code></status><data><list><item>",
                FeedFormat::PartnerboostXml,
            ),
            (
                "<?xml version=\"1.0\"?><produkter><produkt>",
                FeedFormat::Xml,
            ),
            (
                "{\"status\":{\"code\":0},\"data\":{\"total\":\"9\",\"list\":[",
                FeedFormat::PartnerboostJson,
            ),
            (
                "[{\"productName\":\"A\",\"trackingUrl\":\"https://x\"}]",
                FeedFormat::AdtractionJson,
            ),
            ("{\"title\":\"a\"}\n{\"title\":\"b\"}\n", FeedFormat::Ndjson),
            ("[{\"title\":\"a\"}]", FeedFormat::Json),
            (
                "aw_deep_link,product_name,search_price\n",
                FeedFormat::AwinCsv,
            ),
            (
                "ID,Item title,Final URL,Image URL,Price\n",
                FeedFormat::GoogleCsv,
            ),
            ("id\ttitle\tlink\tprice\n", FeedFormat::GoogleCsv),
            ("'SKU','Name','Price'\n", FeedFormat::AdtractionCsv),
            ("Product ID;Name *;Price tax excluded\n", FeedFormat::Csv),
        ];
        for (head, want) in cases {
            assert_eq!(detected(head), want, "{head}");
        }
    }
}
