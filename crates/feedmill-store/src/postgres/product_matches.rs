//! Product matching state on Postgres: the SQLite store's five tables and statements
//! (`sqlite/product_matches.rs`); a fingerprint (`u64`) is the `BIGINT` of the same 64 bits, a
//! pin without a product is a split, a review's score a `REAL`.

use super::{PostgresStore, rows};
use crate::error::{StoreError, StoreResult};
use crate::product_match::{
    MatchReview, ModelGtin, PinGeneration, PinTarget, ProductMatchStore, ProductPin,
    SourceMatchUpdate, SourceMatches, StoredMatch,
};
use crate::stored::{time_from_stored, time_to_stored};
use feedmill_model::ProductMatch;
use postgres::{GenericClient, Row};
use std::collections::{HashMap, HashSet};

const REVIEW_COLUMNS: &str = "offer_id, source, title, candidate_offer_id, candidate_title, \
     candidate_product_id, score, created_us";

impl ProductMatchStore for PostgresStore {
    fn source_matches(&self, source: &str) -> StoreResult<HashMap<String, StoredMatch>> {
        let source = source.to_owned();
        self.read(move |transaction| {
            let mut matches = HashMap::new();
            for row in transaction.query(
                "SELECT offer_id, fingerprint, product_id, match_json, awaits_gtin \
                 FROM product_matches WHERE source = $1",
                &[&source],
            )? {
                let stored = stored_match_from_row(&row)?;
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
        self.write(move |transaction| {
            delete_source(transaction, &source)?;
            mark_pins_applied(transaction, &source, applied)?;
            upsert_matches(transaction, &source, &encoded)?;
            insert_model_gtins(transaction, &source, &model_gtins)?;
            insert_reviews(transaction, &source, &reviews)
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
        self.write(move |transaction| {
            let delete = transaction
                .prepare("DELETE FROM product_matches WHERE source = $1 AND offer_id = $2")?;
            for offer_id in &update.removed_offers {
                transaction.execute(&delete, &[&source, offer_id])?;
            }
            upsert_matches(transaction, &source, &encoded)?;
            let delete = transaction.prepare(
                "DELETE FROM model_gtins WHERE model_key = $1 AND gtin14 = $2 AND source = $3",
            )?;
            for m in &update.model_gtins_removed {
                transaction.execute(&delete, &[&m.model_key, &m.gtin14, &source])?;
            }
            insert_model_gtins(transaction, &source, &update.model_gtins_added)?;
            transaction.execute("DELETE FROM match_reviews WHERE source = $1", &[&source])?;
            insert_reviews(transaction, &source, &update.reviews)?;
            mark_pins_applied(transaction, &source, applied)
        })
    }

    fn source_model_gtins(&self, source: &str) -> StoreResult<HashSet<ModelGtin>> {
        let source = source.to_owned();
        self.read(move |transaction| {
            transaction
                .query(
                    "SELECT model_key, gtin14 FROM model_gtins WHERE source = $1",
                    &[&source],
                )?
                .iter()
                .map(|row| {
                    Ok(ModelGtin {
                        model_key: rows::get(row, 0)?,
                        gtin14: rows::get(row, 1)?,
                    })
                })
                .collect()
        })
    }

    fn delete_source_matches(&self, source: &str) -> StoreResult<()> {
        let source = source.to_string();
        self.write(move |transaction| delete_source(transaction, &source))
    }

    fn model_key_gtins(
        &self,
        model_keys: &[String],
        limit: usize,
    ) -> StoreResult<HashMap<String, Vec<String>>> {
        if model_keys.is_empty() || limit == 0 {
            return Ok(HashMap::new());
        }
        let keys = model_keys.to_vec();
        self.read(move |transaction| {
            let mut found: HashMap<String, Vec<String>> = HashMap::new();
            for row in transaction.query(
                "SELECT model_key, gtin14 FROM model_gtins WHERE model_key = ANY($1) \
                 GROUP BY model_key, gtin14 ORDER BY model_key, gtin14 COLLATE \"C\"",
                &[&keys],
            )? {
                let gtins = found.entry(rows::get(&row, 0)?).or_default();
                if gtins.len() < limit {
                    gtins.push(rows::get(&row, 1)?);
                }
            }
            Ok(found)
        })
    }

    fn source_pins(&self, source: &str) -> StoreResult<HashMap<String, PinTarget>> {
        let source = source.to_owned();
        self.read(move |transaction| {
            let mut pins = HashMap::new();
            for row in transaction.query(
                "SELECT offer_id, source, product_id, created_us FROM product_pins \
                 WHERE source = $1",
                &[&source],
            )? {
                let pin = pin_from_row(&row)?;
                pins.insert(pin.offer_id, pin.target);
            }
            Ok(pins)
        })
    }

    fn pins(&self) -> StoreResult<Vec<ProductPin>> {
        self.read(|transaction| {
            transaction
                .query(
                    "SELECT offer_id, source, product_id, created_us FROM product_pins \
                     ORDER BY created_us, offer_id COLLATE \"C\"",
                    &[],
                )?
                .iter()
                .map(pin_from_row)
                .collect()
        })
    }

    fn set_pin(&self, pin: &ProductPin) -> StoreResult<()> {
        let pin = pin.clone();
        self.write(move |transaction| {
            let product_id = match &pin.target {
                PinTarget::Product(product_id) => Some(product_id.clone()),
                PinTarget::Split => None,
            };
            transaction.execute(
                "INSERT INTO product_pins (offer_id, source, product_id, created_us) \
                 VALUES ($1, $2, $3, $4) ON CONFLICT (offer_id) DO UPDATE SET \
                 source = excluded.source, product_id = excluded.product_id, \
                 created_us = excluded.created_us",
                &[
                    &pin.offer_id,
                    &pin.source,
                    &product_id,
                    &time_to_stored(pin.created_at),
                ],
            )?;
            transaction.execute(
                "DELETE FROM match_reviews WHERE offer_id = $1",
                &[&pin.offer_id],
            )?;
            bump_pin_generation(transaction, &pin.source)
        })
    }

    fn remove_pin(&self, offer_id: &str) -> StoreResult<bool> {
        let offer_id = offer_id.to_string();
        self.write(move |transaction| {
            let source: Option<String> = transaction
                .query_opt(
                    "DELETE FROM product_pins WHERE offer_id = $1 RETURNING source",
                    &[&offer_id],
                )?
                .map(|row| rows::get(&row, 0))
                .transpose()?;
            match source {
                Some(source) => bump_pin_generation(transaction, &source).map(|()| true),
                None => Ok(false),
            }
        })
    }

    fn pins_pending(&self, source: &str) -> StoreResult<PinGeneration> {
        let source = source.to_owned();
        self.read(move |transaction| {
            let row = transaction.query_opt(
                "SELECT pin_generation, applied_generation FROM match_sources WHERE source = $1",
                &[&source],
            )?;
            let (current, applied): (i64, i64) = match row {
                Some(row) => (rows::get(&row, 0)?, rows::get(&row, 1)?),
                None => (0, 0),
            };
            Ok(PinGeneration {
                current: u64::try_from(current).unwrap_or(0),
                applied: u64::try_from(applied).unwrap_or(0),
            })
        })
    }

    fn match_reviews(&self, limit: usize, offset: usize) -> StoreResult<Vec<MatchReview>> {
        self.read(move |transaction| {
            let sql = format!(
                "SELECT {REVIEW_COLUMNS} FROM match_reviews \
                 ORDER BY score DESC, offer_id COLLATE \"C\" LIMIT $1 OFFSET $2"
            );
            let limit = i64::try_from(limit).unwrap_or(i64::MAX);
            let offset = i64::try_from(offset).unwrap_or(i64::MAX);
            transaction
                .query(&sql, &[&limit, &offset])?
                .iter()
                .map(review_from_row)
                .collect()
        })
    }

    fn count_match_reviews(&self) -> StoreResult<u64> {
        self.read(|transaction| {
            let row = transaction.query_one("SELECT COUNT(*) FROM match_reviews", &[])?;
            rows::count(&row, 0)
        })
    }
}

type EncodedMatch = (String, i64, String, String, bool);

fn encode_matches(matches: &[StoredMatch]) -> StoreResult<Vec<EncodedMatch>> {
    matches
        .iter()
        .map(|m| {
            let json = serde_json::to_string(&m.product_match).map_err(corrupt)?;
            // The same 64 bits, read back as the u64 they were.
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

fn upsert_matches(
    client: &mut impl GenericClient,
    source: &str,
    found: &[EncodedMatch],
) -> StoreResult<()> {
    if found.is_empty() {
        return Ok(());
    }
    let insert = client.prepare(
        "INSERT INTO product_matches \
         (source, offer_id, fingerprint, product_id, match_json, awaits_gtin) \
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (source, offer_id) DO UPDATE SET \
         fingerprint = excluded.fingerprint, product_id = excluded.product_id, \
         match_json = excluded.match_json, awaits_gtin = excluded.awaits_gtin",
    )?;
    for (offer_id, fingerprint, product_id, json, awaits_gtin) in found {
        client.execute(
            &insert,
            &[
                &source,
                offer_id,
                fingerprint,
                product_id,
                json,
                awaits_gtin,
            ],
        )?;
    }
    Ok(())
}

fn insert_model_gtins(
    client: &mut impl GenericClient,
    source: &str,
    keys: &[ModelGtin],
) -> StoreResult<()> {
    if keys.is_empty() {
        return Ok(());
    }
    let insert = client.prepare(
        "INSERT INTO model_gtins (model_key, gtin14, source) VALUES ($1, $2, $3) \
         ON CONFLICT DO NOTHING",
    )?;
    for m in keys {
        client.execute(&insert, &[&m.model_key, &m.gtin14, &source])?;
    }
    Ok(())
}

fn insert_reviews(
    client: &mut impl GenericClient,
    source: &str,
    reviews: &[MatchReview],
) -> StoreResult<()> {
    if reviews.is_empty() {
        return Ok(());
    }
    let sql = format!(
        "INSERT INTO match_reviews ({REVIEW_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
         ON CONFLICT (source, offer_id) DO UPDATE SET title = excluded.title, \
         candidate_offer_id = excluded.candidate_offer_id, \
         candidate_title = excluded.candidate_title, \
         candidate_product_id = excluded.candidate_product_id, score = excluded.score, \
         created_us = excluded.created_us"
    );
    let insert = client.prepare(&sql)?;
    for r in reviews {
        client.execute(
            &insert,
            &[
                &r.offer_id,
                &source,
                &r.title,
                &r.candidate_offer_id,
                &r.candidate_title,
                &r.candidate_product_id,
                &r.score,
                &time_to_stored(r.created_at),
            ],
        )?;
    }
    Ok(())
}

fn mark_pins_applied(
    client: &mut impl GenericClient,
    source: &str,
    generation: i64,
) -> StoreResult<()> {
    client.execute(
        "UPDATE match_sources SET applied_generation = GREATEST(applied_generation, $2) \
         WHERE source = $1",
        &[&source, &generation],
    )?;
    Ok(())
}

fn bump_pin_generation(client: &mut impl GenericClient, source: &str) -> StoreResult<()> {
    client.execute(
        "INSERT INTO match_sources (source, pin_generation, applied_generation) VALUES ($1, 1, 0) \
         ON CONFLICT (source) DO UPDATE SET pin_generation = match_sources.pin_generation + 1",
        &[&source],
    )?;
    Ok(())
}

fn delete_source(client: &mut impl GenericClient, source: &str) -> StoreResult<()> {
    client.execute("DELETE FROM product_matches WHERE source = $1", &[&source])?;
    client.execute("DELETE FROM model_gtins WHERE source = $1", &[&source])?;
    client.execute("DELETE FROM match_reviews WHERE source = $1", &[&source])?;
    Ok(())
}

fn corrupt(err: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt {
        column: "product_matches.match_json",
        value: err.to_string(),
    }
}

fn stored_match_from_row(row: &Row) -> StoreResult<StoredMatch> {
    let fingerprint: i64 = rows::get(row, 1)?;
    let json: String = rows::get(row, 3)?;
    let product_match: ProductMatch =
        serde_json::from_str(&json).map_err(|_| StoreError::Corrupt {
            column: "product_matches.match_json",
            value: json.clone(),
        })?;
    Ok(StoredMatch {
        offer_id: rows::get(row, 0)?,
        fingerprint: fingerprint as u64,
        product_id: rows::get(row, 2)?,
        product_match,
        awaits_gtin: rows::get(row, 4)?,
    })
}

fn pin_from_row(row: &Row) -> StoreResult<ProductPin> {
    let product_id: Option<String> = rows::get(row, 2)?;
    Ok(ProductPin {
        offer_id: rows::get(row, 0)?,
        source: rows::get(row, 1)?,
        target: product_id.map_or(PinTarget::Split, PinTarget::Product),
        created_at: time_from_stored("product_pins.created_us", rows::get(row, 3)?)?,
    })
}

fn review_from_row(row: &Row) -> StoreResult<MatchReview> {
    Ok(MatchReview {
        offer_id: rows::get(row, 0)?,
        source: rows::get(row, 1)?,
        title: rows::get(row, 2)?,
        candidate_offer_id: rows::get(row, 3)?,
        candidate_title: rows::get(row, 4)?,
        candidate_product_id: rows::get(row, 5)?,
        score: rows::get(row, 6)?,
        created_at: time_from_stored("match_reviews.created_us", rows::get(row, 7)?)?,
    })
}
