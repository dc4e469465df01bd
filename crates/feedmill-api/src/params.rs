//! Query parameters: one table per endpoint names each parameter, its type and meaning. The
//! same table rejects unknown parameters and describes them in the OpenAPI document, so the two
//! cannot disagree. Values are parsed strictly: a bad number is a 400 naming the parameter.

use crate::error::{ApiError, ErrorCode};
use feedmill_links::SubIds;
use feedmill_model::Decimal;
use feedmill_search::{FacetKind, MAX_PER_PAGE, SearchRequest, SortOrder};
use std::str::FromStr;

/// Longest `q`, in bytes: a pasted product title fits, a document does not.
pub const MAX_Q_BYTES: usize = 512;
/// Suggestions when the caller does not say.
pub const DEFAULT_SUGGESTIONS: usize = 10;

/// The JSON type a parameter has in the OpenAPI document.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ParamKind {
    Text,
    Integer,
    Decimal,
    Boolean,
}

/// One query parameter of an endpoint.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ParamSpec {
    pub name: &'static str,
    pub kind: ParamKind,
    pub repeatable: bool,
    pub description: &'static str,
}

const fn param(name: &'static str, kind: ParamKind, description: &'static str) -> ParamSpec {
    ParamSpec {
        name,
        kind,
        repeatable: false,
        description,
    }
}

const fn repeated(name: &'static str, kind: ParamKind, description: &'static str) -> ParamSpec {
    ParamSpec {
        name,
        kind,
        repeatable: true,
        description,
    }
}

use ParamKind::{Boolean, Integer, Text};

const SUBID: ParamSpec = param(
    "subid",
    Text,
    "Sub-id for the deep links and click URLs: [A-Za-z0-9_-], at most 64",
);

pub(crate) const SEARCH_PARAMS: &[ParamSpec] = &[
    param(
        "q",
        Text,
        "Free text over title, brand, category and description (at most 512 bytes)",
    ),
    repeated("brand", Text, "Any of these brands; repeat for more"),
    param(
        "category",
        Text,
        "A category path (\"A > B\"); matches it and everything under it",
    ),
    param(
        "merchant",
        Text,
        "Merchant name (or id when the feed has no name)",
    ),
    param(
        "network",
        Text,
        "adtraction, partnerboost, awin, google, tradetracker or generic",
    ),
    param("source", Text, "Source name"),
    param(
        "min_price",
        ParamKind::Decimal,
        "Lowest price (without shipping), inclusive",
    ),
    param(
        "max_price",
        ParamKind::Decimal,
        "Highest price (without shipping), inclusive",
    ),
    param("currency", Text, "ISO-4217 code"),
    param("in_stock", Boolean, "Only offers in stock"),
    param("gtin", Text, "Offers of one product; any GTIN length"),
    param(
        "sort",
        Text,
        "relevance (default), price_asc, price_desc, newest or discount",
    ),
    param("page", Integer, "1-based page"),
    param(
        "per_page",
        Integer,
        "Results per page, 1 to 100 (default 20)",
    ),
    repeated(
        "facets",
        Text,
        "Comma-separated facets to count: brand, category, merchant, network, price",
    ),
    param(
        "group_by",
        Text,
        "gtin: one item per product, with its offers cheapest first",
    ),
    SUBID,
];

pub(crate) const SUGGEST_PARAMS: &[ParamSpec] = &[
    param(
        "q",
        Text,
        "What the shopper has typed so far (at most 512 bytes)",
    ),
    param("limit", Integer, "Suggestions, 1 to 50 (default 10)"),
];

pub(crate) const OFFER_PARAMS: &[ParamSpec] = &[SUBID];

/// Days of price history when the caller does not say, and the most it may ask for (the
/// store keeps raw change points 400 days by default).
pub const DEFAULT_HISTORY_DAYS: u32 = 90;
pub const MAX_HISTORY_DAYS: u32 = 400;

pub(crate) const HISTORY_PARAMS: &[ParamSpec] = &[param(
    "days",
    Integer,
    "Days of history up to now, 1 to 400 (default 90)",
)];

pub(crate) const CLICK_PARAMS: &[ParamSpec] = &[
    param(
        "sub_id",
        Text,
        "Sub-id carried into the network's first sub-id parameter",
    ),
    param("sub_id_2", Text, "Second sub-id"),
    param("sub_id_3", Text, "Third sub-id"),
    param("sub_id_4", Text, "Fourth sub-id"),
    param("sub_id_5", Text, "Fifth sub-id"),
    param("sub_id_6", Text, "Sixth sub-id"),
];

