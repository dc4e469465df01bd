//! Versioned migrations, tracked in `PRAGMA user_version`.
//!
//! Migration `n` (1-based) takes the schema from version `n - 1` to `n`. Each runs in its own
//! transaction together with the version bump, so a crash leaves the schema at one version or
//! the next, never between; a migration already applied is never run again. A database whose
//! version is newer than [`MIGRATIONS`] knows is refused rather than guessed at.

use super::price_summary_schema::SCHEMA_PRICE_SUMMARY;
use crate::error::{StoreError, StoreResult};
use rusqlite::{Connection, Transaction, TransactionBehavior};
use std::path::Path;

/// The schema, one migration per entry; append, never edit an applied one.
pub(crate) const MIGRATIONS: &[&str] = &[
    SCHEMA_V1,
    super::api_keys::SCHEMA_API_KEYS,
    super::click_rollup::SCHEMA_CLICK_ROLLUP,
    super::sale_rollup_schema::SCHEMA_SALE_ROLLUP,
    super::commissions::SCHEMA_COMMISSIONS,
    SCHEMA_PRICE_SUMMARY,
    super::alerts::SCHEMA_ALERTS,
    super::gtin_lows::SCHEMA_GTIN_LOW_RUNS,
    super::click_week_rollup::SCHEMA_CLICK_WEEK_ROLLUP,
    super::product_matches::SCHEMA_PRODUCT_MATCHES,
    super::product_matches::SCHEMA_MATCH_UPDATES,
    super::conversions::SCHEMA_CONVERSION_CONTEXT,
    super::price_sources::SCHEMA_PRICE_SOURCES,
    super::alert_claims::SCHEMA_ALERT_CLAIMS,
    super::click_open_day::SCHEMA_CLICK_OPEN_DAY,
    super::price_sources::SCHEMA_PRICE_STATE_TOKENS,
];

const SCHEMA_V1: &str = "
CREATE TABLE clicks (
    click_id     TEXT PRIMARY KEY,
    time_us      INTEGER NOT NULL,
    offer_id     TEXT NOT NULL,
    source       TEXT NOT NULL,
    network      TEXT,
    merchant     TEXT,
    sub_id       TEXT,
    sub_id_2     TEXT,
    sub_id_3     TEXT,
    sub_id_4     TEXT,
    sub_id_5     TEXT,
    sub_id_6     TEXT,
    referrer     TEXT,
    destination  TEXT NOT NULL
);
CREATE INDEX clicks_by_time ON clicks (time_us);
CREATE INDEX clicks_by_sub_id ON clicks (sub_id, time_us);

CREATE TABLE conversions (
    conversion_id      TEXT PRIMARY KEY,
    program_id         TEXT NOT NULL,
    order_id           TEXT NOT NULL,
    click_id           TEXT,
    visitor_id         TEXT,
    customer_id_hash   TEXT,
    sub_id             TEXT,
    currency           TEXT NOT NULL,
    amount             INTEGER,
    gross_amount       INTEGER,
    net_amount         INTEGER,
    items_amount       INTEGER,
    shipping_amount    INTEGER,
    discount_amount    INTEGER,
    tax_amount         INTEGER,
    refunded_amount    INTEGER,
    sale_amount        INTEGER NOT NULL,
    commission_amount  INTEGER,
    order_status       TEXT,
    payment_status     TEXT,
    status             TEXT NOT NULL,
    order_time_us      INTEGER,
    quantity           INTEGER,
    received_us        INTEGER NOT NULL,
    updated_us         INTEGER NOT NULL,
    sale_time_us       INTEGER NOT NULL,
    attributed_click   TEXT REFERENCES clicks (click_id),
    attribution        TEXT,
    UNIQUE (program_id, order_id)
);
CREATE INDEX conversions_by_time ON conversions (sale_time_us);

CREATE TABLE conversion_status_history (
    conversion_id  TEXT NOT NULL REFERENCES conversions (conversion_id),
    status         TEXT NOT NULL,
    time_us        INTEGER NOT NULL
);
CREATE INDEX conversion_status_history_by_id ON conversion_status_history (conversion_id);

