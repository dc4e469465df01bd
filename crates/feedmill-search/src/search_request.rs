//! [`SearchRequest`]: what the CLI `search` command and the HTTP API ask a search backend, and
//! its validation into user errors, the same for every backend.

use crate::error::RequestError;
use crate::merchant_ranks::MerchantRanks;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;
use std::sync::Arc;

/// Results per page when the caller does not say.
pub const DEFAULT_PER_PAGE: usize = 20;
/// Most results in one page; a larger page is a user error, not a silent clamp.
pub const MAX_PER_PAGE: usize = 100;
/// Deepest result reachable by paging (`page * per_page`); deeper pages cost a collector that
/// keeps that many hits for every query and no shopper reads them.
pub const MAX_RESULT_WINDOW: usize = 10_000;
/// Longest text query, in characters.
pub const MAX_QUERY_CHARS: usize = 256;
/// Most brands in one filter.
pub const MAX_BRANDS: usize = 50;
/// Longest window of `dropped_within` and `at_lowest`, in days: the default retention of raw
/// price history, beyond which there is nothing to look at.
pub const MAX_DAY_WINDOW: u32 = 400;

/// One search. Field names are the CLI flags and HTTP query parameters.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(default)]
pub struct SearchRequest {
    /// Free text over title, brand, category and description.
    pub query: Option<String>,
    /// Any of these brands (case and accents ignored).
    pub brands: Vec<String>,
    /// A `" > "` category path; matches the path and everything under it.
    pub category: Option<String>,
    pub merchant: Option<String>,
    pub network: Option<String>,
    pub source: Option<String>,
    /// Inclusive bounds on the price (without shipping), in the offer's currency.
    pub min_price: Option<Decimal>,
    pub max_price: Option<Decimal>,
    pub currency: Option<String>,
    /// Only offers in stock.
    pub in_stock: bool,
    /// Offers of one product; any GTIN length (8 to 14 digits).
    pub gtin: Option<String>,
    pub sort: SortOrder,
    /// 1-based.
    pub page: usize,
    pub per_page: usize,
    /// Facets to count over the whole result set.
    pub facets: Vec<FacetKind>,
    /// Group offers of one product (same GTIN and currency) into one item.
    pub group_by_gtin: bool,
    /// Group offers of one matched product (same `product_id` and currency) into one item.
    pub group_by_product: bool,
    /// What [`SortOrder::Epc`] ranks merchants by; required by that order, ignored by the
    /// others. Not part of the request's JSON: the caller computes it (the API, from its
    /// store), not the shopper.
    #[serde(skip)]
    pub merchant_ranks: Option<Arc<MerchantRanks>>,
    /// Only offers whose price dropped within this many days (price history required).
    pub dropped_within: Option<u32>,
    /// Only offers whose price is at or below every price they had in this many days (their
    /// history must reach that far back).
    pub at_lowest: Option<u32>,
}

impl Default for SearchRequest {
    fn default() -> Self {
        SearchRequest {
            query: None,
            brands: Vec::new(),
            category: None,
            merchant: None,
            network: None,
            source: None,
            min_price: None,
            max_price: None,
            currency: None,
            in_stock: false,
            gtin: None,
            sort: SortOrder::Relevance,
            page: 1,
            per_page: DEFAULT_PER_PAGE,
            facets: Vec::new(),
            group_by_gtin: false,
            group_by_product: false,
            merchant_ranks: None,
            dropped_within: None,
            at_lowest: None,
        }
    }
}

impl SearchRequest {
    /// Checks the paging, the query length, the brands and the price bounds; a backend checks
    /// the other filters (a GTIN, a category path) as it builds its query.
    pub fn validate(&self) -> Result<(), RequestError> {
        if self.page == 0 {
            return Err(RequestError::invalid("page", "pages start at 1"));
        }
        if !(1..=MAX_PER_PAGE).contains(&self.per_page) {
            return Err(RequestError::invalid(
                "per_page",
                format!("{} is not between 1 and {MAX_PER_PAGE}", self.per_page),
            ));
        }
        if self.page.saturating_mul(self.per_page) > MAX_RESULT_WINDOW {
            return Err(RequestError::invalid(
                "page",
                format!("results beyond the first {MAX_RESULT_WINDOW} cannot be paged to"),
            ));
        }
        let query_chars = self.query.as_deref().map_or(0, |q| q.chars().count());
        if query_chars > MAX_QUERY_CHARS {
            return Err(RequestError::invalid(
                "query",
                format!("longer than {MAX_QUERY_CHARS} characters"),
            ));
        }
        if self.brands.len() > MAX_BRANDS {
            return Err(RequestError::invalid(
                "brands",
                format!("more than {MAX_BRANDS} brands"),
            ));
        }
        for (field, window) in [
            ("dropped_within", self.dropped_within),
            ("at_lowest", self.at_lowest),
        ] {
            if window.is_some_and(|days| !(1..=MAX_DAY_WINDOW).contains(&days)) {
                return Err(RequestError::invalid(
                    field,
                    format!("expected 1d to {MAX_DAY_WINDOW}d"),
                ));
            }
        }
        if self.group_by_gtin && self.group_by_product {
            return Err(RequestError::invalid(
                "group_by",
                "one grouping at a time: gtin or product",
            ));
        }
        self.validate_sort()?;
        self.validate_prices()
    }

