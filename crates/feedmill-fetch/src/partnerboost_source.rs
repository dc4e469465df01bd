//! PartnerBoost's publisher datafeed (`/api.php?mod=datafeed&op=list`), paged into one file.
//!
//! Pages are requested from 1 with `limit` items until `total` is reached (or a page comes back
//! empty). Each page's items are appended, byte for byte, to one temp file shaped like a single
//! response — `{"status":{"code":0,"msg":"success"},"data":{"total":"N","list":[…]}}`, or the
//! XML `<root>` equivalent — which the normalizer reads as `partnerboost-json` /
//! `partnerboost-xml`. Only one page is in memory at a time. Result code 1002 backs off and
//! retries the page; other codes stop the fetch with the code's meaning. Items without a
//! `merchant_name` get one from the brand list (JSON only), fetched once, on first need.

use crate::cache::{FeedCache, MetaUpdate, StoredFeed, TempFile};
use crate::download::check_size;
use crate::error::FetchErrorKind;
use crate::http_client::Session;
use crate::now_utc;
use crate::partnerboost_brands::BrandNames;
use crate::partnerboost_envelope::{check_status, parse_page};
use crate::source_config::{PartnerboostConfig, SourceConfig};
use bytes::Bytes;
use feedmill_formats::FeedFormat;

/// Stops a paging loop whose server never reports an end.
const MAX_PAGES_WITHOUT_TOTAL: u64 = 10_000;

pub(crate) async fn fetch(
    session: &Session<'_>,
    source: &SourceConfig,
    config: &PartnerboostConfig,
) -> Result<StoredFeed, FetchErrorKind> {
    let token = session.token()?;
    let cache = FeedCache::new(&session.ctx.cache_dir);
    let previous = cache.last_good(&source.name);
    let mut temp = cache.temp_file(&source.name).await?;
    let mut brands = BrandLookup::Unloaded;
    let mut num_items: u64 = 0;
    let mut announced_total = None;
    let mut page_number: u64 = 1;
    loop {
        let body = fetch_page(session, config, &token, page_number).await?;
        let page = parse_page(&body, config.xml)?;
        if page_number == 1 {
            announced_total = page.total;
            temp.write(&header(config.xml, page.total)).await?;
        }
        for item in &page.items {
            if num_items > 0 && !config.xml {
                temp.write(b",").await?;
            }
            let filled = match config.xml || !config.merchant_names {
                true => None,
                false => brands.fill(session, config, &token, item).await,
            };
            temp.write(filled.as_deref().unwrap_or(item)).await?;
            num_items += 1;
        }
        let last_page = match announced_total {
            _ if page.items.is_empty() => true,
            Some(total) => {
                num_items >= total || page_number > total.div_ceil(u64::from(config.limit))
            }
            None => {
                page.items.len() < config.limit as usize || page_number >= MAX_PAGES_WITHOUT_TOTAL
            }
        };
        if last_page {
            break;
        }
        page_number += 1;
    }
    temp.write(footer(config.xml)).await?;
    tracing::info!(feed = %session.label(), num_items, num_pages = page_number, "partnerboost datafeed read");
    finish(
        session,
        source,
        config,
        &cache,
        previous,
        temp,
        announced_total,
    )
    .await
}

async fn finish(
    session: &Session<'_>,
    source: &SourceConfig,
    config: &PartnerboostConfig,
    cache: &FeedCache,
    previous: Option<crate::cache::CachedFeed>,
    temp: TempFile,
    announced_total: Option<u64>,
) -> Result<StoredFeed, FetchErrorKind> {
    let finished = temp.finish().await?;
    check_size(finished.num_bytes, source.min_bytes)?;
    let default_format = if config.xml {
        FeedFormat::PartnerboostXml
    } else {
        FeedFormat::PartnerboostJson
    };
    let update = MetaUpdate {
        expected_records: announced_total,
        format: source.format.or(Some(default_format)),
        fetched_at: now_utc(session.ctx.clock.as_ref()),
        ..MetaUpdate::default()
    };
    cache.commit(&source.name, previous, finished, update).await
}