/// The click-out's sub-id parameters, in slot order.
const CLICK_SUB_ID_NAMES: [&str; 6] = [
    "sub_id", "sub_id_2", "sub_id_3", "sub_id_4", "sub_id_5", "sub_id_6",
];

/// A query string split into decoded pairs, checked against an endpoint's table.
#[derive(Debug)]
pub(crate) struct QueryParams {
    pairs: Vec<(String, String)>,
}

impl QueryParams {
    /// Splits `query`; with `strict`, a parameter not in `specs` is an error.
    pub fn parse(
        query: Option<&str>,
        specs: &[ParamSpec],
        strict: bool,
    ) -> Result<QueryParams, ApiError> {
        let pairs: Vec<(String, String)> =
            url::form_urlencoded::parse(query.unwrap_or("").as_bytes())
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect();
        for (name, _) in &pairs {
            let Some(spec) = specs.iter().find(|s| s.name == name) else {
                if strict {
                    let known: Vec<&str> = specs.iter().map(|s| s.name).collect();
                    return Err(ApiError::new(
                        ErrorCode::UnknownParameter,
                        format!(
                            "unknown parameter {name:?}; expected one of {}",
                            known.join(", ")
                        ),
                    ));
                }
                continue;
            };
            if !spec.repeatable && pairs.iter().filter(|(n, _)| n == name).count() > 1 {
                return Err(ApiError::new(
                    ErrorCode::DuplicateParameter,
                    format!("parameter {name:?} is given more than once"),
                ));
            }
        }
        Ok(QueryParams { pairs })
    }

    /// The value of a single parameter, trimmed.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.pairs
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.trim())
    }

    /// Every non-empty value of a repeatable parameter.
    pub fn all(&self, name: &str) -> impl Iterator<Item = &str> {
        self.pairs
            .iter()
            .filter(move |(n, _)| n == name)
            .map(|(_, v)| v.trim())
            .filter(|v| !v.is_empty())
    }

    /// A parsed value; empty counts as absent.
    pub fn parsed<T: FromStr>(
        &self,
        name: &'static str,
        expected: &str,
    ) -> Result<Option<T>, ApiError> {
        match self.get(name).filter(|v| !v.is_empty()) {
            None => Ok(None),
            Some(text) => text.parse().map(Some).map_err(|_| {
                ApiError::invalid_parameter(name, format!("expected {expected}, got {text:?}"))
            }),
        }
    }

    /// A price: digits with an optional fraction (`10`, `99.50`); no sign, exponent or space.
    pub fn price(&self, name: &'static str) -> Result<Option<Decimal>, ApiError> {
        let Some(text) = self.get(name).filter(|v| !v.is_empty()) else {
            return Ok(None);
        };
        let (whole, fraction) = text.split_once('.').unwrap_or((text, "0"));
        let digits = |part: &str| !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit());
        let bad = || {
            ApiError::invalid_parameter(
                name,
                format!("expected a decimal number like 99.50, got {text:?}"),
            )
        };
        if !digits(whole) || !digits(fraction) {
            return Err(bad());
        }
        Decimal::from_str(text).map(Some).map_err(|_| bad())
    }

    /// A text parameter, at most [`MAX_Q_BYTES`] bytes.
    pub fn text_query(&self, name: &'static str) -> Result<Option<String>, ApiError> {
        let Some(text) = self.get(name) else {
            return Ok(None);
        };
        if text.len() > MAX_Q_BYTES {
            return Err(ApiError::new(
                ErrorCode::QueryTooLong,
                format!(
                    "{name} is {} bytes long; at most {MAX_Q_BYTES} are allowed",
                    text.len()
                ),
            ));
        }
        Ok(Some(text.to_string()))
    }

    /// `true`/`1`/`yes` or a bare `?name`; `false`/`0`/`no`.
    pub fn flag(&self, name: &'static str) -> Result<bool, ApiError> {
        match self.get(name).map(str::to_ascii_lowercase).as_deref() {
            None => Ok(false),
            Some("" | "true" | "1" | "yes") => Ok(true),
            Some("false" | "0" | "no") => Ok(false),
            Some(other) => Err(ApiError::invalid_parameter(
                name,
                format!("expected true or false, got {other:?}"),
            )),
        }
    }

    fn string(&self, name: &str) -> Option<String> {
        self.get(name).filter(|v| !v.is_empty()).map(str::to_string)
    }
}

