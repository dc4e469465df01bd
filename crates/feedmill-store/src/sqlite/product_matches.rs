//! Product matching state in SQLite: five tables of two migrations of their own
//! ([`SCHEMA_PRODUCT_MATCHES`], [`SCHEMA_MATCH_UPDATES`]) and the [`ProductMatchStore`]
//! implementation. An ingest writes what changed ([`SourceMatchUpdate`]), so a refresh whose
//! products did not change writes almost nothing.
//!
//! A decision's `match` object is kept as its JSON (what the API shows, read whole); a
//! fingerprint, a `u64`, is stored as the `INTEGER` of the same 64 bits. A pin without a
//! product is a split.

use super::SqliteStore;
use crate::error::{StoreError, StoreResult};
use crate::product_match::{
    MatchReview, ModelGtin, PinGeneration, PinTarget, ProductMatchStore, ProductPin,
    SourceMatchUpdate, SourceMatches, StoredMatch,
};
use crate::stored::{time_from_stored, time_to_stored};
use feedmill_model::ProductMatch;
use rusqlite::{Connection, OptionalExtension, Row, params};
use std::collections::{HashMap, HashSet};

/// The tables, a migration of their own.
pub(crate) const SCHEMA_PRODUCT_MATCHES: &str = "
CREATE TABLE product_matches (
    source       TEXT NOT NULL,
    offer_id     TEXT NOT NULL,
    fingerprint  INTEGER NOT NULL,
    product_id   TEXT NOT NULL,
    match_json   TEXT NOT NULL,
    PRIMARY KEY (source, offer_id)
) WITHOUT ROWID;

CREATE TABLE model_gtins (
    model_key  TEXT NOT NULL,
    gtin14     TEXT NOT NULL,
    source     TEXT NOT NULL,
    PRIMARY KEY (model_key, gtin14, source)
) WITHOUT ROWID;
CREATE INDEX model_gtins_by_source ON model_gtins (source);

CREATE TABLE match_reviews (
    source                TEXT NOT NULL,
    offer_id              TEXT NOT NULL,
    title                 TEXT NOT NULL,
    candidate_offer_id    TEXT NOT NULL,
    candidate_title       TEXT NOT NULL,
    candidate_product_id  TEXT NOT NULL,
    score                 REAL NOT NULL,
    created_us            INTEGER NOT NULL,
    PRIMARY KEY (source, offer_id)
) WITHOUT ROWID;
CREATE INDEX match_reviews_by_score ON match_reviews (score DESC, offer_id);

