//! Streaming a response body into the cache: conditional GET, hashing as the bytes arrive, and
//! the checks that decide whether a download may replace the last good file.
//!
//! A download is accepted only when its length matches `Content-Length`, it is at least
//! `min_bytes`, a gzip stream decodes to its end, a ZIP has its central directory, and (for the
//! Adtraction API) a JSON array is closed. Failed checks that a second try may fix (truncation)
//! are retryable; the whole download is retried, never resumed.

use crate::cache::{FeedCache, FinishedFile, MetaUpdate, StoredFeed};
use crate::error::FetchErrorKind;
use crate::http_client::Session;
use reqwest::header::{
    CONTENT_LENGTH, ETAG, HeaderMap, IF_MODIFIED_SINCE, IF_NONE_MATCH, LAST_MODIFIED,
};
use reqwest::{RequestBuilder, StatusCode};
use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

/// A ZIP's end-of-central-directory record sits in its last 22 bytes plus a comment of up to
/// 64 KiB.
const ZIP_TAIL_LEN: u64 = 22 + 65_535;

/// What the bytes must look like besides being complete.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Expect {
    /// Any feed: plain, gzip or ZIP.
    Feed,
    /// A bare JSON array (the Adtraction products endpoint).
    JsonArray,
}

#[derive(Debug, Clone)]
pub(crate) struct DownloadSpec {
    pub source: String,
    /// Send `If-None-Match` / `If-Modified-Since` from the last good fetch.
    pub conditional: bool,
    pub expect: Expect,
    pub min_bytes: u64,
    pub format: Option<feedmill_formats::FeedFormat>,
    pub upstream_version: Option<String>,
    /// A response header announcing the number of records (Adtraction: `count`).
    pub count_header: Option<&'static str>,
    /// The number of records announced before the download (a feed list), if any.
    pub expected_records: Option<u64>,
}

enum Fetched {
    NotModified(MetaUpdate),
    Body(Box<FinishedFile>, MetaUpdate),
}

/// Downloads into the cache with retries; the previous file stays until the new one passed.
pub(crate) async fn download<F>(
    session: &Session<'_>,
    spec: &DownloadSpec,
    make_request: F,
) -> Result<StoredFeed, FetchErrorKind>
where
    F: Fn() -> RequestBuilder,
{
    let cache = FeedCache::new(&session.ctx.cache_dir);
    let previous = cache.last_good(&spec.source);
    let validators = match &previous {
        Some(previous) if spec.conditional => validator_headers(&previous.meta),
        _ => HeaderMap::new(),
    };
    let fetched = session
        .retry(|| {
            attempt(
                session,
                &cache,
                spec,
                make_request().headers(validators.clone()),
            )
        })
        .await?;
    match fetched {
        Fetched::NotModified(update) => {
            let previous = previous.ok_or_else(|| {
                FetchErrorKind::malformed("304 not modified without a conditional request")
            })?;
            cache.keep(&spec.source, previous, update)
        }
        Fetched::Body(finished, update) => {
            cache
                .commit(&spec.source, previous, *finished, update)
                .await
        }
    }
}

async fn attempt(
    session: &Session<'_>,
    cache: &FeedCache,
    spec: &DownloadSpec,
    request: RequestBuilder,
) -> Result<Fetched, FetchErrorKind> {
    let mut response = session.send(request).await?;
    let headers = response.headers();
    let update = MetaUpdate {
        etag: header_string(headers, ETAG.as_str()),
        last_modified: header_string(headers, LAST_MODIFIED.as_str()),
        upstream_version: spec.upstream_version.clone(),
        expected_records: spec
            .count_header
            .and_then(|name| header_string(headers, name))
            .and_then(|count| count.parse().ok())
            .or(spec.expected_records),
        format: spec.format,
        fetched_at: crate::now_utc(session.ctx.clock.as_ref()),
    };
    if response.status() == StatusCode::NOT_MODIFIED {
        return Ok(Fetched::NotModified(update));
    }
    let expected_len =
        header_string(response.headers(), CONTENT_LENGTH.as_str()).and_then(|v| v.parse().ok());
    let mut temp = cache.temp_file(&spec.source).await?;
    let progress = session.ctx.progress.as_deref();
    if let Some(progress) = progress {
        progress.started(&spec.source, expected_len);
    }
    let body = copy_body(&mut response, &mut temp, progress, &spec.source).await;
    if let Some(progress) = progress {
        progress.finished(&spec.source);
    }
    body?;
    let finished = temp.finish().await?;
    if let Some(expected) = expected_len
        && finished.num_bytes != expected
    {
        return Err(FetchErrorKind::Truncated {
            expected,
            received: finished.num_bytes,
        });
    }
    check_size(finished.num_bytes, spec.min_bytes)?;
    verify(&finished, spec.expect).await?;
    Ok(Fetched::Body(Box::new(finished), update))
}

async fn copy_body(
    response: &mut reqwest::Response,
    temp: &mut crate::temp_file::TempFile,
    progress: Option<&dyn crate::context::DownloadProgress>,
    source: &str,
) -> Result<(), FetchErrorKind> {
    while let Some(chunk) = response.chunk().await.map_err(FetchErrorKind::transport)? {
        temp.write(&chunk).await?;
        if let Some(progress) = progress {
            progress.advanced(source, chunk.len() as u64);
        }
    }
    Ok(())
}

