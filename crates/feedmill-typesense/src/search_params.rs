//! A [`SearchRequest`] as Typesense search parameters (`q`, `query_by`, `filter_by`,
//! `facet_by`, `sort_by`, `group_by`, typo and prefix settings), mirroring the tantivy index's
//! matching rules where Typesense can:
//!
//! - every word must match (`drop_tokens_threshold` 0), words split on anything but letters and
//!   digits and lower-cased as the index does, at most [`MAX_QUERY_WORDS`];
//! - one typo for words of [`MIN_FUZZY_CHARS`] letters or more, and the last word also as a
//!   prefix when it has [`MIN_PREFIX_CHARS`] or more, in title, brand and category but not in
//!   the description (exact words only there), with typo and prefix variants always looked
//!   for (`typo_tokens_threshold` and `max_candidates` high), not only when exact words find
//!   too little;
//! - the title weighs more than brand, category and description;
//! - the same filters, validated the same way (a GTIN, a network, a currency).

use crate::error::TypesenseError;
use crate::offer_document::category_paths;
use feedmill_model::{Currency, Network};
use feedmill_search::price_key;
use feedmill_search::{FacetKind, RequestError, SearchRequest, SortOrder, normalize_gtin14};
use serde_json::{Map, Value, json};

/// Words beyond this are ignored, as in the tantivy index.
pub(crate) const MAX_QUERY_WORDS: usize = 8;
/// Shorter words get no typo tolerance.
const MIN_FUZZY_CHARS: usize = 5;
/// A one-letter last word is matched whole, not as a prefix.
const MIN_PREFIX_CHARS: usize = 2;
/// Typo and prefix variants are looked for whatever the exact words found: the index always
/// adds them.
const ALWAYS: u64 = 1 << 30;
/// Typo and prefix expansions considered per word (Typesense's default is 4).
const MAX_CANDIDATES: u64 = 1_000;
/// Facet values fetched per facet: more than the 20 shown, so that the top 20 and their ties
/// are decided here by count, then value, as the index decides them, and every category level
/// is there.
pub(crate) const MAX_FACET_VALUES: u64 = 1_000;
/// Typesense's most offers per group.
pub(crate) const GROUP_LIMIT: u64 = 99;

/// Why `sort=epc` is refused: the merchants' ranks would have to be written into every
/// document (or sent as a `_eval` clause per merchant) and rewritten whenever EPCs change.
pub(crate) const EPC_UNSUPPORTED: &str = "sort=epc is not supported by the typesense backend";
/// Matched products live in feedmill's own index documents; the Typesense documents carry
/// the offers' GTIN group only.
pub(crate) const PRODUCT_GROUPING_UNSUPPORTED: &str =
    "group_by=product is not supported by the typesense backend (group_by=gtin is)";

/// The search parameters of `request` (validated) over the documents `live_filter` keeps.
pub(crate) fn search_params(
    request: &SearchRequest,
    live_filter: &str,
) -> Result<Map<String, Value>, TypesenseError> {
    request.validate()?;
    if request.sort == SortOrder::Epc {
        return Err(RequestError::invalid("sort", EPC_UNSUPPORTED).into());
    }
    refuse_history_options(request)?;
    if request.group_by_product {
        return Err(RequestError::invalid("group_by", PRODUCT_GROUPING_UNSUPPORTED).into());
    }
    let words = request
        .query
        .as_deref()
        .map(query_words)
        .unwrap_or_default();
    let mut params = Map::new();
    text_params(&words, &mut params);
    let mut filters = vec![live_filter.to_string()];
    filters.extend(request_filters(request)?);
    params.insert("filter_by".into(), json!(filters.join(" && ")));
    if let Some(sort) = sort_by(request.sort, !words.is_empty()) {
        params.insert("sort_by".into(), json!(sort));
    }
    if !request.facets.is_empty() {
        let fields: Vec<&str> = request.facets.iter().map(|k| facet_field(*k)).collect();
        params.insert("facet_by".into(), json!(fields.join(",")));
        params.insert("max_facet_values".into(), json!(MAX_FACET_VALUES));
    }
    if request.group_by_gtin {
        params.insert("group_by".into(), json!("group_key"));
        params.insert("group_limit".into(), json!(GROUP_LIMIT));
    }
    params.insert("page".into(), json!(request.page));
    params.insert("per_page".into(), json!(request.per_page));
    params.insert("include_fields".into(), json!("offer,group_key"));
    Ok(params)
}

/// Words as the index analyses them: split on anything but letters and digits, lower-cased.
pub(crate) fn query_words(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|word| !word.is_empty())
        .take(MAX_QUERY_WORDS)
        .map(str::to_lowercase)
        .collect()
}

