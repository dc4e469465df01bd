//! The path template of every route. The router groups them (public, partner, operator), one
//! route-building function per group; metrics keep a series per path of [`ALL`], and
//! `auth::ROUTE_ACCESS` names the action each needs.

/// Every route, in the order the metrics list them.
pub(crate) const ALL: &[&str] = &[
    SEARCH,
    SUGGEST,
    OFFER,
    PRODUCT,
    OFFER_HISTORY,
    PRODUCT_HISTORY,
    LINKS_GENERATE,
    LINKS_GENERATE_BATCH,
    CLICK_OUT,
    POSTBACK,
    SOURCES,
    EARNINGS,
    EARNINGS_UNATTRIBUTED,
    ALERTS,
    ALERT,
    MATCHES,
    OFFER_PRODUCT,
    HEALTH,
    METRICS,
    OPENAPI,
    KEYS,
    KEY,
    KEYS_SCOPED,
    SOURCE_REFRESH,
    SOURCE_PAUSE,
    SOURCE_RESUME,
    JOB,
    ADMIN_RELOAD,
    PAGE,
    PAGE_ASSET,
];

pub(crate) const SEARCH: &str = "/search";
pub(crate) const SUGGEST: &str = "/suggest";
pub(crate) const OFFER: &str = "/offers/{id}";
pub(crate) const PRODUCT: &str = "/products/{gtin}";
pub(crate) const OFFER_HISTORY: &str = "/offers/{id}/history";
pub(crate) const PRODUCT_HISTORY: &str = "/products/{gtin}/history";
pub(crate) const CLICK_OUT: &str = "/r/{code}";
pub(crate) const POSTBACK: &str = "/api/postback/{program_id}";
pub(crate) const HEALTH: &str = "/health";
pub(crate) const OPENAPI: &str = "/openapi.json";
pub(crate) const LINKS_GENERATE: &str = "/links/generate";
pub(crate) const LINKS_GENERATE_BATCH: &str = "/links/generate-batch";
pub(crate) const SOURCES: &str = "/sources";
pub(crate) const ALERTS: &str = "/alerts";
pub(crate) const ALERT: &str = "/alerts/{id}";
pub(crate) const METRICS: &str = "/metrics";
pub(crate) const KEYS: &str = "/keys";
pub(crate) const KEY: &str = "/keys/{id}";
pub(crate) const KEYS_SCOPED: &str = "/keys/scoped";
pub(crate) const SOURCE_REFRESH: &str = "/sources/{name}/refresh";
pub(crate) const SOURCE_PAUSE: &str = "/sources/{name}/pause";
pub(crate) const SOURCE_RESUME: &str = "/sources/{name}/resume";
pub(crate) const JOB: &str = "/jobs/{id}";
pub(crate) const ADMIN_RELOAD: &str = "/admin/reload";
pub(crate) const MATCHES: &str = "/matches";
pub(crate) const OFFER_PRODUCT: &str = "/offers/{id}/product";
pub(crate) const EARNINGS: &str = "/earnings";
pub(crate) const EARNINGS_UNATTRIBUTED: &str = "/earnings/unattributed";
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