    /// What the request groups by, if anything.
    pub fn grouping(&self) -> Option<Grouping> {
        match (self.group_by_gtin, self.group_by_product) {
            (true, _) => Some(Grouping::Gtin),
            (false, true) => Some(Grouping::Product),
            (false, false) => None,
        }
    }

    /// True when the request filters by price history.
    pub fn filters_by_history(&self) -> bool {
        self.dropped_within.is_some() || self.at_lowest.is_some()
    }

    /// `epc` needs its merchant ranks and ranks offers, not products.
    fn validate_sort(&self) -> Result<(), RequestError> {
        if self.sort != SortOrder::Epc {
            return Ok(());
        }
        if let Some(grouping) = self.grouping() {
            return Err(RequestError::invalid(
                "sort",
                format!(
                    "epc ranks offers by their merchant and cannot be combined with group_by={}",
                    grouping.as_str()
                ),
            ));
        }
        if self.merchant_ranks.is_none() {
            return Err(RequestError::invalid(
                "sort",
                "epc needs the merchants' earnings per click, which only a server with a store computes",
            ));
        }
        Ok(())
    }

    fn validate_prices(&self) -> Result<(), RequestError> {
        for (field, price) in [("min_price", self.min_price), ("max_price", self.max_price)] {
            if price.is_some_and(|p| p.is_sign_negative() && !p.is_zero()) {
                return Err(RequestError::invalid(field, "prices are not negative"));
            }
        }
        if let (Some(min), Some(max)) = (self.min_price, self.max_price)
            && min > max
        {
            return Err(RequestError::invalid(
                "min_price",
                format!("{min} is above max_price {max}"),
            ));
        }
        Ok(())
    }

    /// Hits skipped before the requested page (of a validated request).
    pub fn offset(&self) -> usize {
        (self.page - 1) * self.per_page
    }
}

/// What a grouped search groups by: the GTIN the offers carry, or the product the matcher
/// placed them in (which also holds offers without a GTIN).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Grouping {
    Gtin,
    Product,
}

impl Grouping {
    pub const ALL: [Grouping; 2] = [Grouping::Gtin, Grouping::Product];

    /// The `group_by` value that asks for it.
    pub fn as_str(self) -> &'static str {
        match self {
            Grouping::Gtin => "gtin",
            Grouping::Product => "product",
        }
    }

    /// Its place in [`Grouping::ALL`], for per-grouping tables.
    pub fn index(self) -> usize {
        match self {
            Grouping::Gtin => 0,
            Grouping::Product => 1,
        }
    }
}

/// Result order. `relevance` without a text query keeps index order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SortOrder {
    #[default]
    Relevance,
    PriceAsc,
    PriceDesc,
    /// Most recently updated first.
    Newest,
    /// Largest honest discount first: percent below the 30-day low when price history is kept,
    /// else (no history) percent below the feed's old price.
    Discount,
    /// Largest last price drop first, as a percent of the previous price.
    PriceDrop,
    /// Offers of the merchants with the best earnings per click first (the request's
    /// [`MerchantRanks`]); unranked merchants' offers after every ranked one; ties by relevance.
    Epc,
}

impl SortOrder {
    /// Every order a backend sorts by the offers' own fields. [`SortOrder::Epc`] is not among
    /// them: it also needs the request's [`MerchantRanks`] (see [`SortOrder::NAMED`]).
    pub const ALL: [SortOrder; 6] = [
        SortOrder::Relevance,
        SortOrder::PriceAsc,
        SortOrder::PriceDesc,
        SortOrder::Newest,
        SortOrder::Discount,
        SortOrder::PriceDrop,
    ];

    /// Every order a caller can name.
    pub const NAMED: [SortOrder; 7] = [
        SortOrder::Relevance,
        SortOrder::PriceAsc,
        SortOrder::PriceDesc,
        SortOrder::Newest,
        SortOrder::Discount,
        SortOrder::PriceDrop,
        SortOrder::Epc,
    ];

    /// Orders that use the text's relevance score (`epc` breaks its ties by it).
    pub fn uses_relevance(self) -> bool {
        matches!(self, SortOrder::Relevance | SortOrder::Epc)
    }

    /// Cheapest or dearest first.
    pub fn is_by_price(self) -> bool {
        matches!(self, SortOrder::PriceAsc | SortOrder::PriceDesc)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            SortOrder::Relevance => "relevance",
            SortOrder::PriceAsc => "price_asc",
            SortOrder::PriceDesc => "price_desc",
            SortOrder::Newest => "newest",
            SortOrder::Discount => "discount",
            SortOrder::PriceDrop => "price_drop",
            SortOrder::Epc => "epc",
        }
    }
}