fn text_params(words: &[String], params: &mut Map<String, Value>) {
    if words.is_empty() {
        params.insert("q".into(), json!("*"));
        return;
    }
    let last_chars = words.last().map_or(0, |w| w.chars().count());
    let prefix = last_chars >= MIN_PREFIX_CHARS;
    params.insert("q".into(), json!(words.join(" ")));
    params.insert("query_by".into(), json!("title,brand,category,description"));
    params.insert("query_by_weights".into(), json!("3,1,1,1"));
    params.insert(
        "prefix".into(),
        json!(format!("{prefix},{prefix},{prefix},false")),
    );
    params.insert("num_typos".into(), json!("1,1,1,0"));
    params.insert("min_len_1typo".into(), json!(MIN_FUZZY_CHARS));
    params.insert("min_len_2typo".into(), json!(MIN_FUZZY_CHARS * 100));
    params.insert("drop_tokens_threshold".into(), json!(0));
    params.insert("typo_tokens_threshold".into(), json!(ALWAYS));
    params.insert("max_candidates".into(), json!(MAX_CANDIDATES));
}

fn request_filters(request: &SearchRequest) -> Result<Vec<String>, TypesenseError> {
    let mut filters = Vec::new();
    let brands: Vec<&str> = request
        .brands
        .iter()
        .map(|b| b.trim())
        .filter(|b| !b.is_empty())
        .collect();
    if !brands.is_empty() {
        filters.push(one_of("brand", "brands", &brands)?);
    }
    if let Some(path) = given(&request.category) {
        let full = category_paths(path)
            .pop()
            .ok_or_else(|| RequestError::invalid("category", format!("{path:?} has no steps")))?;
        filters.push(one_of("category_path", "category", &[full.as_str()])?);
    }
    if let Some(merchant) = given(&request.merchant) {
        filters.push(one_of("merchant", "merchant", &[merchant])?);
    }
    if let Some(network) = given(&request.network) {
        let network: Network = network
            .parse()
            .map_err(|reason: String| RequestError::invalid("network", reason))?;
        filters.push(format!("network:=`{}`", network.as_str()));
    }
    if let Some(source) = given(&request.source) {
        filters.push(one_of("source", "source", &[source])?);
    }
    if let Some(code) = given(&request.currency) {
        let currency = Currency::parse(code)
            .map_err(|err| RequestError::invalid("currency", err.to_string()))?;
        filters.push(format!("currency:=`{}`", currency.code()));
    }
    if let Some(gtin) = given(&request.gtin) {
        filters.push(format!("gtin14:=`{}`", normalize_gtin14(gtin)?));
    }
    if request.in_stock {
        filters.push("in_stock:=true".into());
    }
    if let Some(min) = request.min_price {
        filters.push(format!("price_minor:>={}", price_key(min)));
    }
    if let Some(max) = request.max_price {
        filters.push(format!("price_minor:<={}", price_key(max)));
    }
    Ok(filters)
}

/// `field:=[`a`,`b`]`: exact matches, each value quoted in backticks. Typesense cannot quote
/// a value holding a backtick, so such a value is refused rather than matched wrongly.
fn one_of(field: &str, param: &'static str, values: &[&str]) -> Result<String, RequestError> {
    let mut quoted = Vec::with_capacity(values.len());
    for value in values {
        if value.contains('`') {
            return Err(RequestError::invalid(param, "a value holds a backtick (`)"));
        }
        quoted.push(format!("`{value}`"));
    }
    Ok(format!("{field}:=[{}]", quoted.join(",")))
}

/// This backend indexes no price history (see the crate doc): a request that needs it is
/// refused as the caller's mistake, never answered as if it had none.
fn refuse_history_options(request: &SearchRequest) -> Result<(), RequestError> {
    let unsupported =
        |field| RequestError::invalid(field, "price history is not kept by the typesense backend");
    if request.sort == SortOrder::PriceDrop {
        return Err(unsupported("sort"));
    }
    if request.dropped_within.is_some() {
        return Err(unsupported("dropped_within"));
    }
    if request.at_lowest.is_some() {
        return Err(unsupported("at_lowest"));
    }
    Ok(())
}

fn sort_by(sort: SortOrder, has_words: bool) -> Option<&'static str> {
    match sort {
        SortOrder::Relevance if has_words => Some("_text_match:desc"),
        SortOrder::Relevance => None,
        SortOrder::PriceAsc => Some("price_minor:asc"),
        SortOrder::PriceDesc => Some("price_minor:desc"),
        SortOrder::Newest => Some("updated_at:desc"),
        SortOrder::Discount => Some("discount:desc"),
        // Refused by `search_params` before it gets here.
        SortOrder::Epc => None,
        // Refused before: see `refuse_history_options`.
        SortOrder::PriceDrop => None,
    }
}

