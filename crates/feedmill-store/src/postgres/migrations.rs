//! Versioned migrations of the Postgres schema, tracked in `feedmill_schema.version`.
//!
//! Migration `n` (1-based) takes the schema from version `n - 1` to `n`; each runs in its own
//! transaction with the version bump, holding a transaction-level advisory lock, so two
//! processes starting on one new database apply each migration once between them and a crash
//! leaves the schema at one version or the next. A database newer than [`MIGRATIONS`] knows is
//! refused. The first migration is the SQLite store's schema as it stands after all of its
//! migrations (without the click and sale rollups, which Postgres does not need): a Postgres
//! store starts there, and later changes are appended here as SQLite's are there.

use crate::error::{StoreError, StoreResult, describe_postgres};
use postgres::{Client, GenericClient};

/// The schema, one migration per entry; append, never edit an applied one.
pub(super) const MIGRATIONS: &[&str] = &[SCHEMA_V1, SCHEMA_PRICE_STATE_TOKENS];

/// Each source's state token, written with every price batch (see `sqlite/price_sources.rs`).
const SCHEMA_PRICE_STATE_TOKENS: &str = "
CREATE TABLE price_state_tokens (
    source  TEXT PRIMARY KEY,
    token   BIGINT NOT NULL
);
";

/// The class of the advisory lock migrations take (with the schema, as writes do).
const MIGRATION_LOCK: i32 = 0x666d_6d67;

const SCHEMA_V1: &str = "
CREATE TABLE clicks (
    click_id     TEXT PRIMARY KEY,
    time_us      BIGINT NOT NULL,
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
    amount             BIGINT,
    gross_amount       BIGINT,
    net_amount         BIGINT,
    items_amount       BIGINT,
    shipping_amount    BIGINT,
    discount_amount    BIGINT,
    tax_amount         BIGINT,
    refunded_amount    BIGINT,
    sale_amount        BIGINT NOT NULL,
    commission_amount  BIGINT,
    order_status       TEXT,
    payment_status     TEXT,
    status             TEXT NOT NULL,
    order_time_us      BIGINT,
    quantity           BIGINT,
    received_us        BIGINT NOT NULL,
    updated_us         BIGINT NOT NULL,
    sale_time_us       BIGINT NOT NULL,
    attributed_click   TEXT REFERENCES clicks (click_id),
    attribution        TEXT,
    customer_id        TEXT,
    consent_mode       TEXT,
    integration_mode   TEXT,
    source             TEXT,
    UNIQUE (program_id, order_id)
);
CREATE INDEX conversions_by_time ON conversions (sale_time_us);

CREATE TABLE conversion_status_history (
    seq            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    conversion_id  TEXT NOT NULL REFERENCES conversions (conversion_id),
    status         TEXT NOT NULL,
    time_us        BIGINT NOT NULL
);
CREATE INDEX conversion_status_history_by_id ON conversion_status_history (conversion_id);

CREATE TABLE network_transactions (
    network             TEXT NOT NULL,
    transaction_id      TEXT NOT NULL,
    status              TEXT NOT NULL,
    sale_amount         BIGINT NOT NULL,
    commission_amount   BIGINT NOT NULL,
    currency            TEXT NOT NULL,
    transaction_time_us BIGINT NOT NULL,
    program_id          TEXT,
    merchant            TEXT,
    click_ref           TEXT,
    sub_id              TEXT,
    sub_id_2            TEXT,
    sub_id_3            TEXT,
    sub_id_4            TEXT,
    sub_id_5            TEXT,
    sub_id_6            TEXT,
    first_seen_us       BIGINT NOT NULL,
    updated_us          BIGINT NOT NULL,
    attributed_click    TEXT REFERENCES clicks (click_id),
    attribution         TEXT,
    PRIMARY KEY (network, transaction_id)
);
CREATE INDEX network_transactions_by_time ON network_transactions (transaction_time_us);

CREATE TABLE transaction_status_history (
    seq             BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    network         TEXT NOT NULL,
    transaction_id  TEXT NOT NULL,
    status          TEXT NOT NULL,
    time_us         BIGINT NOT NULL,
    FOREIGN KEY (network, transaction_id) REFERENCES network_transactions (network, transaction_id)
);
CREATE INDEX transaction_status_history_by_id
    ON transaction_status_history (network, transaction_id);

