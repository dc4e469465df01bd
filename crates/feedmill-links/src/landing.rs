//! [`Landing`]: where a deep link lands, the one choice every network's link editing takes.

use url::Url;

/// Where a deep link lands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Landing<'a> {
    /// The page the tracking URL already names (a feed's product link).
    AsGiven,
    /// Another page of the merchant.
    Page(&'a Url),
    /// The program's default landing page: the tracking URL without a landing page.
    Default,
}