/// One page, retried on 5xx, timeouts and result code 1002; its status is checked.
async fn fetch_page(
    session: &Session<'_>,
    config: &PartnerboostConfig,
    token: &str,
    page: u64,
) -> Result<Bytes, FetchErrorKind> {
    let url = format!("{}/api.php?mod=datafeed&op=list", config.base_url);
    let mut form: Vec<(&str, String)> = vec![
        ("token", token.to_string()),
        ("page", page.to_string()),
        ("limit", config.limit.to_string()),
        ("type", if config.xml { "xml" } else { "json" }.to_string()),
    ];
    let filters = [
        ("brand_type", config.brand_type.clone()),
        ("brand_id", config.brand_id.clone()),
        ("mcid", config.mcid.clone()),
        ("keywords", config.keywords.clone()),
        ("price_range", config.price_range.clone()),
        ("min_discount", config.min_discount.map(|d| d.to_string())),
    ];
    form.extend(filters.into_iter().filter_map(|(k, v)| Some((k, v?))));
    session
        .retry(|| async {
            // POST keeps the token out of URLs and access logs.
            let request = session.ctx.client.post(&url).form(&form);
            let response = session.send(request).await?;
            let body = response.bytes().await.map_err(FetchErrorKind::transport)?;
            check_status(&body, config.xml, &config.token_env)?;
            Ok(body)
        })
        .await
}

fn header(xml: bool, total: Option<u64>) -> Vec<u8> {
    match (xml, total) {
        (false, Some(total)) => format!(
            r#"{{"status":{{"code":0,"msg":"success"}},"data":{{"total":"{total}","list":["#
        )
        .into_bytes(),
        (false, None) => br#"{"status":{"code":0,"msg":"success"},"data":{"list":["#.to_vec(),
        (true, total) => {
            let total = total.map_or(String::new(), |t| format!("<total>{t}</total>"));
            format!(
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<root><status><code>0</code>\
                 <msg>success</msg></status><data>{total}<list>\n"
            )
            .into_bytes()
        }
    }
}

fn footer(xml: bool) -> &'static [u8] {
    if xml {
        b"\n</list></data></root>\n"
    } else {
        b"]}}\n"
    }
}

/// The brand list, loaded the first time an item lacks its merchant name.
enum BrandLookup {
    Unloaded,
    Loaded(BrandNames),
    Unavailable,
}

impl BrandLookup {
    /// The item with `merchant_name` filled in, or `None` to keep it as it is.
    async fn fill(
        &mut self,
        session: &Session<'_>,
        config: &PartnerboostConfig,
        token: &str,
        item: &[u8],
    ) -> Option<Vec<u8>> {
        let mut object: serde_json::Map<String, serde_json::Value> =
            serde_json::from_slice(item).ok()?;
        let has_name = object
            .get("merchant_name")
            .and_then(|v| v.as_str())
            .is_some_and(|name| !name.trim().is_empty());
        if has_name {
            return None;
        }
        if let BrandLookup::Unloaded = self {
            *self = match BrandNames::load(session, config, token).await {
                Ok(names) => BrandLookup::Loaded(names),
                Err(err) => {
                    tracing::warn!(feed = %session.label(), error = %err, "brand list unavailable; merchant names stay empty");
                    BrandLookup::Unavailable
                }
            };
        }
        let BrandLookup::Loaded(names) = self else {
            return None;
        };
        let name = names.name_for(&object)?;
        object.insert("merchant_name".into(), name.into());
        serde_json::to_vec(&object).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merged_json_file_is_one_envelope() {
        let mut file = header(false, Some(2));
        file.extend_from_slice(br#"{"sku":"a"},{"sku":"b"}"#);
        file.extend_from_slice(footer(false));
        let value: serde_json::Value = serde_json::from_slice(&file).expect("valid json");
        assert_eq!(value["data"]["total"], "2");
        assert_eq!(value["data"]["list"][1]["sku"], "b");
        assert_eq!(value["status"]["code"], 0);
    }

    #[test]
    fn merged_xml_file_is_one_envelope() {
        let mut file = header(true, Some(1));
        file.extend_from_slice(b"<item><name>A</name></item>");
        file.extend_from_slice(footer(true));
        let text = String::from_utf8(file).expect("utf8");
        assert!(text.contains("<data><total>1</total><list>\n<item><name>A</name></item>"));
        assert!(text.ends_with("</list></data></root>\n"));
    }
}