pub(crate) fn facet_field(kind: FacetKind) -> &'static str {
    match kind {
        FacetKind::Brand => "brand",
        FacetKind::Category => "category_path",
        FacetKind::Merchant => "merchant",
        FacetKind::Network => "network",
        FacetKind::Price => "price_bucket",
    }
}

fn given(value: &Option<String>) -> Option<&str> {
    value.as_deref().map(str::trim).filter(|v| !v.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal::Decimal;

    #[test]
    fn refuses_what_needs_price_history() {
        for request in [
            SearchRequest {
                sort: SortOrder::PriceDrop,
                ..SearchRequest::default()
            },
            SearchRequest {
                dropped_within: Some(7),
                ..SearchRequest::default()
            },
            SearchRequest {
                at_lowest: Some(90),
                ..SearchRequest::default()
            },
        ] {
            let refused = search_params(&request, "generation:=1").err();
            assert!(
                refused.is_some_and(|e| matches!(e, TypesenseError::Request(_))),
                "{request:?}"
            );
        }
    }

    #[test]
    fn translates_text_filters_sort_and_grouping() -> Result<(), TypesenseError> {
        let request = SearchRequest {
            query: Some("Grön  Hoodie!".into()),
            brands: vec!["Acme".into(), " ".into()],
            category: Some("Sport > Shoes".into()),
            min_price: Some(Decimal::new(1050, 2)),
            in_stock: true,
            gtin: Some("036000291452".into()),
            sort: SortOrder::PriceAsc,
            facets: vec![FacetKind::Brand, FacetKind::Price],
            group_by_gtin: true,
            ..SearchRequest::default()
        };
        let params = search_params(&request, "generation:=[5]")?;
        assert_eq!(params["q"], "grön hoodie");
        assert_eq!(params["prefix"], "true,true,true,false");
        assert_eq!(
            params["filter_by"],
            "generation:=[5] && brand:=[`Acme`] && category_path:=[`Sport > Shoes`] && \
             gtin14:=`00036000291452` && in_stock:=true && price_minor:>=1050"
        );
        assert_eq!(params["sort_by"], "price_minor:asc");
        assert_eq!(params["facet_by"], "brand,price_bucket");
        assert_eq!(params["group_by"], "group_key");
        Ok(())
    }

    #[test]
    fn epc_is_refused_as_the_callers_mistake() {
        let request = SearchRequest {
            sort: SortOrder::Epc,
            merchant_ranks: Some(std::sync::Arc::new(feedmill_search::MerchantRanks::empty(
                None,
            ))),
            ..SearchRequest::default()
        };
        let err = search_params(&request, "generation:=[1]").err();
        let message = err.map(|e| {
            let seam: feedmill_search::SearchError = e.into();
            assert!(seam.is_user_error());
            seam.to_string()
        });
        assert!(message.is_some_and(|m| m.contains(EPC_UNSUPPORTED)));
    }

    #[test]
    fn a_one_letter_last_word_is_no_prefix_and_no_words_is_a_wildcard() -> Result<(), TypesenseError>
    {
        let one = SearchRequest {
            query: Some("shoe x".into()),
            ..SearchRequest::default()
        };
        assert_eq!(
            search_params(&one, "f")?["prefix"],
            "false,false,false,false"
        );
        let none = SearchRequest {
            query: Some(" !! ".into()),
            ..SearchRequest::default()
        };
        let params = search_params(&none, "f")?;
        assert_eq!(params["q"], "*");
        assert!(params.get("sort_by").is_none());
        assert_eq!(query_words("a b c d e f g h i j").len(), MAX_QUERY_WORDS);
        Ok(())
    }

    #[test]
    fn bad_filters_are_user_errors() {
        let bad = [
            SearchRequest {
                gtin: Some("12ab".into()),
                ..SearchRequest::default()
            },
            SearchRequest {
                network: Some("nowhere".into()),
                ..SearchRequest::default()
            },
            SearchRequest {
                brands: vec!["a`b".into()],
                ..SearchRequest::default()
            },
            SearchRequest {
                category: Some(" > ".into()),
                ..SearchRequest::default()
            },
        ];
        for request in bad {
            let err = search_params(&request, "f").err();
            assert!(
                err.is_some_and(|e| matches!(e, TypesenseError::Request(_))),
                "{request:?}"
            );
        }
    }
}
