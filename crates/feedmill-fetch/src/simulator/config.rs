//! What the simulator serves and which faults it injects; every knob is a plain public field.

use super::sample_data;
use super::transaction_config::TransactionSimConfig;
use std::collections::BTreeMap;
use std::time::Duration;

/// The simulator's data and faults. `Default` serves a small healthy world: one Adtraction
/// program (API products + an XML feed file), a PartnerBoost datafeed, an Awin gzip CSV.
#[derive(Debug, Clone)]
pub struct SimulatorConfig {
    // ---- credentials -----------------------------------------------------------------
    /// Accepted in `X-Token` (or `?token=`); missing → 401, any other value → 403.
    pub adtraction_token: String,
    /// Accepted as `token`; missing → code 1003, any other value → code 1001.
    pub partnerboost_token: String,
    /// The key in Awin download URLs; any other → 401.
    pub awin_key: String,

    // ---- data ------------------------------------------------------------------------
    pub adtraction_program_id: u64,
    pub adtraction_channel_id: u64,
    pub adtraction_feed_id: u64,
    /// What `POST /partner/products/feed/` returns.
    pub adtraction_products: Vec<serde_json::Value>,
    /// The file (in `files`) that feed info's `feedUrl` points at.
    pub adtraction_feed_file: String,
    /// `lastUpdated` in the feed info.
    pub adtraction_feed_last_updated: String,
    /// The datafeed's items (every number a string, as PartnerBoost sends them).
    pub partnerboost_items: Vec<serde_json::Value>,
    /// The Monetization API's brand list.
    pub partnerboost_brands: Vec<serde_json::Value>,
    /// The file (in `files`) served for Awin downloads.
    pub awin_file: String,
    /// Files served at `/files/{name}` (and for Awin / Adtraction feed URLs).
    pub files: BTreeMap<String, Vec<u8>>,
    /// Serve `ETag` / `Last-Modified` and answer matching conditional requests with 304.
    pub conditional_get: bool,

    // ---- faults (counted from the simulator's start, over all routes) ----------------
    /// The first N requests answer `server_error_status`.
    pub fail_first_n_with_500: u32,
    /// Every request from this one on (1-based, counted from the start) fails the same way:
    /// an outage that begins in the middle of a paged fetch.
    pub fail_from_request: Option<usize>,
    /// The status of those failures (500 by default; 502, 503 …).
    pub server_error_status: u16,
    /// `Retry-After` (seconds) sent with the failures.
    pub retry_after_secs: Option<u64>,
    /// Adtraction's quota per window: past it, 429 with the time until reset in the message.
    pub rate_limit_after_n: u32,
    pub rate_limit_window: Duration,
    /// The first N PartnerBoost calls answer code 1002 (HTTP 200).
    pub partnerboost_busy_first_n: u32,
    /// The first N responses with a body (files, products, datafeed pages) are cut halfway,
    /// with the full `Content-Length` announced.
    pub truncate_first_n: u32,
    /// The first `delay_first_n` requests wait this long before answering (real time).
    pub delay: Duration,
    pub delay_first_n: u32,

    // ---- transaction reports and commission types ------------------------------------
    pub transactions: TransactionSimConfig,
}

pub const ADTRACTION_FEED_FILE: &str = "adtraction-759.xml";
pub const AWIN_FILE: &str = "awin-feed.csv.gz";

impl Default for SimulatorConfig {
    fn default() -> Self {
        let adtraction_products = sample_data::adtraction_products(629_059_552, 12);
        let mut files = BTreeMap::new();
        files.insert(
            ADTRACTION_FEED_FILE.to_string(),
            sample_data::adtraction_feed_xml(&adtraction_products),
        );
        files.insert(AWIN_FILE.to_string(), sample_data::awin_csv_gz(10));
        SimulatorConfig {
            adtraction_token: "adtraction-test-token".into(),
            partnerboost_token: "partnerboost-test-token".into(),
            awin_key: "awin-test-key".into(),
            adtraction_program_id: 629_059_552,
            adtraction_channel_id: 1_175_982_945,
            adtraction_feed_id: 759,
            adtraction_products,
            adtraction_feed_file: ADTRACTION_FEED_FILE.into(),
            adtraction_feed_last_updated: "2022-02-03T02:05:06+0100".into(),
            partnerboost_items: sample_data::partnerboost_items(25),
            partnerboost_brands: sample_data::partnerboost_brands(),
            awin_file: AWIN_FILE.into(),
            files,
            conditional_get: true,
            fail_first_n_with_500: 0,
            fail_from_request: None,
            server_error_status: 500,
            retry_after_secs: None,
            rate_limit_after_n: 30,
            rate_limit_window: Duration::from_secs(60),
            partnerboost_busy_first_n: 0,
            truncate_first_n: 0,
            delay: Duration::ZERO,
            delay_first_n: 0,
            transactions: TransactionSimConfig::default(),
        }
    }
}
