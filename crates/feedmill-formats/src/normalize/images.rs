//! The offer's main image and additional images.
//!
//! The main image is the first image value that holds a URL. Shop exports often put all of a
//! product's images in one cell (PrestaShop's `Image URLs (x,y,z...)`, idealo's `imageUrls`):
//! such a list is split where a comma is followed by a new `http(s)://` or `//` URL (a comma
//! inside one URL, as in `w_100,h_100` image transforms, stays), its first URL is the main
//! image and the others lead the additional images.

use super::report::warn;
use super::values::Values;
use crate::clean_url::clean_url;
use crate::mapping::Field;
use crate::record::RecordWarning;

/// The main image and the additional ones, without repeats. An image field whose values hold no
/// URL at all is a `bad_url` warning.
pub(super) fn images_of(
    values: &Values,
    warnings: &mut Vec<RecordWarning>,
) -> (Option<String>, Vec<String>) {
    let mut images: Vec<String> = Vec::new();
    let mut main = None;
    for raw in values.all(Field::ImageUrl) {
        let mut urls = split_url_list(raw).filter_map(clean_url);
        if let Some(first) = urls.next() {
            main = Some(first);
            images.extend(urls);
            break;
        }
    }
    if main.is_none()
        && let Some(raw) = values.first(Field::ImageUrl)
    {
        warn(
            warnings,
            "bad_url",
            format!("image_url {raw:?} is no http(s) URL: dropped"),
        );
    }
    for raw in values.all(Field::AdditionalImages) {
        images.extend(raw.split(',').filter_map(clean_url));
    }
    let mut additional: Vec<String> = Vec::with_capacity(images.len());
    for url in images {
        if Some(&url) != main.as_ref() && !additional.contains(&url) {
            additional.push(url);
        }
    }
    (main, additional)
}

/// `a.jpg,http://b.jpg` → `a.jpg`, `http://b.jpg`; commas not followed by a URL stay.
fn split_url_list(raw: &str) -> impl Iterator<Item = &str> {
    let mut rest = raw;
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        let cut = url_list_commas(rest).next();
        let (part, after) = match cut {
            Some(at) => (&rest[..at], &rest[at + 1..]),
            None => (rest, ""),
        };
        rest = after;
        Some(part)
    })
}

/// Positions of the commas in `text` that are followed (after blanks) by a URL.
fn url_list_commas(text: &str) -> impl Iterator<Item = usize> + '_ {
    text.match_indices(',').map(|(at, _)| at).filter(|&at| {
        let next = text[at + 1..].trim_start();
        let head = next.get(..8).unwrap_or(next).to_ascii_lowercase();
        head.starts_with("http://") || head.starts_with("https://") || head.starts_with("//")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_lists_split_only_before_a_url() {
        let parts: Vec<&str> =
            split_url_list("http://a/1.jpg,http://a/2.jpg, https://c/w_1,h_2/3.jpg").collect();
        assert_eq!(
            parts,
            [
                "http://a/1.jpg",
                "http://a/2.jpg",
                " https://c/w_1,h_2/3.jpg"
            ]
        );
        let one: Vec<&str> = split_url_list("https://c/w_1,h_2/3.jpg").collect();
        assert_eq!(one, ["https://c/w_1,h_2/3.jpg"]);
    }
}
