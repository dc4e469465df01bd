//! The path template of every route. The router groups them (public, partner, operator), one
//! route-building function per group; metrics keep a series per path of [`ALL`].

/// Every route, in the order the metrics list them.
pub(crate) const ALL: &[&str] = &[
    SEARCH,
    SUGGEST,
    OFFER,
    PRODUCT,
    LINKS_GENERATE,
    LINKS_GENERATE_BATCH,
    CLICK_OUT,
    SOURCES,
    HEALTH,
    METRICS,
    OPENAPI,
    PAGE,
    PAGE_ASSET,
];

pub(crate) const SEARCH: &str = "/search";
pub(crate) const SUGGEST: &str = "/suggest";
pub(crate) const OFFER: &str = "/offers/{id}";
pub(crate) const PRODUCT: &str = "/products/{gtin}";
pub(crate) const CLICK_OUT: &str = "/r/{code}";
pub(crate) const HEALTH: &str = "/health";
pub(crate) const OPENAPI: &str = "/openapi.json";
pub(crate) const LINKS_GENERATE: &str = "/links/generate";
pub(crate) const LINKS_GENERATE_BATCH: &str = "/links/generate-batch";
pub(crate) const SOURCES: &str = "/sources";
pub(crate) const METRICS: &str = "/metrics";
/// The comparison page and its embedded assets (open in every key mode: a browser loads them).
pub(crate) const PAGE: &str = "/";
pub(crate) const PAGE_ASSET: &str = "/assets/{file}";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_route_is_listed_once() {
        let mut unique = ALL.to_vec();
        unique.sort_unstable();
        unique.dedup();
        assert_eq!(unique.len(), ALL.len());
    }
}
