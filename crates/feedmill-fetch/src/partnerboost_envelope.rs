//! PartnerBoost's response envelope, JSON and XML: `{"status":{"code":0,"msg":"success"},
//! "data":{"total":"9","list":[…]}}` or `<root><status>…</status><data><total/><list><item>…`.
//!
//! Errors arrive as HTTP 200 with a result code in `status`; every number may be a string. Items
//! are kept as their raw bytes (serde_json's `RawValue`, or the `<item>` element's text) so the
//! merged feed file holds exactly what the API sent.

use crate::error::{FetchErrorKind, PARTNERBOOST_BUSY};
use serde::Deserialize;
use serde_json::value::RawValue;

/// A number the API may send as a JSON number or a string.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub(crate) enum LooseNumber {
    Int(i64),
    Text(String),
}

impl LooseNumber {
    pub(crate) fn as_i64(&self) -> Option<i64> {
        match self {
            LooseNumber::Int(n) => Some(*n),
            LooseNumber::Text(s) => s.trim().parse().ok(),
        }
    }

    pub(crate) fn as_string(&self) -> String {
        match self {
            LooseNumber::Int(n) => n.to_string(),
            LooseNumber::Text(s) => s.clone(),
        }
    }
}

#[derive(Deserialize)]
struct StatusOnly {
    status: Status,
}

#[derive(Deserialize)]
struct Status {
    code: LooseNumber,
    #[serde(default)]
    msg: Option<String>,
}

#[derive(Deserialize)]
struct DataEnvelope<'a> {
    #[serde(borrow)]
    data: Data<'a>,
}

#[derive(Deserialize)]
struct Data<'a> {
    total: Option<LooseNumber>,
    #[serde(borrow, default)]
    list: Vec<&'a RawValue>,
    #[serde(default)]
    total_page: Option<LooseNumber>,
}

/// One page of a list: the announced totals and each item's raw bytes.
#[derive(Debug)]
pub(crate) struct Page<'a> {
    pub total: Option<u64>,
    pub total_page: Option<u64>,
    pub items: Vec<&'a [u8]>,
}

/// Checks the result code: `Ok` for 0, an [`FetchErrorKind::Api`] (retryable for 1002)
/// otherwise.
pub(crate) fn check_status(body: &[u8], xml: bool, token_env: &str) -> Result<(), FetchErrorKind> {
    let (code, msg) = if xml {
        let status = element_text(body, "status").ok_or_else(|| missing("<status>"))?;
        let code = element_text(status, "code").ok_or_else(|| missing("<status><code>"))?;
        let code = String::from_utf8_lossy(code).trim().parse::<i64>().ok();
        let msg = element_text(status, "msg").map(|m| String::from_utf8_lossy(m).into_owned());
        (code, msg)
    } else {
        let parsed: StatusOnly = serde_json::from_slice(body).map_err(|err| {
            FetchErrorKind::malformed(format!("not a partnerboost envelope: {err}"))
        })?;
        (parsed.status.code.as_i64(), parsed.status.msg)
    };
    match code {
        Some(0) => Ok(()),
        Some(code) => Err(FetchErrorKind::Api {
            code,
            message: describe(code, msg.as_deref(), token_env),
        }),
        None => Err(missing("a numeric status code")),
    }
}

/// The items of a page whose status is 0.
pub(crate) fn parse_page(body: &[u8], xml: bool) -> Result<Page<'_>, FetchErrorKind> {
    if xml {
        return parse_xml_page(body);
    }
    let parsed: DataEnvelope<'_> = serde_json::from_slice(body)
        .map_err(|err| FetchErrorKind::malformed(format!("cannot read the page's data: {err}")))?;
    let to_u64 = |n: &LooseNumber| n.as_i64().and_then(|n| u64::try_from(n).ok());
    Ok(Page {
        total: parsed.data.total.as_ref().and_then(to_u64),
        total_page: parsed.data.total_page.as_ref().and_then(to_u64),
        items: parsed
            .data
            .list
            .iter()
            .map(|raw| raw.get().as_bytes())
            .collect(),
    })
}

/// XML pages are cut by hand: the envelope is fixed and items do not nest, and slicing keeps
/// each `<item>` byte for byte. (Text inside CDATA that spells `</item>` would confuse it.)
fn parse_xml_page(body: &[u8]) -> Result<Page<'_>, FetchErrorKind> {
    let data = element_text(body, "data").ok_or_else(|| missing("<data>"))?;
    let total =
        element_text(data, "total").and_then(|t| String::from_utf8_lossy(t).trim().parse().ok());
    let mut items = Vec::new();
    if let Some(list) = element_text(data, "list") {
        let mut rest = list;
        while let Some(start) = find_open_tag(rest, b"item") {
            let from_start = &rest[start..];
            let end = match find(from_start, b"</item>") {
                Some(end) => end + b"</item>".len(),
                None if from_start.starts_with(b"<item/>") => b"<item/>".len(),
                None => return Err(missing("</item>")),
            };
            items.push(&from_start[..end]);
            rest = &from_start[end..];
        }
    }
    Ok(Page {
        total,
        total_page: None,
        items,
    })
}