CREATE TABLE product_pins (
    offer_id    TEXT PRIMARY KEY,
    source      TEXT NOT NULL,
    product_id  TEXT,
    created_us  INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX product_pins_by_source ON product_pins (source);
";

/// A second migration: decisions that wait for a GTIN (decided again at every ingest), and
/// each source's pin generation.
pub(crate) const SCHEMA_MATCH_UPDATES: &str = "
ALTER TABLE product_matches ADD COLUMN awaits_gtin INTEGER NOT NULL DEFAULT 0;

CREATE TABLE match_sources (
    source              TEXT PRIMARY KEY,
    pin_generation      INTEGER NOT NULL,
    applied_generation  INTEGER NOT NULL
) WITHOUT ROWID;
";

const REVIEW_COLUMNS: &str = "offer_id, source, title, candidate_offer_id, candidate_title, \
     candidate_product_id, score, created_us";

impl ProductMatchStore for SqliteStore {
    fn source_matches(&self, source: &str) -> StoreResult<HashMap<String, StoredMatch>> {
        self.read(|connection| {
            let mut statement = connection.prepare_cached(
                "SELECT offer_id, fingerprint, product_id, match_json, awaits_gtin \
                 FROM product_matches WHERE source = ?1",
            )?;
            let mut rows = statement.query([source])?;
            // Sized up front: a source holds up to millions, and growing rehashes them all.
            let mut matches =
                HashMap::with_capacity(count_of(connection, "product_matches", source)?);
            while let Some(row) = rows.next()? {
                let stored = stored_match_from_row(row)?;
                matches.insert(stored.offer_id.clone(), stored);
            }
            Ok(matches)
        })
    }

    fn replace_source_matches(&self, source: &str, matches: &SourceMatches) -> StoreResult<()> {
        let encoded = encode_matches(&matches.matches)?;
        let source = source.to_string();
        let model_gtins = matches.model_gtins.clone();
        let reviews = matches.reviews.clone();
        let applied = i64::try_from(matches.pin_generation).unwrap_or(i64::MAX);
        self.write(move |connection| {
            delete_source(connection, &source)?;
            mark_pins_applied(connection, &source, applied)?;
            upsert_matches(connection, &source, &encoded)?;
            insert_model_gtins(connection, &source, &model_gtins)?;
            insert_reviews(connection, &source, &reviews)
        })
    }

    fn update_source_matches(&self, source: &str, update: &SourceMatchUpdate) -> StoreResult<()> {
        let encoded = encode_matches(&update.upserts)?;
        let source = source.to_string();
        let update = SourceMatchUpdate {
            upserts: Vec::new(),
            ..update.clone()
        };
        let applied = i64::try_from(update.pin_generation).unwrap_or(i64::MAX);
        self.write(move |connection| {
            let mut delete = connection.prepare_cached(
                "DELETE FROM product_matches WHERE source = ?1 AND offer_id = ?2",
            )?;
            for offer_id in &update.removed_offers {
                delete.execute(params![source, offer_id])?;
            }
            upsert_matches(connection, &source, &encoded)?;
            let mut delete = connection.prepare_cached(
                "DELETE FROM model_gtins WHERE model_key = ?1 AND gtin14 = ?2 AND source = ?3",
            )?;
            for m in &update.model_gtins_removed {
                delete.execute(params![m.model_key, m.gtin14, source])?;
            }
            insert_model_gtins(connection, &source, &update.model_gtins_added)?;
            connection.execute("DELETE FROM match_reviews WHERE source = ?1", [&source])?;
            insert_reviews(connection, &source, &update.reviews)?;
            mark_pins_applied(connection, &source, applied)
        })
    }

    fn source_model_gtins(&self, source: &str) -> StoreResult<HashSet<ModelGtin>> {
        self.read(|connection| {
            let mut statement = connection
                .prepare_cached("SELECT model_key, gtin14 FROM model_gtins WHERE source = ?1")?;
            let mut model_gtins =
                HashSet::with_capacity(count_of(connection, "model_gtins", source)?);
            let rows = statement.query_map([source], |row| {
                Ok(ModelGtin {
                    model_key: row.get(0)?,
                    gtin14: row.get(1)?,
                })
            })?;
            for model_gtin in rows {
                model_gtins.insert(model_gtin?);
            }
            Ok(model_gtins)
        })
    }

    fn delete_source_matches(&self, source: &str) -> StoreResult<()> {
        let source = source.to_string();
        self.write(move |connection| delete_source(connection, &source))
    }

    fn model_key_gtins(
        &self,
        model_keys: &[String],
        limit: usize,
    ) -> StoreResult<HashMap<String, Vec<String>>> {
        if model_keys.is_empty() || limit == 0 {
            return Ok(HashMap::new());
        }
        // One statement for the whole batch of keys (a JSON array): a statement per key would
        // be prepared again for each binding.
        let keys = serde_json::to_string(model_keys).map_err(corrupt)?;
        self.read(|connection| {
            let mut statement = connection.prepare_cached(
                "SELECT DISTINCT m.model_key, m.gtin14 FROM json_each(?1) AS k \
                 JOIN model_gtins AS m ON m.model_key = k.value \
                 ORDER BY m.model_key, m.gtin14",
            )?;
            let mut rows = statement.query([&keys])?;
            let mut found: HashMap<String, Vec<String>> = HashMap::new();
            while let Some(row) = rows.next()? {
                let gtins = found.entry(row.get(0)?).or_default();
                if gtins.len() < limit {
                    gtins.push(row.get(1)?);
                }
            }
            Ok(found)
        })
    }

    fn source_pins(&self, source: &str) -> StoreResult<HashMap<String, PinTarget>> {
        self.read(|connection| {
            let mut statement = connection.prepare_cached(
                "SELECT offer_id, source, product_id, created_us FROM product_pins \
                 WHERE source = ?1",
            )?;
            let mut rows = statement.query([source])?;
            let mut pins = HashMap::new();
            while let Some(row) = rows.next()? {
                let pin = pin_from_row(row)?;
                pins.insert(pin.offer_id, pin.target);
            }
            Ok(pins)
        })
    }

    fn pins(&self) -> StoreResult<Vec<ProductPin>> {
        self.read(|connection| {
            let mut statement = connection.prepare_cached(
                "SELECT offer_id, source, product_id, created_us FROM product_pins \
                 ORDER BY created_us, offer_id",
            )?;
            let mut rows = statement.query([])?;
            let mut pins = Vec::new();
            while let Some(row) = rows.next()? {
                pins.push(pin_from_row(row)?);
            }
            Ok(pins)
        })
    }

    fn set_pin(&self, pin: &ProductPin) -> StoreResult<()> {
        let pin = pin.clone();
        self.write(move |connection| {
            let product_id = match &pin.target {
                PinTarget::Product(product_id) => Some(product_id.clone()),
                PinTarget::Split => None,
            };
            connection.execute(
                "INSERT OR REPLACE INTO product_pins (offer_id, source, product_id, created_us) \
                 VALUES (?1, ?2, ?3, ?4)",
                params![
                    pin.offer_id,
                    pin.source,
                    product_id,
                    time_to_stored(pin.created_at)
                ],
            )?;
            connection.execute(
                "DELETE FROM match_reviews WHERE offer_id = ?1",
                [&pin.offer_id],
            )?;
            bump_pin_generation(connection, &pin.source)
        })
    }

    fn remove_pin(&self, offer_id: &str) -> StoreResult<bool> {
        let offer_id = offer_id.to_string();
        self.write(move |connection| {
            let source: Option<String> = connection
                .query_row(
                    "DELETE FROM product_pins WHERE offer_id = ?1 RETURNING source",
                    [offer_id],
                    |row| row.get(0),
                )
                .optional()?;
            match source {
                Some(source) => bump_pin_generation(connection, &source).map(|()| true),
                None => Ok(false),
            }
        })
    }

    fn pins_pending(&self, source: &str) -> StoreResult<PinGeneration> {
        self.read(|connection| {
            let generations: Option<(i64, i64)> = connection
                .query_row(
                    "SELECT pin_generation, applied_generation FROM match_sources \
                     WHERE source = ?1",
                    [source],
                    |row| Ok((row.get(0)?, row.get(1)?)),
                )
                .optional()?;
            let (current, applied) = generations.unwrap_or((0, 0));
            Ok(PinGeneration {
                current: u64::try_from(current).unwrap_or(0),
                applied: u64::try_from(applied).unwrap_or(0),
            })
        })
    }

    fn match_reviews(&self, limit: usize, offset: usize) -> StoreResult<Vec<MatchReview>> {
        self.read(|connection| {
            let sql = format!(
                "SELECT {REVIEW_COLUMNS} FROM match_reviews \
                 ORDER BY score DESC, offer_id LIMIT ?1 OFFSET ?2"
            );
            let mut statement = connection.prepare_cached(&sql)?;
            let limit = i64::try_from(limit).unwrap_or(i64::MAX);
            let offset = i64::try_from(offset).unwrap_or(i64::MAX);
            let mut rows = statement.query(params![limit, offset])?;
            let mut reviews = Vec::new();
            while let Some(row) = rows.next()? {
                reviews.push(review_from_row(row)?);
            }
            Ok(reviews)
        })
    }

    fn count_match_reviews(&self) -> StoreResult<u64> {
        self.read(|connection| {
            let count: i64 =
                connection.query_row("SELECT COUNT(*) FROM match_reviews", [], |row| row.get(0))?;
            Ok(u64::try_from(count).unwrap_or(0))
        })
    }
}

/// A decision as its row: offer id, fingerprint, product id, match JSON, awaits-GTIN flag.
type EncodedMatch = (String, i64, String, String, bool);

fn encode_matches(matches: &[StoredMatch]) -> StoreResult<Vec<EncodedMatch>> {
    matches
        .iter()
        .map(|m| {
            let json = serde_json::to_string(&m.product_match).map_err(corrupt)?;
            let fingerprint = m.fingerprint as i64;
            Ok((
                m.offer_id.clone(),
                fingerprint,
                m.product_id.clone(),
                json,
                m.awaits_gtin,
            ))
        })
        .collect()
}

fn upsert_matches(connection: &Connection, source: &str, rows: &[EncodedMatch]) -> StoreResult<()> {
    let mut insert = connection.prepare_cached(
        "INSERT OR REPLACE INTO product_matches \
         (source, offer_id, fingerprint, product_id, match_json, awaits_gtin) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?;
    for (offer_id, fingerprint, product_id, json, awaits_gtin) in rows {
        insert.execute(params![
            source,
            offer_id,
            fingerprint,
            product_id,
            json,
            awaits_gtin
        ])?;
    }
    Ok(())
}

fn insert_model_gtins(
    connection: &Connection,
    source: &str,
    keys: &[ModelGtin],
) -> StoreResult<()> {
    let mut insert = connection.prepare_cached(
        "INSERT OR IGNORE INTO model_gtins (model_key, gtin14, source) VALUES (?1, ?2, ?3)",
    )?;
    for m in keys {
        insert.execute(params![m.model_key, m.gtin14, source])?;
    }
    Ok(())
}

fn insert_reviews(
    connection: &Connection,
    source: &str,
    reviews: &[MatchReview],
) -> StoreResult<()> {
    let sql = format!(
        "INSERT OR REPLACE INTO match_reviews ({REVIEW_COLUMNS}) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)"
    );
    let mut insert = connection.prepare_cached(&sql)?;
    for r in reviews {
        insert.execute(params![
            r.offer_id,
            source,
            r.title,
            r.candidate_offer_id,
            r.candidate_title,
            r.candidate_product_id,
            f64::from(r.score),
            time_to_stored(r.created_at),
        ])?;
    }
    Ok(())
}

/// Records that an ingest applied `source`'s pins up to `generation`.
fn mark_pins_applied(connection: &Connection, source: &str, generation: i64) -> StoreResult<()> {
    connection.execute(
        "UPDATE match_sources SET applied_generation = MAX(applied_generation, ?2) \
         WHERE source = ?1",
        params![source, generation],
    )?;
    Ok(())
}

/// Marks `source`'s pins changed: its next ingest applies them even when its feed is not.
fn bump_pin_generation(connection: &Connection, source: &str) -> StoreResult<()> {
    connection.execute(
        "INSERT INTO match_sources (source, pin_generation, applied_generation) VALUES (?1, 1, 0) \
         ON CONFLICT (source) DO UPDATE SET pin_generation = pin_generation + 1",
        [source],
    )?;
    Ok(())
}

fn delete_source(connection: &Connection, source: &str) -> StoreResult<()> {
    connection.execute("DELETE FROM product_matches WHERE source = ?1", [source])?;
    connection.execute("DELETE FROM model_gtins WHERE source = ?1", [source])?;
    connection.execute("DELETE FROM match_reviews WHERE source = ?1", [source])?;
    Ok(())
}

fn corrupt(err: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt {
        column: "product_matches.match_json",
        value: err.to_string(),
    }
}

fn stored_match_from_row(row: &Row<'_>) -> StoreResult<StoredMatch> {
    let fingerprint: i64 = row.get(1)?;
    let json: String = row.get(3)?;
    let product_match: ProductMatch =
        serde_json::from_str(&json).map_err(|_| StoreError::Corrupt {
            column: "product_matches.match_json",
            value: json.clone(),
        })?;
    Ok(StoredMatch {
        offer_id: row.get(0)?,
        fingerprint: fingerprint as u64,
        product_id: row.get(2)?,
        product_match,
        awaits_gtin: row.get::<_, i64>(4)? != 0,
    })
}

fn pin_from_row(row: &Row<'_>) -> StoreResult<ProductPin> {
    let product_id: Option<String> = row.get(2)?;
    Ok(ProductPin {
        offer_id: row.get(0)?,
        source: row.get(1)?,
        target: product_id.map_or(PinTarget::Split, PinTarget::Product),
        created_at: time_from_stored("product_pins.created_us", row.get(3)?)?,
    })
}

fn review_from_row(row: &Row<'_>) -> StoreResult<MatchReview> {
    let score: f64 = row.get(6)?;
    Ok(MatchReview {
        offer_id: row.get(0)?,
        source: row.get(1)?,
        title: row.get(2)?,
        candidate_offer_id: row.get(3)?,
        candidate_title: row.get(4)?,
        candidate_product_id: row.get(5)?,
        score: score as f32,
        created_at: time_from_stored("match_reviews.created_us", row.get(7)?)?,
    })
}

/// How many rows of `source` `table` holds (one of this module's tables, keyed by source first).
fn count_of(connection: &Connection, table: &'static str, source: &str) -> StoreResult<usize> {
    let count: i64 = connection
        .prepare_cached(&format!("SELECT count(*) FROM {table} WHERE source = ?1"))?
        .query_row([source], |row| row.get(0))?;
    Ok(usize::try_from(count).unwrap_or(0))
}