CREATE TABLE network_transactions (
    network             TEXT NOT NULL,
    transaction_id      TEXT NOT NULL,
    status              TEXT NOT NULL,
    sale_amount         INTEGER NOT NULL,
    commission_amount   INTEGER NOT NULL,
    currency            TEXT NOT NULL,
    transaction_time_us INTEGER NOT NULL,
    program_id          TEXT,
    merchant            TEXT,
    click_ref           TEXT,
    sub_id              TEXT,
    sub_id_2            TEXT,
    sub_id_3            TEXT,
    sub_id_4            TEXT,
    sub_id_5            TEXT,
    sub_id_6            TEXT,
    first_seen_us       INTEGER NOT NULL,
    updated_us          INTEGER NOT NULL,
    attributed_click    TEXT REFERENCES clicks (click_id),
    attribution         TEXT,
    PRIMARY KEY (network, transaction_id)
);
CREATE INDEX network_transactions_by_time ON network_transactions (transaction_time_us);

CREATE TABLE transaction_status_history (
    network         TEXT NOT NULL,
    transaction_id  TEXT NOT NULL,
    status          TEXT NOT NULL,
    time_us         INTEGER NOT NULL,
    FOREIGN KEY (network, transaction_id) REFERENCES network_transactions (network, transaction_id)
);
CREATE INDEX transaction_status_history_by_id
    ON transaction_status_history (network, transaction_id);

CREATE TABLE price_points (
    source        TEXT NOT NULL,
    offer_id      TEXT NOT NULL,
    time_us       INTEGER NOT NULL,
    kind          TEXT NOT NULL,
    price         INTEGER,
    old_price     INTEGER,
    currency      TEXT,
    availability  TEXT,
    PRIMARY KEY (source, offer_id, time_us)
) WITHOUT ROWID;
CREATE INDEX price_points_by_time ON price_points (time_us);

CREATE TABLE price_state (
    source        TEXT NOT NULL,
    offer_id      TEXT NOT NULL,
    price         INTEGER NOT NULL,
    old_price     INTEGER,
    currency      TEXT NOT NULL,
    availability  TEXT NOT NULL,
    listed        INTEGER NOT NULL,
    PRIMARY KEY (source, offer_id)
) WITHOUT ROWID;

CREATE TABLE gtin_daily_lows (
    gtin       TEXT NOT NULL,
    day        INTEGER NOT NULL,
    currency   TEXT NOT NULL,
    merchant   TEXT NOT NULL,
    low_price  INTEGER NOT NULL,
    PRIMARY KEY (gtin, day, currency, merchant)
) WITHOUT ROWID;
CREATE INDEX gtin_daily_lows_by_day ON gtin_daily_lows (day);
";

/// Brings the schema of `connection` (the database at `path`) up to date. The version is read
/// inside each migration's write transaction, so two processes opening one new file at once
/// apply each migration once between them.
pub(crate) fn migrate(connection: &mut Connection, path: &Path) -> StoreResult<u32> {
    let supported = MIGRATIONS.len() as u32;
    loop {
        let transaction = connection.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let found = schema_version(&transaction)?;
        if found > supported {
            return Err(StoreError::SchemaTooNew {
                path: path.to_path_buf(),
                found,
                supported,
            });
        }
        let Some(sql) = MIGRATIONS.get(found as usize) else {
            return Ok(supported);
        };
        let version = found + 1;
        apply(transaction, version, sql)
            .map_err(|source| StoreError::Migration { version, source })?;
    }
}

fn apply(transaction: Transaction<'_>, version: u32, sql: &str) -> rusqlite::Result<()> {
    transaction.execute_batch(sql)?;
    transaction.pragma_update(None, "user_version", version)?;
    transaction.commit()
}

pub(crate) fn schema_version(connection: &Connection) -> StoreResult<u32> {
    Ok(connection.pragma_query_value(None, "user_version", |row| row.get(0))?)
}