/// The content of the first `<name>…</name>` element (`None` for `<name/>` or when absent).
pub(crate) fn element_text<'a>(body: &'a [u8], name: &str) -> Option<&'a [u8]> {
    let start = find_open_tag(body, name.as_bytes())?;
    let after_open = &body[start..];
    let open_end = find(after_open, b">")?;
    if after_open[open_end.saturating_sub(1)] == b'/' {
        return Some(&[]);
    }
    let content = &after_open[open_end + 1..];
    let close = format!("</{name}>");
    // The first close tag: the envelope's elements do not nest.
    let end = find(content, close.as_bytes())?;
    Some(&content[..end])
}

/// The first `<name>` / `<name …>` tag (not `<names>`).
fn find_open_tag(body: &[u8], name: &[u8]) -> Option<usize> {
    let mut offset = 0;
    while let Some(pos) = find(&body[offset..], b"<") {
        let at = offset + pos;
        let rest = &body[at + 1..];
        if rest.starts_with(name)
            && matches!(
                rest.get(name.len()),
                Some(b'>' | b' ' | b'/' | b'\t' | b'\n' | b'\r')
            )
        {
            return Some(at);
        }
        offset = at + 1;
    }
    None
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

fn missing(what: &str) -> FetchErrorKind {
    FetchErrorKind::malformed(format!("partnerboost response without {what}"))
}

/// The documented meaning of a result code, with the server's message and a hint.
fn describe(code: i64, server_msg: Option<&str>, token_env: &str) -> String {
    let known = match code {
        1000 => "publisher does not exist",
        1001 => "invalid token",
        PARTNERBOOST_BUSY => "call frequency too high",
        1003 => "missing or invalid parameters",
        1004 => "too many inputs",
        1005 => "identifier too long",
        1006 => "date span too long",
        _ => "unknown result code",
    };
    let mut text = known.to_string();
    if let Some(msg) = server_msg.map(str::trim).filter(|m| !m.is_empty())
        && !msg.eq_ignore_ascii_case(known)
    {
        text.push_str(&format!(" (server says {msg:?})"));
    }
    if matches!(code, 1000 | 1001) {
        text.push_str(&format!("; check {token_env}"));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    const PAGE: &str = r#"{"status":{"code":0,"msg":"success"},"data":{"total":"9","list":[
        {"name":"Air Purifier","price":"34.32","sku":"A1","merchant_name":"Ulike"},
        {"name":"IPL","price":"199.00","sku":"B2"}]}}"#;

    #[test]
    fn reads_a_json_page_with_string_numbers() {
        check_status(PAGE.as_bytes(), false, "PB").expect("ok");
        let page = parse_page(PAGE.as_bytes(), false).expect("page");
        assert_eq!(page.total, Some(9));
        assert_eq!(page.items.len(), 2);
        assert!(page.items[1].starts_with(br#"{"name":"IPL""#));
    }

    #[test]
    fn result_codes_become_errors() {
        let busy = br#"{"status":{"code":1002,"msg":"call frequency too high"},"data":[]}"#;
        let err = check_status(busy, false, "PB").expect_err("busy");
        assert!(err.is_retryable());
        let bad = br#"{"status":{"code":"1001","msg":"Token error"},"data":null}"#;
        let err = check_status(bad, false, "PB_TOKEN").expect_err("token");
        assert!(!err.is_retryable());
        assert_eq!(
            err.to_string(),
            "api error 1001: invalid token (server says \"Token error\"); check PB_TOKEN"
        );
        assert!(check_status(b"<html>oops</html>", false, "PB").is_err());
    }

    #[test]
    fn reads_an_xml_page() {
        let xml = br#"<?xml version="1.0" encoding="UTF-8"?>
<root><status><code>0</code><msg>success</msg></status><data><total>3</total><list>
<item><name>A</name><updated-at>1710122547</updated-at></item>
<item><name>B &amp; C</name></item></list></data></root>"#;
        check_status(xml, true, "PB").expect("ok");
        let page = parse_page(xml, true).expect("page");
        assert_eq!(page.total, Some(3));
        assert_eq!(page.items.len(), 2);
        assert_eq!(page.items[1], b"<item><name>B &amp; C</name></item>");
        let busy = b"<root><status><code>1002</code><msg>busy</msg></status><data/></root>";
        assert!(
            check_status(busy, true, "PB")
                .expect_err("busy")
                .is_retryable()
        );
        let empty =
            b"<root><status><code>0</code></status><data><total>0</total><list/></data></root>";
        assert!(parse_page(empty, true).expect("page").items.is_empty());
    }
}
