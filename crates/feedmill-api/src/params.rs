//! Query parameters: one table per endpoint names each parameter, its type and meaning. The
//! same table rejects unknown parameters and describes them in the OpenAPI document, so the two
//! cannot disagree. Values are parsed strictly: a bad number is a 400 naming the parameter.

use crate::error::{ApiError, ErrorCode};
use feedmill_links::SubIds;
use feedmill_model::Decimal;
use feedmill_search::{
    FacetKind, MAX_PER_PAGE, MAX_RESULT_WINDOW, SearchRequest, SortOrder, parse_day_window,
};
use std::str::FromStr;

/// Longest `q`, in characters: a pasted product title fits, a document does not. The same as
/// the seam's own limit (`feedmill_search::MAX_QUERY_CHARS`), so the document's `maxLength` is
/// the whole rule.
pub const MAX_Q_CHARS: usize = 256;
/// The most bytes a `q` of [`MAX_Q_CHARS`] characters can take (four per character in UTF-8).
pub const MAX_Q_BYTES: usize = 4 * MAX_Q_CHARS;
/// The last page: with the largest `per_page`, the last one of the seam's result window
/// (`feedmill_search::MAX_RESULT_WINDOW`), so that no page within the document's ranges is
/// refused for its depth.
pub const MAX_PAGE: usize = MAX_RESULT_WINDOW / MAX_PER_PAGE;
/// Suggestions when the caller does not say.
pub const DEFAULT_SUGGESTIONS: usize = 10;
/// Most suggestions in one answer (the index's own limit).
pub const MAX_SUGGESTIONS: u64 = 50;
/// Most `brand` values in one search (the seam's own limit).
const MAX_BRANDS: usize = feedmill_search::MAX_BRANDS;

/// A sub-id as the query gives it: surrounding blanks are trimmed, then at most 64 of
/// `[A-Za-z0-9_-]` (`feedmill_links::check_sub_id`); empty means none.
pub(crate) const SUB_ID_PATTERN: &str = r"^\s*[A-Za-z0-9_-]{0,64}\s*$";
/// A price bound (`QueryParams::price`): up to 15 whole digits and 10 decimals, far beyond any
/// price and within what `Decimal` holds exactly.
/// Blank counts as absent, as for every parameter.
pub(crate) const PRICE_PATTERN: &str = r"^\s*([0-9]{1,15}(\.[0-9]{1,10})?)?\s*$";
/// A GTIN of any length: up to 14 digits, with blanks and dashes between them ignored
/// (`feedmill_search::normalize_gtin14`).
pub(crate) const GTIN_PATTERN: &str = r"^\s*[ -]*([0-9][ -]*){1,14}\s*$";
/// A day window of `parse_day_window`: 1 to 400 days, the `d` optional; blank is absent.
const DAY_WINDOW_PATTERN: &str = r"^\s*$|^\s*\+?0*([1-9][0-9]?|[1-3][0-9]{2}|400)[dD]?\s*$";
/// What `/products/{gtin}` takes: a GTIN as [`GTIN_PATTERN`] reads it, or a product id.
pub(crate) const PRODUCT_PATTERN: &str = r"^\s*[ -]*([0-9][ -]*){1,14}\s*$|^p[0-9a-f]{12}$";
/// [`GTIN_PATTERN`] or blank (absent), for the `gtin` filter.
const GTIN_FILTER_PATTERN: &str = r"^\s*$|^\s*[ -]*([0-9][ -]*){1,14}\s*$";
/// A category path has at least one step that is not blank (`" > "` has none); blank is absent.
const CATEGORY_PATTERN: &str = r"^\s*$|[^>\s]";
/// Comma-separated facet names, blanks and empty entries ignored (`FacetKind::parse_list`).
const FACETS_PATTERN: &str = r"^\s*((brand|category|merchant|network|price)\s*)?(,\s*((brand|category|merchant|network|price)\s*)?)*$";

/// The JSON type a parameter has in the OpenAPI document.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ParamKind {
    Text,
    Integer,
    Decimal,
    Boolean,
}