CREATE TABLE price_points (
    source        TEXT NOT NULL,
    offer_id      TEXT NOT NULL,
    time_us       BIGINT NOT NULL,
    kind          TEXT NOT NULL,
    price         BIGINT,
    old_price     BIGINT,
    currency      TEXT,
    availability  TEXT,
    PRIMARY KEY (source, offer_id, time_us)
);
CREATE INDEX price_points_by_time ON price_points (time_us);

CREATE TABLE price_state (
    source           TEXT NOT NULL,
    offer_id         TEXT NOT NULL,
    price            BIGINT NOT NULL,
    old_price        BIGINT,
    currency         TEXT NOT NULL,
    availability     TEXT NOT NULL,
    listed           BOOLEAN NOT NULL,
    since_us         BIGINT,
    previous_price   BIGINT,
    history_days     BIGINT,
    lowest_30d       BIGINT,
    lowest_since_us  BIGINT,
    PRIMARY KEY (source, offer_id)
);

CREATE TABLE price_history_sources (
    source        TEXT PRIMARY KEY,
    content_hash  TEXT NOT NULL
);

CREATE TABLE gtin_low_runs (
    gtin         TEXT NOT NULL,
    currency     TEXT NOT NULL,
    merchant     TEXT NOT NULL,
    source       TEXT NOT NULL,
    day          BIGINT NOT NULL,
    low_price    BIGINT,
    carry_price  BIGINT,
    PRIMARY KEY (gtin, currency, merchant, source, day)
);

CREATE TABLE gtin_low_latest (
    source       TEXT NOT NULL,
    gtin         TEXT NOT NULL,
    currency     TEXT NOT NULL,
    merchant     TEXT NOT NULL,
    day          BIGINT NOT NULL,
    low_price    BIGINT,
    carry_price  BIGINT,
    PRIMARY KEY (source, gtin, currency, merchant)
);

CREATE TABLE price_batch_days (
    source  TEXT NOT NULL,
    day     BIGINT NOT NULL,
    PRIMARY KEY (source, day)
);

CREATE TABLE api_keys (
    key_id               TEXT PRIMARY KEY,
    name                 TEXT NOT NULL,
    secret_sha256        TEXT NOT NULL UNIQUE,
    prefix               TEXT NOT NULL,
    actions              TEXT NOT NULL,
    sources              TEXT,
    allowed_origins      TEXT NOT NULL,
    expires_us           BIGINT,
    requests_per_minute  BIGINT,
    created_us           BIGINT NOT NULL
);

CREATE TABLE commission_rules (
    network     TEXT NOT NULL,
    program_id  TEXT NOT NULL,
    position    BIGINT NOT NULL,
    rule_json   TEXT NOT NULL,
    fetched_us  BIGINT NOT NULL,
    PRIMARY KEY (network, program_id, position)
);

CREATE TABLE alerts (
    alert_id      TEXT PRIMARY KEY,
    offer_id      TEXT,
    gtin          TEXT,
    below         BIGINT NOT NULL,
    currency      TEXT NOT NULL,
    callback_url  TEXT NOT NULL,
    secret        TEXT NOT NULL,
    created_us    BIGINT NOT NULL,
    is_below      BOOLEAN,
    evaluated_us  BIGINT,
    CHECK ((offer_id IS NULL) <> (gtin IS NULL))
);

CREATE TABLE alert_deliveries (
    delivery_id       TEXT PRIMARY KEY,
    alert_id          TEXT NOT NULL REFERENCES alerts (alert_id) ON DELETE CASCADE,
    created_us        BIGINT NOT NULL,
    price             BIGINT NOT NULL,
    currency          TEXT NOT NULL,
    offer_id          TEXT NOT NULL,
    state             TEXT NOT NULL,
    attempts          BIGINT NOT NULL,
    last_error        TEXT,
    last_attempt_us   BIGINT,
    delivered_us      BIGINT,
    claim_token       TEXT,
    claimed_until_us  BIGINT
);
CREATE INDEX alert_deliveries_by_alert ON alert_deliveries (alert_id, created_us);
CREATE INDEX alert_deliveries_pending ON alert_deliveries (created_us) WHERE state = 'pending';

