//! [`Action`]s a key may perform and [`ROUTE_ACCESS`], the one table that says which action each
//! route needs. A new route gets one line here; a test fails for a route of
//! [`route_paths::ALL`](crate::route_paths::ALL) without one.

use crate::route_paths as paths;
use std::fmt;
use std::str::FromStr;

/// What a key may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Action {
    /// Read offers: search, suggestions, offers, products and their price history.
    Search,
    /// Build tracking links.
    Links,
    /// Read clicks and what they earned (`/earnings`).
    Clicks,
    /// Post conversions.
    Postback,
    /// Operate the server: sources, jobs, keys, metrics, reload, price alerts, product matching.
    Admin,
}

impl Action {
    pub const ALL: [Action; 5] = [
        Action::Search,
        Action::Links,
        Action::Clicks,
        Action::Postback,
        Action::Admin,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Action::Search => "search",
            Action::Links => "links",
            Action::Clicks => "clicks",
            Action::Postback => "postback",
            Action::Admin => "admin",
        }
    }
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Action {
    type Err = String;

    fn from_str(text: &str) -> Result<Action, String> {
        Action::ALL
            .into_iter()
            .find(|action| action.as_str() == text)
            .ok_or_else(|| {
                let known: Vec<&str> = Action::ALL.iter().map(|a| a.as_str()).collect();
                format!(
                    "unknown action {text:?}; expected one of {}",
                    known.join(", ")
                )
            })
    }
}

/// What a route asks of its caller when keys are on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// No key: shoppers' browsers follow the click-out and cannot send headers; health checks
    /// and the API description are for anyone.
    Open,
    /// A key with this action.
    Needs(Action),
    /// The handler checks a key of the route's own: a conversion postback carries the key of
    /// its program (`[[program]]` in the config), which the networks are given, not a server key.
    OwnKey,
}

/// Route template → what it needs. Every route of the router is listed.
pub const ROUTE_ACCESS: &[(&str, Access)] = &[
    (paths::SEARCH, Access::Needs(Action::Search)),
    (paths::SUGGEST, Access::Needs(Action::Search)),
    (paths::OFFER, Access::Needs(Action::Search)),
    (paths::PRODUCT, Access::Needs(Action::Search)),
    (paths::OFFER_HISTORY, Access::Needs(Action::Search)),
    (paths::PRODUCT_HISTORY, Access::Needs(Action::Search)),
    (paths::LINKS_GENERATE, Access::Needs(Action::Links)),
    (paths::LINKS_GENERATE_BATCH, Access::Needs(Action::Links)),
    (paths::CLICK_OUT, Access::Open),
    (paths::SOURCES, Access::Needs(Action::Admin)),
    (paths::HEALTH, Access::Open),
    (paths::METRICS, Access::Needs(Action::Admin)),
    (paths::OPENAPI, Access::Open),
    // The comparison page and its files: a browser loads them before any key is in play.
    (paths::PAGE, Access::Open),
    (paths::PAGE_ASSET, Access::Open),
    (paths::KEYS, Access::Needs(Action::Admin)),
    (paths::KEY, Access::Needs(Action::Admin)),
    // A search key narrows itself; the handler checks that the caller's key may search.
    (paths::KEYS_SCOPED, Access::Needs(Action::Search)),
    (paths::SOURCE_REFRESH, Access::Needs(Action::Admin)),
    (paths::SOURCE_PAUSE, Access::Needs(Action::Admin)),
    (paths::SOURCE_RESUME, Access::Needs(Action::Admin)),
    (paths::JOB, Access::Needs(Action::Admin)),
    (paths::ADMIN_RELOAD, Access::Needs(Action::Admin)),
    (paths::MATCHES, Access::Needs(Action::Admin)),
    (paths::OFFER_PRODUCT, Access::Needs(Action::Admin)),
    (paths::POSTBACK, Access::OwnKey),
    (paths::EARNINGS, Access::Needs(Action::Clicks)),
    (paths::EARNINGS_UNATTRIBUTED, Access::Needs(Action::Clicks)),
    (paths::ALERTS, Access::Needs(Action::Admin)),
    (paths::ALERT, Access::Needs(Action::Admin)),
];

/// What `route` needs; `None` for a path that is not a route (the 404 answers it).
pub fn access_of(route: &str) -> Option<Access> {
    ROUTE_ACCESS
        .iter()
        .find(|(path, _)| *path == route)
        .map(|(_, access)| *access)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_route_has_exactly_one_access_rule() {
        for route in paths::ALL {
            let rules = ROUTE_ACCESS.iter().filter(|(p, _)| p == route).count();
            assert_eq!(rules, 1, "{route} needs one line in ROUTE_ACCESS");
        }
        assert_eq!(
            ROUTE_ACCESS.len(),
            paths::ALL.len(),
            "no rule without a route"
        );
    }

    #[test]
    fn the_click_out_and_health_stay_open() {
        assert_eq!(access_of(paths::CLICK_OUT), Some(Access::Open));
        assert_eq!(access_of(paths::HEALTH), Some(Access::Open));
        assert_eq!(
            access_of(paths::SOURCES),
            Some(Access::Needs(Action::Admin))
        );
        assert_eq!(access_of("/nope"), None);
    }

    #[test]
    fn actions_read_their_names() {
        for action in Action::ALL {
            assert_eq!(action.as_str().parse::<Action>(), Ok(action));
        }
        assert!(
            "delete"
                .parse::<Action>()
                .is_err_and(|e| e.contains("search"))
        );
    }
}