/// The values a parameter takes, as the server checks them; the document states the same.
#[derive(Debug, Clone, Copy)]
pub(crate) enum ParamValues {
    /// Anything of the parameter's kind.
    Any,
    /// Text matching an ECMA-262 regular expression (the OpenAPI `pattern`).
    Pattern(&'static str),
    /// Text of at most this many characters.
    MaxChars(usize),
    /// One of a list, in any case; the list is built by the same code that parses the value.
    OneOf(fn() -> Vec<String>),
    /// A whole number in this inclusive range.
    Range(u64, u64),
    /// A calendar date (`2026-01-31`) or an RFC 3339 date-time, blanks around it ignored.
    DateOrTime,
}

/// One query parameter of an endpoint.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ParamSpec {
    pub name: &'static str,
    pub kind: ParamKind,
    pub repeatable: bool,
    pub required: bool,
    pub values: ParamValues,
    /// For a repeatable parameter, how many values it takes at most.
    pub max_items: Option<usize>,
    pub description: &'static str,
}

pub(crate) const fn param(
    name: &'static str,
    kind: ParamKind,
    description: &'static str,
) -> ParamSpec {
    ParamSpec {
        name,
        kind,
        repeatable: false,
        required: false,
        values: ParamValues::Any,
        max_items: None,
        description,
    }
}

const fn repeated(name: &'static str, kind: ParamKind, description: &'static str) -> ParamSpec {
    ParamSpec {
        repeatable: true,
        ..param(name, kind, description)
    }
}

impl ParamSpec {
    pub(crate) const fn values(self, values: ParamValues) -> ParamSpec {
        ParamSpec { values, ..self }
    }

    const fn required(self) -> ParamSpec {
        ParamSpec {
            required: true,
            ..self
        }
    }

    const fn max_items(self, max: usize) -> ParamSpec {
        ParamSpec {
            max_items: Some(max),
            ..self
        }
    }
}

use ParamKind::{Boolean, Integer, Text};
use ParamValues::{MaxChars, OneOf, Pattern, Range};

fn sort_orders() -> Vec<String> {
    SortOrder::NAMED
        .iter()
        .map(|s| s.as_str().to_string())
        .collect()
}

fn networks() -> Vec<String> {
    feedmill_model::Network::ALL
        .iter()
        .map(|n| n.as_str().to_string())
        .collect()
}

/// Every code [`feedmill_model::Currency::parse`] accepts: the three-letter codes ISO-4217
/// knows, found by asking the parser about each (17,576 look-ups, once per document).
pub(crate) fn currencies() -> Vec<String> {
    let letters = b'A'..=b'Z';
    let mut codes = Vec::new();
    for a in letters.clone() {
        for b in letters.clone() {
            for c in letters.clone() {
                let code = String::from_utf8_lossy(&[a, b, c]).into_owned();
                if feedmill_model::Currency::parse(&code).is_ok() {
                    codes.push(code);
                }
            }
        }
    }
    codes
}

fn group_by_values() -> Vec<String> {
    vec!["gtin".to_string(), "product".to_string()]
}

const SUBID: ParamSpec = param(
    "subid",
    Text,
    "Sub-id for the deep links and click URLs: [A-Za-z0-9_-], at most 64",
)
.values(Pattern(SUB_ID_PATTERN));

const fn click_sub_id(name: &'static str, description: &'static str) -> ParamSpec {
    param(name, Text, description).values(Pattern(SUB_ID_PATTERN))
}

