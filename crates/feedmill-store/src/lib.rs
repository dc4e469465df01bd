//! The feedmill store: what happens after the click-out — clicks, conversion postbacks,
//! network transactions, attribution and earnings — and the price history behind honest
//! discounts, in one embedded SQLite file or on a Postgres server shared by several processes.
//!
//! # The seam
//! [`Store`] is a set of traits ([`ClickStore`], [`ConversionStore`], [`TransactionStore`],
//! [`EarningsStore`], [`PriceHistoryStore`], [`KeyStore`], [`CommissionStore`], [`AlertStore`], [`ProductMatchStore`], [`Migrations`]) so that a server database can
//! follow SQLite. The test suite is written once against them (`suite`, run for each store by
//! `store_suite!` with a factory of fresh stores). The traits are **synchronous**: SQLite
//! work is blocking, the API (axum on tokio) runs it in `spawn_blocking` as it does searches,
//! and "acknowledged means durable" is then a plain return — every write method returns only
//! after its transaction is committed to disk, so a click is stored before the redirect and a
//! postback before its 200. Sync traits are object safe (`Arc<dyn Store>`), and a Postgres
//! store can implement them with a blocking client. No store reads the clock: times come in.
//!
//! # SQLite ([`SqliteStore`])
//! One file given by the caller (the binary will put it beside the index). WAL mode,
//! `synchronous=FULL`, `foreign_keys=ON`, a 5 s busy timeout. Schema versions are
//! `PRAGMA user_version`, each migration applied once in its own transaction; a database newer
//! than the code is refused. **Group commit**: one writer thread owns the write connection and
//! drains a bounded channel (1,024 writes), committing every waiting write (up to 512) in one
//! transaction — each in a savepoint, so one failing write fails alone — then answering each
//! caller ([`SqliteStore::writer_stats`] counts writes and commits); reads use a small pool of
//! read connections, which WAL lets read during writes. A price batch is written as one write,
//! so it holds the writer while it runs (its comparison is done before, off the writer).
//!
//! # Postgres ([`PostgresStore`])
//! The same traits on a server (`postgres://user@host:port/db`, the password from
//! [`PASSWORD_VARIABLES`]), the same tables and statements (module `postgres`), its own
//! versioned migrations. The blocking client runs on worker threads that own the connections,
//! never on the caller's thread (which may be inside a tokio runtime). Every write is one
//! transaction holding its schema's advisory write lock, so replicas write one at a time as
//! SQLite's writer does; commits are durable (`synchronous_commit = on`). [`RefreshLease`]
//! tells which of the processes on one store runs the refresh jobs. The suite runs against it
//! when `FEEDMILL_TEST_POSTGRES_URL` names a server (`tests/store/postgres run -- cargo test -p
//! feedmill-store`).
//!
//! # Schema (migration 1)
//! Money is `INTEGER` ten-thousandths and times `INTEGER` microseconds since the epoch (UTC)
//! (`stored`): exact, summed and compared by SQL, portable to Postgres `BIGINT`.
//! ```text
//! clicks(click_id PK, time_us, offer_id, source, network, merchant, sub_id..sub_id_6,
//!        referrer, destination)                      idx (time_us), (sub_id, time_us)
//! conversions(conversion_id PK, program_id, order_id, click_id, visitor_id, customer_id_hash,
//!        sub_id, currency, amount, gross/net/items/shipping/discount/tax/refunded_amount,
//!        sale_amount, commission_amount, order_status, payment_status, status,
//!        order_time_us, quantity, received_us, updated_us, sale_time_us,
//!        attributed_click → clicks, attribution)    UNIQUE (program_id, order_id)
//! conversion_status_history(conversion_id → conversions, status, time_us)
//! network_transactions(network, transaction_id, status, sale_amount, commission_amount,
//!        currency, transaction_time_us, program_id, merchant, click_ref, sub_id..sub_id_6,
//!        first_seen_us, updated_us, attributed_click → clicks, attribution)
//!                                                    PK (network, transaction_id)
//! transaction_status_history(network, transaction_id → network_transactions, status, time_us)
//! price_points(source, offer_id, time_us, kind, price, old_price, currency, availability)
//!                                                    PK (source, offer_id, time_us)
//! price_state(source, offer_id, price, old_price, currency, availability, listed)
//!                                                    PK (source, offer_id): last known state
//!        + since_us, previous_price, history_days, lowest_30d, lowest_since_us (migration
//!          `SCHEMA_PRICE_SUMMARY`: the offer's PriceSummary, NULL until computed)
//! gtin_low_runs(gtin, currency, merchant, source, day, low_price, carry_price)
//!                                                    PK (gtin, currency, merchant, source, day)
//! gtin_low_latest(source, gtin, currency, merchant, day, low_price, carry_price)
//!                                                    PK (source, gtin, currency, merchant)
//! price_batch_days(source, day)                      PK (source, day)
//! price_state_tokens(source, token)                  PK (source): random, new with each batch
//! ```
//! Commission rules have a migration of their own:
//! `commission_rules(network, program_id, position, rule_json, fetched_us)` PK (network,
//! program_id, position), one JSON rule per commission type ([`CommissionStore`]).
//!
//! # Schema (the alerts migration)
//! ```text
//! alerts(alert_id PK, offer_id | gtin (exactly one), below, currency, callback_url, secret,
//!        created_us, is_below, evaluated_us)
//! alert_deliveries(delivery_id PK, alert_id → alerts ON DELETE CASCADE, created_us, price,
//!        currency, offer_id, state, attempts, last_error, last_attempt_us, delivered_us)
//!                                                    idx (alert_id, created_us), pending ones
//! ```
//! A later migration adds `claim_token, claimed_until_us` to `alert_deliveries`: the run that
//! holds a pending delivery and until when ([`DeliveryClaim`]).
//!
//! # Schema (the product matches migration)
//! ```text
//! product_matches(source, offer_id, fingerprint, product_id, match_json)
//!                                                    PK (source, offer_id)
//! model_gtins(model_key, gtin14, source)             PK (model_key, gtin14, source)
//! match_reviews(source, offer_id, title, candidate_offer_id, candidate_title,
//!        candidate_product_id, score, created_us)    PK (source, offer_id), idx (score)
//! product_pins(offer_id PK, source, product_id (NULL: split), created_us)
//! ```
//!
//! # The parts
//! - Click ids: 128 random bits as hex, revealing nothing ([`ClickId`]). An old NDJSON click
//!   log is imported idempotently, malformed lines reported by number ([`ImportReport`]).
//! - Postbacks: [`validate_postback`] checks Linkbest's format rules and names the field and
//!   rule it rejects; the upsert by (program, order) keeps one `conversion_id` and a status
//!   history.
//! - Network transactions: upsert by (network, transaction id) with status history.
//! - Attribution by click id, else by sub-id in a 30-day window, else unattributed and listed
//!   ([`attribution`](crate::Attribution)); earnings per day, source, merchant, offer or sub-id
//!   with commission by status and EPC per currency ([`EarningsRow`]), answered as an
//!   [`EarningsReport`] over a period read by [`report_period`].
//! - Price alerts ([`AlertStore`]): a threshold per offer or GTIN, evaluated by the caller,
//!   one delivery per drop below it (a compare-and-set in the same write), delivery state kept.
//! - Price history: only changes, gaps for disappearances, a batch per ingest compared with a
//!   compact last-known state ([`PriceBatch`]), the EU 30-day low ([`thirty_day_low`]), daily
//!   GTIN lows per merchant, pruning by retention ([`DEFAULT_RETENTION_DAYS`]); each offer's
//!   [`PriceSummary`] (its honest figures) kept in its last known state, computed only when its
//!   price changes ([`PriceHistoryStore::observe_prices`]).
//! - Product matching ([`ProductMatchStore`]): each offer's product decision with the
//!   fingerprint of its evidence, the GTINs each brand + model key was seen with, the review
//!   list, and operators' pins.
mod alert;
mod alert_store;
mod api_key;
mod attribution;
mod click;
mod click_import;
mod commission;
mod commission_store;
mod conversion;
mod conversion_merge;
mod earnings;
mod earnings_report;
mod error;
mod gtin_low_runs;
mod observe;
mod postback;
mod postgres;
mod price_batch;
mod price_history;
mod price_summary;
mod product_match;
mod sqlite;
mod store;
mod stored;
mod transaction;

