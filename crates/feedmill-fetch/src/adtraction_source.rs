//! Adtraction API v3: the products endpoint, the feed info + `feedUrl` file download, and the
//! program list.
//!
//! The token travels in `X-Token` and only to the API host; a `feedUrl` on another host is
//! downloaded without it. `fetch = "api"` posts `{programId, channelId, feedId}` to
//! `/partner/products/feed/` and caches the bare JSON array it returns (`adtraction-json`);
//! `fetch = "file"` reads `/partner/products/feedinfo/{programId}/{channelId}/`, skips the
//! download when the feed's `lastUpdated` equals the cached one, and otherwise downloads the
//! `feedUrl` (XML or CSV, plain, gzip or ZIP) with a conditional GET.

use crate::cache::{FeedCache, MetaUpdate, StoredFeed};
use crate::download::{DownloadSpec, Expect, download};
use crate::error::{FetchError, FetchErrorKind};
use crate::http_client::Session;
use crate::source_config::{AdtractionConfig, AdtractionFetch, NetworkConfig, SourceConfig};
use crate::{FetchContext, now_utc};
use feedmill_formats::FeedFormat;
use reqwest::header::ACCEPT;
use serde::Deserialize;
use serde::de::DeserializeOwned;

const TOKEN_HEADER: &str = "X-Token";

/// One feed of a program, as `feedinfo` and `programs` describe it.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AdtractionFeedInfo {
    pub feed_id: Option<u64>,
    pub name: Option<String>,
    pub feed_url: String,
    pub last_updated: Option<String>,
    pub number_of_products: Option<u64>,
}

/// A partner program (`POST /partner/programs/`), the fields feedmill uses.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AdtractionProgram {
    pub program_id: u64,
    pub program_name: Option<String>,
    #[serde(rename = "programURL")]
    pub program_url: Option<String>,
    pub currency: Option<String>,
    pub market: Option<String>,
    #[serde(rename = "trackingURL")]
    pub tracking_url: Option<String>,
    #[serde(default)]
    pub feeds: Vec<AdtractionFeedInfo>,
}

pub(crate) async fn fetch(
    session: &Session<'_>,
    source: &SourceConfig,
    config: &AdtractionConfig,
) -> Result<StoredFeed, FetchErrorKind> {
    let token = session.token()?;
    match config.fetch {
        AdtractionFetch::Api => fetch_products(session, source, config, &token).await,
        AdtractionFetch::File => fetch_feed_file(session, source, config, &token).await,
    }
}

async fn fetch_products(
    session: &Session<'_>,
    source: &SourceConfig,
    config: &AdtractionConfig,
    token: &str,
) -> Result<StoredFeed, FetchErrorKind> {
    let url = format!("{}/partner/products/feed/", config.base_url);
    let mut body = serde_json::json!({
        "programId": config.program_id,
        "channelId": config.channel_id,
    });
    if let Some(feed_id) = config.feed_id {
        body["feedId"] = feed_id.into();
    }
    let spec = DownloadSpec {
        source: source.name.clone(),
        conditional: false,
        expect: Expect::JsonArray,
        min_bytes: source.min_bytes,
        format: source.format.or(Some(FeedFormat::AdtractionJson)),
        upstream_version: None,
        count_header: Some("count"),
        expected_records: None,
    };
    let client = &session.ctx.client;
    download(session, &spec, || {
        client
            .post(&url)
            .header(TOKEN_HEADER, token)
            .header(ACCEPT, "application/json")
            .json(&body)
    })
    .await
}

async fn fetch_feed_file(
    session: &Session<'_>,
    source: &SourceConfig,
    config: &AdtractionConfig,
    token: &str,
) -> Result<StoredFeed, FetchErrorKind> {
    let url = format!(
        "{}/partner/products/feedinfo/{}/{}/",
        config.base_url, config.program_id, config.channel_id
    );
    let feeds: Vec<AdtractionFeedInfo> = get_json(session, || {
        session.ctx.client.get(&url).header(TOKEN_HEADER, token)
    })
    .await?;
    let feed = pick_feed(feeds, config.feed_id)?;
    let format = source.format.or_else(|| format_of_feed_url(&feed.feed_url));

    let cache = FeedCache::new(&session.ctx.cache_dir);
    if let (Some(previous), Some(updated)) = (cache.last_good(&source.name), &feed.last_updated)
        && previous.meta.upstream_version.as_ref() == Some(updated)
    {
        tracing::info!(feed = %session.label(), last_updated = %updated, "feed not updated upstream");
        let update = MetaUpdate {
            format,
            fetched_at: now_utc(session.ctx.clock.as_ref()),
            ..MetaUpdate::default()
        };
        return cache.keep(&source.name, previous, update);
    }
    let spec = DownloadSpec {
        source: source.name.clone(),
        conditional: true,
        expect: Expect::Feed,
        min_bytes: source.min_bytes,
        format,
        upstream_version: feed.last_updated.clone(),
        count_header: None,
        expected_records: feed.number_of_products,
    };
    let client = &session.ctx.client;
    download(session, &spec, || client.get(&feed.feed_url)).await
}

