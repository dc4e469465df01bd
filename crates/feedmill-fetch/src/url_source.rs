//! Plain feeds: a `url` (any feed over HTTP), an Awin feed download (gzip CSV behind a key in
//! the URL), and a local `file`, which is hashed where it lies rather than copied.

use crate::cache::{CacheMeta, FeedCache, StoredFeed, hash_file};
use crate::download::{DownloadSpec, Expect, check_size, download};
use crate::error::FetchErrorKind;
use crate::http_client::Session;
use crate::now_utc;
use crate::source_config::{AwinConfig, FileConfig, SourceConfig};
use feedmill_formats::FeedFormat;

pub(crate) async fn fetch_url(
    session: &Session<'_>,
    source: &SourceConfig,
    url: &str,
) -> Result<StoredFeed, FetchErrorKind> {
    let spec = download_spec(source, source.format);
    let client = &session.ctx.client;
    download(session, &spec, || client.get(url)).await
}

pub(crate) async fn fetch_awin(
    session: &Session<'_>,
    source: &SourceConfig,
    config: &AwinConfig,
) -> Result<StoredFeed, FetchErrorKind> {
    let url = if config.url_template.contains("{token}") {
        let token = session.token()?;
        config.url_template.replace("{token}", &token)
    } else {
        config.url_template.clone()
    };
    let format = source.format.or(Some(FeedFormat::AwinCsv));
    let spec = download_spec(source, format);
    let client = &session.ctx.client;
    download(session, &spec, || client.get(&url)).await
}

fn download_spec(source: &SourceConfig, format: Option<FeedFormat>) -> DownloadSpec {
    DownloadSpec {
        source: source.name.clone(),
        conditional: true,
        expect: Expect::Feed,
        min_bytes: source.min_bytes,
        format,
        upstream_version: None,
        count_header: None,
        expected_records: None,
    }
}

/// A local file: hashed in place; unchanged when the hash equals the last fetch's.
pub(crate) async fn fetch_file(
    session: &Session<'_>,
    source: &SourceConfig,
    config: &FileConfig,
) -> Result<StoredFeed, FetchErrorKind> {
    let (content_hash, num_bytes) = hash_file(&config.path).await?;
    check_size(num_bytes, source.min_bytes)?;
    let cache = FeedCache::new(&session.ctx.cache_dir);
    let unchanged = cache.read_meta(&source.name).is_some_and(|previous| {
        previous.content_hash == content_hash
            && previous.local_path.as_deref() == Some(config.path.as_path())
    });
    let meta = CacheMeta {
        file_name: None,
        local_path: Some(config.path.clone()),
        format: source.format,
        content_hash,
        num_bytes,
        etag: None,
        last_modified: None,
        upstream_version: None,
        expected_records: None,
        fetched_at: now_utc(session.ctx.clock.as_ref()),
    };
    cache.write_meta(&source.name, &meta)?;
    Ok(StoredFeed {
        path: config.path.clone(),
        meta,
        unchanged,
    })
}
