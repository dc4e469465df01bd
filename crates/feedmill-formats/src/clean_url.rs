//! [`clean_url`]: the URL text of a feed made usable. It applies to every URL field of a record
//! (product pages, click URLs, images) and knows nothing of networks; reading the landing page
//! out of a click URL is link knowledge and lives in `feedmill-links`.

/// Trims a URL, undoes the `&amp;` of double-escaped feeds and encodes spaces. Only absolute
/// `http(s)` URLs (or protocol-relative `//host/…`, read as https) count as URLs.
pub fn clean_url(raw: &str) -> Option<String> {
    let url = raw.trim();
    let url = if url.contains("&amp;") {
        url.replace("&amp;", "&")
    } else {
        url.to_string()
    };
    let url = if url.starts_with("//") {
        format!("https:{url}")
    } else {
        url
    };
    let lower = url.get(..8).unwrap_or(&url).to_ascii_lowercase();
    if !(lower.starts_with("http://") || lower.starts_with("https://")) || url.len() < 11 {
        return None;
    }
    Some(if url.contains(' ') {
        url.replace(' ', "%20")
    } else {
        url
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cleans_urls() {
        assert_eq!(
            clean_url("  https://a.example/x?a=1&amp;b=2 ").as_deref(),
            Some("https://a.example/x?a=1&b=2")
        );
        assert_eq!(
            clean_url("//cdn.example/img.jpg").as_deref(),
            Some("https://cdn.example/img.jpg")
        );
        assert_eq!(
            clean_url("https://a.example/my image.jpg").as_deref(),
            Some("https://a.example/my%20image.jpg")
        );
        assert_eq!(clean_url("iPod-Nano"), None);
        assert_eq!(clean_url("/relative/path"), None);
    }
}
