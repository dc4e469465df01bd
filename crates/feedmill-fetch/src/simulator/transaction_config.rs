//! What the simulator's transaction reports and commission types serve, and their faults:
//! [`TransactionSimConfig`], the `transactions` field of the simulator's config.

use serde_json::{Value, json};
use std::collections::BTreeMap;

/// Report rows per network (as each network writes them; a test may put a malformed one in),
/// commission types per Adtraction program, and the faults of these routes.
#[derive(Debug, Clone)]
pub struct TransactionSimConfig {
    /// Rows of `api.php?mod=medium&op=transaction`, filtered by `order_time`.
    pub partnerboost_rows: Vec<Value>,
    /// The largest page the PartnerBoost report serves, whatever `limit` asks (2,000, as
    /// documented); lower it to make a test page.
    pub partnerboost_page_cap: usize,
    /// Rows of `POST /v2/partner/transactions/`, filtered by `transactionDate`.
    pub adtraction_rows: Vec<Value>,
    /// `GET /v3/partner/programs/commissions/{programId}/…`, per program id.
    pub adtraction_commissions: BTreeMap<u64, Vec<Value>>,
    /// Rows of `GET /publishers/{id}/transactions/`, filtered by `transactionDate`.
    pub awin_rows: Vec<Value>,
    /// The Awin publisher whose report is served (any other id → 404).
    pub awin_publisher_id: u64,
    /// Accepted as `Authorization: Bearer …` on Awin's API; any other → 401.
    pub awin_api_token: String,
    /// Awin's documented limit: more calls than this in a minute answer 429.
    pub awin_calls_per_minute: usize,
    /// The first N calls to any transaction report answer 429 with `Retry-After`.
    pub rate_limited_first_n: u32,
    /// The `Retry-After` (seconds) of those 429s.
    pub retry_after_secs: u64,
}

impl Default for TransactionSimConfig {
    fn default() -> Self {
        let mut adtraction_commissions = BTreeMap::new();
        adtraction_commissions.insert(629_059_552, vec![seed_commission_type()]);
        TransactionSimConfig {
            partnerboost_rows: Vec::new(),
            partnerboost_page_cap: 2_000,
            adtraction_rows: Vec::new(),
            adtraction_commissions,
            awin_rows: Vec::new(),
            awin_publisher_id: 123_456,
            awin_api_token: "awin-api-test-token".into(),
            awin_calls_per_minute: 20,
            rate_limited_first_n: 0,
            retry_after_secs: 7,
        }
    }
}

/// The commission type of Adtraction's documentation: 100 SEK per sale, 4.5 % on books,
/// 7.5 SEK from an order value of 1,500.
pub fn seed_commission_type() -> Value {
    json!({
        "id": "1066446216", "type": "SEK", "name": "Sale new customer", "value": 100,
        "transactionType": 3,
        "categories": [{"category": "Books", "type": "%", "value": 4.5}],
        "thresholds": [{"orderValue": 1500, "type": "SEK", "value": 7.5}]
    })
}

/// A PartnerBoost report row (every number a string, `order_time` unix seconds).
pub fn partnerboost_row(
    order_id: &str,
    status: &str,
    order_time: i64,
    uid5: Option<&str>,
) -> Value {
    json!({
        "channel_id": "9527", "brand_id": "66303", "mcid": "ulike0", "merchant_name": "Ulike",
        "order_id": order_id, "order_time": order_time.to_string(),
        "sale_amount": "369.64", "sale_comm": "41.40", "comm_rate": "11.20%",
        "status": status, "uid": "nl", "uid5": uid5.unwrap_or("")
    })
}

/// An Adtraction partner transaction (`transactionDate` in Stockholm time with its offset).
/// Its `click` carries `epi` only, the one sub-id Adtraction reports back: the click id the
/// click-out put there, else a caller's marker (`nl`) of a link made without one.
pub fn adtraction_row(unique_id: &str, status: u8, date: &str, epi: Option<&str>) -> Value {
    json!({
        "uniqueId": unique_id, "programId": 629059552, "programName": "Kitchentime SE",
        "orderValue": 1299.0, "commission": 103.92, "currency": "SEK",
        "transactionDate": date, "transactionStatus": status, "transactionType": 3,
        "click": {"epi": epi.unwrap_or("nl")}
    })
}

/// An Awin publisher transaction (`transactionDate` in UTC, as asked with `timezone=UTC`).
pub fn awin_row(id: u64, status: &str, date: &str, click_ref6: Option<&str>) -> Value {
    json!({
        "id": id, "advertiserId": 1001, "advertiserName": "Sneakerhub",
        "commissionStatus": status,
        "commissionAmount": {"amount": 4.5, "currency": "EUR"},
        "saleAmount": {"amount": 89.9, "currency": "EUR"},
        "transactionDate": date,
        "clickRefs": {"clickRef": "nl", "clickRef6": click_ref6}
    })
}