pub(crate) const SEARCH_PARAMS: &[ParamSpec] = &[
    param(
        "q",
        Text,
        "Free text over title, brand, category and description (at most 256 characters)",
    )
    .values(MaxChars(MAX_Q_CHARS)),
    repeated(
        "brand",
        Text,
        "Any of these brands; repeat for more (at most 50)",
    )
    .max_items(MAX_BRANDS),
    param(
        "category",
        Text,
        "A category path (\"A > B\"); matches it and everything under it",
    )
    .values(Pattern(CATEGORY_PATTERN)),
    param(
        "merchant",
        Text,
        "Merchant name (or id when the feed has no name)",
    ),
    param(
        "network",
        Text,
        "adtraction, partnerboost, awin, google, tradetracker or generic",
    )
    .values(OneOf(networks)),
    param("source", Text, "Source name"),
    param(
        "min_price",
        ParamKind::Decimal,
        "Lowest price (without shipping), inclusive; above max_price nothing matches",
    )
    .values(Pattern(PRICE_PATTERN)),
    param(
        "max_price",
        ParamKind::Decimal,
        "Highest price (without shipping), inclusive",
    )
    .values(Pattern(PRICE_PATTERN)),
    param("currency", Text, "ISO-4217 code, in any case").values(OneOf(currencies)),
    param("in_stock", Boolean, "Only offers in stock"),
    param("gtin", Text, "Offers of one product; any GTIN length")
        .values(Pattern(GTIN_FILTER_PATTERN)),
    param(
        "sort",
        Text,
        "relevance (default), price_asc, price_desc, newest, discount (percent below the \
         offer's 30-day low when price history is kept, else below the feed's old price), \
         price_drop (largest drop of the last 30 days first, as a percent of the previous price; \
         older drops after) or epc (offers of \
         the merchants earning most per click over the last 30 days first; merchants under 100 \
         clicks after; ranked by EPC in the currency filter's currency, else the main currency \
         of sales; not with group_by, not on the typesense backend)",
    )
    .values(OneOf(sort_orders)),
    param(
        "dropped_within",
        Text,
        "Days, like 7d (1d to 400d): only offers whose price dropped within them",
    )
    .values(Pattern(DAY_WINDOW_PATTERN)),
    param(
        "at_lowest",
        Text,
        "Days, like 90d (1d to 400d): only offers at or below every price they had in them \
         (their history must reach that far back)",
    )
    .values(Pattern(DAY_WINDOW_PATTERN)),
    param(
        "page",
        Integer,
        "1-based page, at most 100: the first 10,000 results can be paged through",
    )
    .values(Range(1, MAX_PAGE as u64)),
    param(
        "per_page",
        Integer,
        "Results per page, 1 to 100 (default 20)",
    )
    .values(Range(1, MAX_PER_PAGE as u64)),
    repeated(
        "facets",
        Text,
        "Comma-separated facets to count: brand, category, merchant, network, price",
    )
    .values(Pattern(FACETS_PATTERN)),
    param(
        "group_by",
        Text,
        "gtin: one item per GTIN, with its offers cheapest first; product: one item per matched product (offers without a GTIN included), the same way",
    )
    .values(OneOf(group_by_values)),
    SUBID,
];

pub(crate) const SUGGEST_PARAMS: &[ParamSpec] = &[
    param(
        "q",
        Text,
        "What the shopper has typed so far (at most 256 characters)",
    )
    .values(MaxChars(MAX_Q_CHARS))
    .required(),
    param("limit", Integer, "Suggestions, 1 to 50 (default 10)").values(Range(1, MAX_SUGGESTIONS)),
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
)
.values(Range(1, MAX_HISTORY_DAYS as u64))];