pub(crate) fn check_size(num_bytes: u64, min_bytes: u64) -> Result<(), FetchErrorKind> {
    if num_bytes < min_bytes {
        return Err(FetchErrorKind::TooSmall {
            num_bytes,
            min_bytes,
        });
    }
    Ok(())
}

fn validator_headers(meta: &crate::cache::CacheMeta) -> HeaderMap {
    let mut headers = HeaderMap::new();
    if let Some(etag) = meta.etag.as_deref().and_then(|v| v.parse().ok()) {
        headers.insert(IF_NONE_MATCH, etag);
    }
    if let Some(date) = meta.last_modified.as_deref().and_then(|v| v.parse().ok()) {
        headers.insert(IF_MODIFIED_SINCE, date);
    }
    headers
}

fn header_string(headers: &HeaderMap, name: &str) -> Option<String> {
    let value = headers.get(name)?.to_str().ok()?.trim();
    (!value.is_empty()).then(|| value.to_string())
}

/// Checks that a complete download is well-formed enough to replace the last good file.
async fn verify(finished: &FinishedFile, expect: Expect) -> Result<(), FetchErrorKind> {
    let head = finished.temp.head().to_vec();
    let path = finished.temp.path().to_path_buf();
    let len = finished.num_bytes;
    tokio::task::spawn_blocking(move || verify_blocking(&path, &head, len, expect))
        .await
        .map_err(|join| FetchErrorKind::Corrupt {
            detail: format!("verification did not finish: {join}"),
        })?
}

fn verify_blocking(
    path: &Path,
    head: &[u8],
    len: u64,
    expect: Expect,
) -> Result<(), FetchErrorKind> {
    let io_err = |e| FetchErrorKind::io("read", PathBuf::from(path), e);
    if head.starts_with(&[0x1f, 0x8b]) {
        // Decoding the whole stream is the only way to find a cut gzip; it costs one pass of
        // the CPU the normalizer spends anyway.
        let file = std::fs::File::open(path).map_err(io_err)?;
        let mut decoder = flate2::read::MultiGzDecoder::new(std::io::BufReader::new(file));
        return std::io::copy(&mut decoder, &mut std::io::sink())
            .map(|_| ())
            .map_err(|e| FetchErrorKind::Corrupt {
                detail: format!("gzip stream does not decode to its end: {e}"),
            });
    }
    if head.starts_with(b"PK\x03\x04") {
        let tail = read_tail(path, len, ZIP_TAIL_LEN).map_err(io_err)?;
        if !tail.windows(4).any(|w| w == b"PK\x05\x06") {
            return Err(FetchErrorKind::Corrupt {
                detail: "zip archive has no end of central directory".into(),
            });
        }
        return Ok(());
    }
    if expect == Expect::JsonArray {
        let text = head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(head);
        if text.iter().find(|b| !b.is_ascii_whitespace()) != Some(&b'[') {
            let start = String::from_utf8_lossy(&text[..text.len().min(80)]).into_owned();
            return Err(FetchErrorKind::malformed(format!(
                "expected a json array of products, got {start:?}"
            )));
        }
        let tail = read_tail(path, len, 64).map_err(io_err)?;
        if tail.iter().rev().find(|b| !b.is_ascii_whitespace()) != Some(&b']') {
            return Err(FetchErrorKind::Corrupt {
                detail: "json array is not closed".into(),
            });
        }
    }
    Ok(())
}

fn read_tail(path: &Path, len: u64, max: u64) -> std::io::Result<Vec<u8>> {
    let mut file = std::fs::File::open(path)?;
    file.seek(SeekFrom::Start(len.saturating_sub(max)))?;
    let mut tail = Vec::new();
    file.read_to_end(&mut tail)?;
    Ok(tail)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn gzip(bytes: &[u8]) -> Vec<u8> {
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        encoder.write_all(bytes).expect("gzip");
        encoder.finish().expect("gzip")
    }

    fn check(bytes: &[u8], expect: Expect) -> Result<(), FetchErrorKind> {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("f");
        std::fs::write(&path, bytes).expect("write");
        let head = &bytes[..bytes.len().min(512)];
        verify_blocking(&path, head, bytes.len() as u64, expect)
    }

    #[test]
    fn accepts_whole_gzip_and_rejects_a_cut_one() {
        let whole = gzip(&b"aw_product_id,product_name\n1,kettle\n".repeat(200));
        assert!(check(&whole, Expect::Feed).is_ok());
        let cut = &whole[..whole.len() / 2];
        let err = check(cut, Expect::Feed).expect_err("cut gzip");
        assert!(matches!(err, FetchErrorKind::Corrupt { .. }), "{err}");
        assert!(err.is_retryable());
    }

    #[test]
    fn json_array_must_be_closed() {
        assert!(check(b"[{\"sku\":\"1\"}]\n", Expect::JsonArray).is_ok());
        let cut = check(b"[{\"sku\":\"1\"},{\"sku\"", Expect::JsonArray).expect_err("cut");
        assert!(matches!(cut, FetchErrorKind::Corrupt { .. }));
        let object = check(b"{\"message\":\"no\"}", Expect::JsonArray).expect_err("object");
        assert!(matches!(object, FetchErrorKind::Malformed { .. }));
        assert!(check(b"{\"any\":1}", Expect::Feed).is_ok());
    }

    #[test]
    fn zip_needs_its_central_directory() {
        assert!(check(b"PK\x03\x04data....PK\x05\x06\0\0\0\0", Expect::Feed).is_ok());
        assert!(check(b"PK\x03\x04data cut", Expect::Feed).is_err());
    }
}