/// The index request and the sub-id of a `GET /search`.
pub(crate) fn search_request(query: Option<&str>) -> Result<(SearchRequest, SubIds), ApiError> {
    let params = QueryParams::parse(query, SEARCH_PARAMS, true)?;
    let mut request = SearchRequest {
        query: params.text_query("q")?,
        brands: params.all("brand").map(str::to_string).collect(),
        category: params.string("category"),
        merchant: params.string("merchant"),
        network: params.string("network"),
        source: params.string("source"),
        min_price: params.price("min_price")?,
        max_price: params.price("max_price")?,
        currency: params.string("currency"),
        in_stock: params.flag("in_stock")?,
        gtin: params.string("gtin"),
        ..SearchRequest::default()
    };
    if let Some(sort) = params.get("sort").filter(|s| !s.is_empty()) {
        request.sort = SortOrder::from_str(sort)?;
    }
    request.page = params.parsed("page", "a whole number from 1")?.unwrap_or(1);
    request.per_page = params
        .parsed("per_page", "a whole number from 1 to 100")?
        .unwrap_or(request.per_page);
    if request.per_page == 0 || request.per_page > MAX_PER_PAGE {
        return Err(ApiError::invalid_parameter(
            "per_page",
            format!("{} is not between 1 and {MAX_PER_PAGE}", request.per_page),
        ));
    }
    if request.page == 0 {
        return Err(ApiError::invalid_parameter("page", "pages start at 1"));
    }
    for list in params.all("facets") {
        for kind in FacetKind::parse_list(list)? {
            if !request.facets.contains(&kind) {
                request.facets.push(kind);
            }
        }
    }
    request.group_by_gtin = match params.get("group_by") {
        None | Some("") => false,
        Some(g) if g.eq_ignore_ascii_case("gtin") => true,
        Some(other) => {
            return Err(ApiError::invalid_parameter(
                "group_by",
                format!("only gtin is supported, got {other:?}"),
            ));
        }
    };
    let ids = SubIds::single("subid", params.get("subid").unwrap_or(""))?;
    Ok((request, ids))
}

/// The sub-id of `GET /offers/{id}` and `GET /products/{gtin}`.
pub(crate) fn subid_only(query: Option<&str>) -> Result<SubIds, ApiError> {
    let params = QueryParams::parse(query, OFFER_PARAMS, true)?;
    Ok(SubIds::single("subid", params.get("subid").unwrap_or(""))?)
}

/// The sub-ids of a click-out. Other parameters are ignored, not refused: platforms append
/// their own (`fbclid`, `utm_*`) to shared links, and a click must not fail for that.
pub(crate) fn click_sub_ids(query: Option<&str>) -> Result<SubIds, ApiError> {
    let params = QueryParams::parse(query, CLICK_PARAMS, false)?;
    let mut ids = SubIds::none();
    for (slot, name) in CLICK_SUB_ID_NAMES.into_iter().enumerate() {
        ids.set(slot, name, params.get(name).unwrap_or(""))?;
    }
    Ok(ids)
}

/// The `days` of `GET /offers/{id}/history` and `GET /products/{gtin}/history`.
pub(crate) fn history_days(query: Option<&str>) -> Result<u32, ApiError> {
    let params = QueryParams::parse(query, HISTORY_PARAMS, true)?;
    let days = params
        .parsed("days", "a whole number from 1 to 400")?
        .unwrap_or(DEFAULT_HISTORY_DAYS);
    if !(1..=MAX_HISTORY_DAYS).contains(&days) {
        return Err(ApiError::invalid_parameter(
            "days",
            format!("{days} is not between 1 and {MAX_HISTORY_DAYS}"),
        ));
    }
    Ok(days)
}