pub use alert::{
    Alert, AlertDelivery, AlertId, AlertTarget, AttemptOutcome, DeliveryClaim, DeliveryState,
    LowestPrice, NewAlert,
};
pub use alert_store::AlertStore;
pub use api_key::{KeyStore, StoredApiKey};
pub use attribution::{ATTRIBUTION_WINDOW_DAYS, Attribution, AttributionMethod, UnattributedSale};
pub use click::{Click, ClickCount, ClickId, GroupBy, NUM_SUB_ID_SLOTS, TimeRange};
pub use click_import::{ImportReport, MalformedLine};
pub use commission::{
    CategoryRate, CommissionRule, CommissionThreshold, CommissionValue, ExpectedCommission,
    ProgramCommissions, SALE_TRANSACTION_TYPE, expected_commission,
};
pub use commission_store::CommissionStore;
pub use conversion::{
    Conversion, ConversionInput, ConversionReceipt, ConversionStatus, StatusChange,
};
pub use earnings::{CommissionByStatus, EarningsQuery, EarningsRow};
pub use earnings_report::{
    DEFAULT_REPORT_DAYS, EarningsReport, UnattributedReport, period_range, report_group_by,
    report_period,
};
pub use error::{StoreError, StoreResult};
pub use postback::{
    CONSENT_MODES, PostbackError, PostbackRule, ValidPostback, is_postback_field, validate_postback,
};
pub use postgres::{
    PASSWORD_VARIABLES, PostgresStore, RefreshLease, is_postgres_url, password_from_env, redacted,
};
pub use price_batch::{BatchParts, KnownOffers, KnownState, Observed, PriceBatch};
pub use price_history::{
    DEFAULT_RETENTION_DAYS, DailyLow, LOWEST_PRICE_WINDOW_DAYS, MerchantLow, PointKind,
    PriceBatchStats, PriceObservation, PricePoint, PriceRejection, ThirtyDayLow, thirty_day_low,
};
pub use price_summary::{PriceSummary, price_summary};
pub use product_match::{
    MatchReview, ModelGtin, PinGeneration, PinTarget, ProductMatchStore, ProductPin,
    SourceMatchUpdate, SourceMatches, StoredMatch,
};
pub use sqlite::{SqliteStore, WriterStats};
pub use store::{
    ClickAck, ClickNotTaken, ClickStore, ConversionStore, EarningsStore, Migrations,
    PriceHistoryStore, Store, TransactionStore,
};
pub use transaction::{NetworkTransaction, TransactionInput, TransactionReceipt};

#[cfg(test)]
mod suite;