/// The configured feed, or the only / first one when none is configured.
fn pick_feed(
    feeds: Vec<AdtractionFeedInfo>,
    feed_id: Option<u64>,
) -> Result<AdtractionFeedInfo, FetchErrorKind> {
    let ids: Vec<String> = feeds
        .iter()
        .filter_map(|f| f.feed_id.map(|id| id.to_string()))
        .collect();
    let found = match feed_id {
        Some(wanted) => feeds.into_iter().find(|f| f.feed_id == Some(wanted)),
        None => {
            if feeds.len() > 1 {
                tracing::warn!(feed_ids = %ids.join(", "), "several feeds; using the first (set feed_id to choose)");
            }
            feeds.into_iter().next()
        }
    };
    found.ok_or_else(|| FetchErrorKind::NotFound {
        detail: match feed_id {
            Some(wanted) => format!(
                "feed {wanted} not found in the program's feed info (available: {})",
                if ids.is_empty() {
                    "none".into()
                } else {
                    ids.join(", ")
                }
            ),
            None => "the program has no product feed for this channel".into(),
        },
    })
}

/// `adtraction-xml` / `adtraction-csv` from the `format=` parameter of a `feedUrl`.
fn format_of_feed_url(feed_url: &str) -> Option<FeedFormat> {
    let url = url::Url::parse(feed_url).ok()?;
    let format = url
        .query_pairs()
        .find(|(key, _)| key.eq_ignore_ascii_case("format"))?
        .1;
    match format.to_ascii_uppercase().as_str() {
        "XML" => Some(FeedFormat::AdtractionXml),
        "CSV" => Some(FeedFormat::AdtractionCsv),
        _ => None,
    }
}

/// A small JSON response, with retries.
async fn get_json<T, F>(session: &Session<'_>, make_request: F) -> Result<T, FetchErrorKind>
where
    T: DeserializeOwned,
    F: Fn() -> reqwest::RequestBuilder,
{
    session
        .retry(|| async {
            let request = make_request().header(ACCEPT, "application/json");
            let response = session.send(request).await?;
            let bytes = response.bytes().await.map_err(FetchErrorKind::transport)?;
            serde_json::from_slice(&bytes).map_err(|err| {
                FetchErrorKind::malformed(format!("cannot read the json response: {err}"))
            })
        })
        .await
}

/// The programs of `market` visible to an Adtraction source's token (`POST /partner/programs/`).
pub async fn adtraction_programs(
    ctx: &FetchContext,
    source: &SourceConfig,
    market: &str,
) -> Result<Vec<AdtractionProgram>, FetchError> {
    let label = source.label();
    let NetworkConfig::Adtraction(config) = &source.network else {
        let kind = FetchErrorKind::NotFound {
            detail: "not an adtraction source".into(),
        };
        return Err(FetchError::new(label, kind));
    };
    let session = Session::new(ctx, label.clone(), Some(&config.token_env));
    let result = async {
        let token = session.token()?;
        let url = format!("{}/partner/programs/", config.base_url);
        let body = serde_json::json!({
            "market": market,
            "programId": config.program_id,
            "channelId": config.channel_id,
        });
        get_json(&session, || {
            ctx.client
                .post(&url)
                .header(TOKEN_HEADER, &token)
                .json(&body)
        })
        .await
    }
    .await;
    result.map_err(|kind| FetchError::new(label, kind))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn feed(id: u64) -> AdtractionFeedInfo {
        AdtractionFeedInfo {
            feed_id: Some(id),
            name: None,
            feed_url: format!("https://adtraction.com/productfeed.htm?format=XML&pfid={id}"),
            last_updated: None,
            number_of_products: None,
        }
    }

    #[test]
    fn picks_the_configured_feed() {
        let picked = pick_feed(vec![feed(1), feed(759)], Some(759)).expect("found");
        assert_eq!(picked.feed_id, Some(759));
        let first = pick_feed(vec![feed(1), feed(759)], None).expect("first");
        assert_eq!(first.feed_id, Some(1));
        let err = pick_feed(vec![feed(1), feed(2)], Some(3)).expect_err("missing");
        assert_eq!(
            err.to_string(),
            "feed 3 not found in the program's feed info (available: 1, 2)"
        );
    }

    #[test]
    fn format_follows_the_feed_url() {
        assert_eq!(
            format_of_feed_url("https://adtraction.com/productfeed.htm?type=feed&format=XML&zip=0")
                .map(FeedFormat::name),
            Some("adtraction-xml")
        );
        assert_eq!(
            format_of_feed_url("https://adtraction.com/productfeed.htm?format=CSV&cdelim=tab")
                .map(FeedFormat::name),
            Some("adtraction-csv")
        );
        assert_eq!(format_of_feed_url("https://x.test/feed.xml"), None);
    }

    #[test]
    fn reads_the_documented_feed_info() {
        let json = r#"[{"feedId":321,"name":"Electronics","approvalStatus":1,
            "feedUrl":"https://adtraction.com/productfeed.htm?type=feed&format=XML",
            "lastUpdated":"2018-01-01T10:15:12+0100","numberOfProducts":12055}]"#;
        let feeds: Vec<AdtractionFeedInfo> = serde_json::from_str(json).expect("parses");
        assert_eq!(feeds[0].number_of_products, Some(12055));
        assert_eq!(
            feeds[0].last_updated.as_deref(),
            Some("2018-01-01T10:15:12+0100")
        );
    }
}