/// The text and the number of suggestions of `GET /suggest`.
pub(crate) fn suggest_request(query: Option<&str>) -> Result<(String, usize), ApiError> {
    let params = QueryParams::parse(query, SUGGEST_PARAMS, true)?;
    let text = params
        .text_query("q")?
        .ok_or_else(|| ApiError::new(ErrorCode::MissingParameter, "parameter \"q\" is required"))?;
    let limit = params
        .parsed("limit", "a whole number from 1 to 50")?
        .unwrap_or(DEFAULT_SUGGESTIONS);
    Ok((text, limit))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(result: Result<(SearchRequest, SubIds), ApiError>) -> Option<ErrorCode> {
        result.err().map(|e| e.code)
    }

    #[test]
    fn parses_every_search_parameter() -> Result<(), ApiError> {
        let query = "q=running+shoes&brand=Nike&brand=Adidas&category=Sport+%3E+Skor&merchant=M&network=awin&source=s&min_price=10&max_price=99.50&currency=sek&in_stock=true&gtin=4006381333931&sort=price_asc&page=2&per_page=50&facets=brand,price&facets=merchant&group_by=gtin&subid=nl-1";
        let (request, ids) = search_request(Some(query))?;
        assert_eq!(request.query.as_deref(), Some("running shoes"));
        assert_eq!(request.brands, ["Nike", "Adidas"]);
        assert_eq!(request.category.as_deref(), Some("Sport > Skor"));
        assert_eq!(request.max_price, Decimal::from_str("99.50").ok());
        assert!(request.in_stock && request.group_by_gtin);
        assert_eq!((request.page, request.per_page), (2, 50));
        assert_eq!(
            request.facets,
            [FacetKind::Brand, FacetKind::Price, FacetKind::Merchant]
        );
        assert_eq!(request.sort, SortOrder::PriceAsc);
        assert_eq!(ids.get(0), Some("nl-1"));
        Ok(())
    }

    #[test]
    fn empty_values_count_as_absent() -> Result<(), ApiError> {
        let (request, ids) = search_request(Some("q=&brand=&min_price=&page=&sort=&subid="))?;
        assert_eq!(
            request,
            SearchRequest {
                query: Some(String::new()),
                ..SearchRequest::default()
            }
        );
        assert!(ids.is_empty());
        Ok(())
    }

    #[test]
    fn rejects_bad_parameters_with_their_codes() {
        use ErrorCode::*;
        let long_q = format!("q={}", "a".repeat(513));
        let cases = [
            ("colour=red", UnknownParameter),
            ("q=a&q=b", DuplicateParameter),
            ("page=two", InvalidParameter),
            ("page=0", InvalidParameter),
            ("page=-1", InvalidParameter),
            ("per_page=101", InvalidParameter),
            ("per_page=99999999999999999999999", InvalidParameter),
            ("min_price=1e5", InvalidParameter),
            ("max_price=-1", InvalidParameter),
            ("max_price=1.", InvalidParameter),
            (
                "max_price=99999999999999999999999999999999",
                InvalidParameter,
            ),
            ("in_stock=maybe", InvalidParameter),
            ("sort=cheapest", InvalidParameter),
            ("facets=colour", InvalidParameter),
            ("group_by=brand", InvalidParameter),
            ("subid=a@b", InvalidParameter),
            (long_q.as_str(), QueryTooLong),
        ];
        for (query, want) in cases {
            assert_eq!(code(search_request(Some(query))), Some(want), "{query}");
        }
    }

    #[test]
    fn click_outs_ignore_foreign_parameters() -> Result<(), ApiError> {
        let ids = click_sub_ids(Some("sub_id=a&fbclid=xyz&sub_id_3=c"))?;
        assert_eq!(
            (ids.get(0), ids.get(1), ids.get(2)),
            (Some("a"), None, Some("c"))
        );
        assert!(click_sub_ids(Some("sub_id=a+b")).is_err());
        let six = click_sub_ids(Some("sub_id_4=d&sub_id_5=e&sub_id_6=f"))?;
        assert_eq!(
            (six.get(3), six.get(4), six.get(5)),
            (Some("d"), Some("e"), Some("f"))
        );
        assert!(click_sub_ids(Some("sub_id_6=a%40b")).is_err());
        Ok(())
    }

    #[test]
    fn history_days_default_to_90_and_stay_within_400() {
        assert_eq!(history_days(None).ok(), Some(90));
        assert_eq!(history_days(Some("days=400")).ok(), Some(400));
        assert_eq!(history_days(Some("days=1")).ok(), Some(1));
        for bad in [
            "days=0",
            "days=401",
            "days=-1",
            "days=ten",
            "days=1&days=2",
            "day=3",
        ] {
            assert!(history_days(Some(bad)).is_err(), "{bad}");
        }
    }

    #[test]
    fn suggest_needs_q() {
        assert!(suggest_request(None).is_err());
        assert_eq!(
            suggest_request(Some("q=nik&limit=5")).ok(),
            Some(("nik".into(), 5))
        );
    }
}