CREATE TABLE product_matches (
    source       TEXT NOT NULL,
    offer_id     TEXT NOT NULL,
    fingerprint  BIGINT NOT NULL,
    product_id   TEXT NOT NULL,
    match_json   TEXT NOT NULL,
    awaits_gtin  BOOLEAN NOT NULL DEFAULT FALSE,
    PRIMARY KEY (source, offer_id)
);

CREATE TABLE model_gtins (
    model_key  TEXT NOT NULL,
    gtin14     TEXT NOT NULL,
    source     TEXT NOT NULL,
    PRIMARY KEY (model_key, gtin14, source)
);
CREATE INDEX model_gtins_by_source ON model_gtins (source);

CREATE TABLE match_reviews (
    source                TEXT NOT NULL,
    offer_id              TEXT NOT NULL,
    title                 TEXT NOT NULL,
    candidate_offer_id    TEXT NOT NULL,
    candidate_title       TEXT NOT NULL,
    candidate_product_id  TEXT NOT NULL,
    score                 REAL NOT NULL,
    created_us            BIGINT NOT NULL,
    PRIMARY KEY (source, offer_id)
);
CREATE INDEX match_reviews_by_score ON match_reviews (score DESC, offer_id);

CREATE TABLE product_pins (
    offer_id    TEXT PRIMARY KEY,
    source      TEXT NOT NULL,
    product_id  TEXT,
    created_us  BIGINT NOT NULL
);
CREATE INDEX product_pins_by_source ON product_pins (source);

CREATE TABLE match_sources (
    source              TEXT PRIMARY KEY,
    pin_generation      BIGINT NOT NULL,
    applied_generation  BIGINT NOT NULL
);
";

/// Brings the schema up to date; `label` names the store in errors. Returns the version.
pub(super) fn migrate(client: &mut Client, label: &str) -> StoreResult<u32> {
    let supported = MIGRATIONS.len() as u32;
    loop {
        let mut transaction = client.transaction()?;
        transaction.execute(super::LOCK_SQL, &[&MIGRATION_LOCK])?;
        // Asked first (not `IF NOT EXISTS`, whose notice would be logged at every start).
        let missing: bool = transaction
            .query_one("SELECT to_regclass('feedmill_schema') IS NULL", &[])?
            .try_get(0)?;
        if missing {
            transaction.batch_execute(
                "CREATE TABLE feedmill_schema (only_row BOOLEAN PRIMARY KEY DEFAULT TRUE \
                 CHECK (only_row), version BIGINT NOT NULL)",
            )?;
        }
        let found = schema_version(&mut transaction)?;
        if found > supported {
            return Err(StoreError::PostgresSchemaTooNew {
                url: label.to_string(),
                found,
                supported,
            });
        }
        let Some(sql) = MIGRATIONS.get(found as usize) else {
            return Ok(supported);
        };
        let version = found + 1;
        let applied = transaction.batch_execute(sql).and_then(|()| {
            transaction.execute(
                "INSERT INTO feedmill_schema (only_row, version) VALUES (TRUE, $1) \
                 ON CONFLICT (only_row) DO UPDATE SET version = excluded.version",
                &[&i64::from(version)],
            )
        });
        applied.and_then(|_| transaction.commit()).map_err(|err| {
            StoreError::PostgresMigration {
                version,
                reason: describe_postgres(&err),
            }
        })?;
    }
}

/// The number of migrations applied (0 for a database feedmill never opened).
pub(super) fn schema_version(client: &mut impl GenericClient) -> StoreResult<u32> {
    let row = client.query_opt("SELECT version FROM feedmill_schema", &[])?;
    let version: i64 = match row {
        Some(row) => row.try_get(0)?,
        None => 0,
    };
    u32::try_from(version).map_err(|_| StoreError::Corrupt {
        column: "feedmill_schema.version",
        value: version.to_string(),
    })
}