/// A window of days as the CLI and the HTTP API write it: `7d` (or a bare `7`).
pub fn parse_day_window(field: &'static str, text: &str) -> Result<u32, RequestError> {
    let trimmed = text.trim();
    let digits = trimmed.strip_suffix(['d', 'D']).unwrap_or(trimmed);
    let days: u32 = digits.parse().map_err(|_| {
        RequestError::invalid(field, format!("{text:?} is not a number of days like 7d"))
    })?;
    if !(1..=MAX_DAY_WINDOW).contains(&days) {
        return Err(RequestError::invalid(
            field,
            format!("expected 1d to {MAX_DAY_WINDOW}d"),
        ));
    }
    Ok(days)
}

impl FromStr for SortOrder {
    type Err = RequestError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        SortOrder::NAMED
            .into_iter()
            .find(|order| order.as_str().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| RequestError::UnknownSortOrder(s.to_string()))
    }
}

impl fmt::Display for SortOrder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A facet the response can count.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FacetKind {
    Brand,
    Category,
    Merchant,
    Network,
    Price,
}

impl FacetKind {
    pub const ALL: [FacetKind; 5] = [
        FacetKind::Brand,
        FacetKind::Category,
        FacetKind::Merchant,
        FacetKind::Network,
        FacetKind::Price,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            FacetKind::Brand => "brand",
            FacetKind::Category => "category",
            FacetKind::Merchant => "merchant",
            FacetKind::Network => "network",
            FacetKind::Price => "price",
        }
    }

    /// A comma-separated list (`brand,price`), as the CLI and the HTTP API take it.
    pub fn parse_list(list: &str) -> Result<Vec<FacetKind>, RequestError> {
        let mut kinds = Vec::new();
        for name in list.split(',').map(str::trim).filter(|n| !n.is_empty()) {
            let kind = name.parse()?;
            if !kinds.contains(&kind) {
                kinds.push(kind);
            }
        }
        Ok(kinds)
    }
}

impl FromStr for FacetKind {
    type Err = RequestError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        FacetKind::ALL
            .into_iter()
            .find(|kind| kind.as_str().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| RequestError::UnknownFacet(s.to_string()))
    }
}

impl fmt::Display for FacetKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_sort_names() -> Result<(), RequestError> {
        for order in SortOrder::NAMED {
            assert_eq!(order.as_str().parse::<SortOrder>()?, order);
        }
        let err = "cheapest".parse::<SortOrder>().err();
        assert!(err.is_some_and(|e| matches!(e, RequestError::UnknownSortOrder(_))));
        Ok(())
    }

    #[test]
    fn parses_day_windows() {
        assert_eq!(parse_day_window("at_lowest", "90d"), Ok(90));
        assert_eq!(parse_day_window("at_lowest", " 7 "), Ok(7));
        for bad in ["0d", "401d", "7w", "-1d", "", "d"] {
            assert!(parse_day_window("at_lowest", bad).is_err(), "{bad}");
        }
        let request = SearchRequest {
            dropped_within: Some(0),
            ..SearchRequest::default()
        };
        assert!(request.validate().is_err());
    }

    #[test]
    fn parses_facet_lists() -> Result<(), RequestError> {
        let kinds = FacetKind::parse_list("brand, price,brand")?;
        assert_eq!(kinds, [FacetKind::Brand, FacetKind::Price]);
        assert!(FacetKind::parse_list("brand,colour").is_err());
        Ok(())
    }

    #[test]
    fn rejects_bad_paging_and_prices() {
        let bad = [
            SearchRequest {
                per_page: 0,
                ..SearchRequest::default()
            },
            SearchRequest {
                page: 0,
                ..SearchRequest::default()
            },
            SearchRequest {
                page: 1000,
                per_page: 100,
                ..SearchRequest::default()
            },
            SearchRequest {
                min_price: Some(Decimal::from(10)),
                max_price: Some(Decimal::from(5)),
                ..SearchRequest::default()
            },
            SearchRequest {
                min_price: Some(Decimal::from(-1)),
                ..SearchRequest::default()
            },
        ];
        for request in bad {
            let err = request.validate().err();
            assert!(
                err.is_some_and(|e| matches!(e, RequestError::InvalidInput { .. })),
                "{request:?}"
            );
        }
        assert!(SearchRequest::default().validate().is_ok());
    }

    #[test]
    fn epc_needs_its_ranks_and_no_grouping() {
        let without_ranks = SearchRequest {
            sort: SortOrder::Epc,
            ..SearchRequest::default()
        };
        assert!(without_ranks.validate().is_err());
        let ranked = SearchRequest {
            merchant_ranks: Some(Arc::new(MerchantRanks::empty(None))),
            ..without_ranks
        };
        assert!(ranked.validate().is_ok());
        let grouped = SearchRequest {
            group_by_gtin: true,
            ..ranked
        };
        let err = grouped.validate().err().map(|e| e.to_string());
        assert!(err.is_some_and(|e| e.contains("group_by")));
    }
}