pub(crate) const CLICK_PARAMS: &[ParamSpec] = &[
    click_sub_id(
        "sub_id",
        "Sub-id carried into the network's first sub-id parameter",
    ),
    click_sub_id("sub_id_2", "Second sub-id"),
    click_sub_id("sub_id_3", "Third sub-id"),
    click_sub_id("sub_id_4", "Fourth sub-id"),
    click_sub_id("sub_id_5", "Fifth sub-id"),
    click_sub_id("sub_id_6", "Sixth sub-id"),
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

    /// The value of a single parameter as given.
    fn raw(&self, name: &str) -> Option<&str> {
        self.pairs
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
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

    /// A price: digits with an optional fraction (`10`, `99.50`); no sign, exponent or space;
    /// at most 15 whole digits and 10 decimals ([`PRICE_PATTERN`]).
    pub fn price(&self, name: &'static str) -> Result<Option<Decimal>, ApiError> {
        let Some(text) = self.get(name).filter(|v| !v.is_empty()) else {
            return Ok(None);
        };
        let (whole, fraction) = text.split_once('.').unwrap_or((text, "0"));
        let digits = |part: &str, max: usize| {
            (1..=max).contains(&part.len()) && part.bytes().all(|b| b.is_ascii_digit())
        };
        let bad = || {
            ApiError::invalid_parameter(
                name,
                format!("expected a decimal number like 99.50, got {text:?}"),
            )
        };
        if !digits(whole, 15) || !digits(fraction, 10) {
            return Err(bad());
        }
        Decimal::from_str(text).map(Some).map_err(|_| bad())
    }

    /// A text parameter, at most [`MAX_Q_CHARS`] characters (counted before trimming, as the
    /// document's `maxLength` counts them).
    pub fn text_query(&self, name: &'static str) -> Result<Option<String>, ApiError> {
        let Some(raw) = self.raw(name) else {
            return Ok(None);
        };
        let num_chars = raw.chars().count();
        if num_chars > MAX_Q_CHARS {
            return Err(ApiError::new(
                ErrorCode::QueryTooLong,
                format!("{name} is {num_chars} characters long; at most {MAX_Q_CHARS} are allowed"),
            ));
        }
        let text = raw.trim();
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
    request.dropped_within = day_window(&params, "dropped_within")?;
    request.at_lowest = day_window(&params, "at_lowest")?;
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
    if request.page > MAX_PAGE {
        return Err(ApiError::invalid_parameter(
            "page",
            format!("{} is past the last page, {MAX_PAGE}", request.page),
        ));
    }
    for list in params.all("facets") {
        for kind in FacetKind::parse_list(list)? {
            if !request.facets.contains(&kind) {
                request.facets.push(kind);
            }
        }
    }
    match params.get("group_by") {
        None | Some("") => {}
        Some(g) if g.eq_ignore_ascii_case("gtin") => request.group_by_gtin = true,
        Some(g) if g.eq_ignore_ascii_case("product") => request.group_by_product = true,
        Some(other) => {
            return Err(ApiError::invalid_parameter(
                "group_by",
                format!("expected gtin or product, got {other:?}"),
            ));
        }
    }
    let ids = SubIds::single("subid", params.get("subid").unwrap_or(""))?;
    Ok((request, ids))
}

/// A window of days (`7d`); empty counts as absent.
fn day_window(params: &QueryParams, name: &'static str) -> Result<Option<u32>, ApiError> {
    match params.get(name).filter(|v| !v.is_empty()) {
        None => Ok(None),
        Some(text) => Ok(Some(parse_day_window(name, text)?)),
    }
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
    if !(1..=MAX_SUGGESTIONS).contains(&(limit as u64)) {
        return Err(ApiError::invalid_parameter(
            "limit",
            format!("{limit} is not between 1 and {MAX_SUGGESTIONS}"),
        ));
    }
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
        let query = "q=running+shoes&brand=Nike&brand=Adidas&category=Sport+%3E+Skor&merchant=M&network=awin&source=s&min_price=10&max_price=99.50&currency=sek&in_stock=true&gtin=4006381333931&sort=price_asc&page=2&per_page=50&facets=brand,price&facets=merchant&group_by=gtin&subid=nl-1&dropped_within=7d&at_lowest=90d";
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
        assert_eq!(
            (request.dropped_within, request.at_lowest),
            (Some(7), Some(90))
        );
        assert_eq!(ids.get(0), Some("nl-1"));
        let (by_drop, _) = search_request(Some("sort=price_drop"))?;
        assert_eq!(by_drop.sort, SortOrder::PriceDrop);
        Ok(())
    }

    #[test]
    fn empty_values_count_as_absent() -> Result<(), ApiError> {
        let (request, ids) = search_request(Some(
            "q=&brand=&min_price=&page=&sort=&subid=&dropped_within=&at_lowest=",
        ))?;
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
            ("page=101", InvalidParameter),
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
            ("dropped_within=7w", InvalidParameter),
            ("dropped_within=0d", InvalidParameter),
            ("at_lowest=401d", InvalidParameter),
            ("at_lowest=-3d", InvalidParameter),
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
