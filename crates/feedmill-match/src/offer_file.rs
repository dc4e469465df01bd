//! Clustering a file of normalized offers (the NDJSON `feedmill normalize` writes) in memory
//! that does not grow with the offers' text: the file is read three times instead of being held.
//!
//! 1. brands: the brand fields, to learn the [`BrandDictionary`];
//! 2. profiles: each offer's [`OfferProfile`] (hashed tokens and codes, no text) and its id, built
//!    in parallel per chunk of lines, then weighted by the corpus statistics;
//! 3. output: each line again, written back with its `product_id` and `match` object, in input
//!    order.
//!
//! Between passes only the profiles are held (a few hundred bytes per offer), never the lines or
//! the offers. A line that is not an offer is an error naming its line number, in any pass.

use crate::blocking::BlockingParams;
use crate::brand::BrandDictionary;
use crate::cluster::{MatchMethod, OfferMatch, cluster};
use crate::profile::{CorpusStats, OfferProfile};
use crate::{MatchError, MatcherModel, ProductRecord};
use feedmill_model::Offer;
use rayon::prelude::*;
use serde_json::{Map, Value};
use std::io::{BufRead, Write};

/// Lines parsed and profiled together, in parallel.
const CHUNK_LINES: usize = 8_192;

/// Opens the offers from their start; called once per pass.
pub type OpenOffers<'a> = dyn Fn() -> std::io::Result<Box<dyn BufRead>> + 'a;

/// What [`cluster_offer_lines`] did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ClusterSummary {
    pub num_offers: u64,
    /// Distinct product ids.
    pub num_products: u64,
    /// Offers by how they joined their product, in the order gtin, model, scored, none.
    pub by_method: [u64; 4],
}

/// Clusters the offers `open` reads and writes each line to `out` with its product.
pub fn cluster_offer_lines(
    open: &OpenOffers<'_>,
    out: &mut dyn Write,
    model: &MatcherModel,
    params: &BlockingParams,
) -> Result<ClusterSummary, MatchError> {
    let brands = learn_brands(open)?;
    let (profiles, ids) = read_profiles(open, &brands)?;
    let matches = cluster(&profiles, &ids, model, params);
    drop(profiles);
    write_matches(open, &matches, out)?;
    Ok(summary(&matches))
}

/// Calls `visit` with each chunk of offers (line numbers 1-based, blank lines skipped).
fn for_each_chunk(
    open: &OpenOffers<'_>,
    mut visit: impl FnMut(Vec<(usize, String)>) -> Result<(), MatchError>,
) -> Result<(), MatchError> {
    let reader = open().map_err(|source| MatchError::Read { line: 0, source })?;
    let mut chunk = Vec::with_capacity(CHUNK_LINES);
    for (index, line) in reader.lines().enumerate() {
        let line_number = index + 1;
        let line = line.map_err(|source| MatchError::Read {
            line: line_number,
            source,
        })?;
        if line.trim().is_empty() {
            continue;
        }
        chunk.push((line_number, line));
        if chunk.len() == CHUNK_LINES {
            visit(std::mem::replace(
                &mut chunk,
                Vec::with_capacity(CHUNK_LINES),
            ))?;
        }
    }
    if !chunk.is_empty() {
        visit(chunk)?;
    }
    Ok(())
}

fn parse_offer(line_number: usize, line: &str) -> Result<Offer, MatchError> {
    serde_json::from_str(line).map_err(|e| MatchError::MalformedOffer {
        line: line_number,
        reason: e.to_string(),
    })
}

fn parse_chunk(chunk: &[(usize, String)]) -> Result<Vec<Offer>, MatchError> {
    chunk
        .par_iter()
        .map(|(number, line)| parse_offer(*number, line))
        .collect()
}

fn learn_brands(open: &OpenOffers<'_>) -> Result<BrandDictionary, MatchError> {
    let mut brand_fields = Vec::new();
    for_each_chunk(open, |chunk| {
        brand_fields.extend(parse_chunk(&chunk)?.into_iter().filter_map(|o| o.brand));
        Ok(())
    })?;
    Ok(BrandDictionary::learn(
        brand_fields.iter().map(String::as_str),
    ))
}

fn read_profiles(
    open: &OpenOffers<'_>,
    brands: &BrandDictionary,
) -> Result<(Vec<OfferProfile>, Vec<String>), MatchError> {
    let mut profiles = Vec::new();
    let mut ids = Vec::new();
    for_each_chunk(open, |chunk| {
        let offers = parse_chunk(&chunk)?;
        profiles.par_extend(
            offers
                .par_iter()
                .map(|offer| OfferProfile::build(&ProductRecord::from_offer(offer), brands)),
        );
        ids.extend(offers.into_iter().map(|offer| offer.id));
        Ok(())
    })?;
    let stats = CorpusStats::from_profiles(&profiles);
    profiles
        .par_iter_mut()
        .for_each(|profile| profile.apply_weights(&stats));
    Ok((profiles, ids))
}

fn write_matches(
    open: &OpenOffers<'_>,
    matches: &[OfferMatch],
    out: &mut dyn Write,
) -> Result<(), MatchError> {
    let mut next = matches.iter();
    let write_error = |source| MatchError::Write { source };
    for_each_chunk(open, |chunk| {
        for (line_number, line) in chunk {
            let mut object: Map<String, Value> =
                serde_json::from_str(&line).map_err(|e| MatchError::MalformedOffer {
                    line: line_number,
                    reason: e.to_string(),
                })?;
            let Some(offer_match) = next.next() else {
                return Err(MatchError::Changed { line: line_number });
            };
            object.insert(
                "product_id".into(),
                Value::String(offer_match.product_id.clone()),
            );
            let match_object =
                serde_json::json!({ "method": offer_match.method, "score": offer_match.score });
            object.insert("match".into(), match_object);
            serde_json::to_writer(&mut *out, &object)
                .map_err(|e| write_error(std::io::Error::other(e)))?;
            out.write_all(b"\n").map_err(write_error)?;
        }
        Ok(())
    })?;
    if next.next().is_some() {
        return Err(MatchError::Changed { line: 0 });
    }
    out.flush().map_err(write_error)
}

fn summary(matches: &[OfferMatch]) -> ClusterSummary {
    let mut by_method = [0u64; 4];
    for offer_match in matches {
        let slot = match offer_match.method {
            MatchMethod::Gtin => 0,
            MatchMethod::Model => 1,
            MatchMethod::Scored => 2,
            MatchMethod::None => 3,
        };
        by_method[slot] += 1;
    }
    let mut products: Vec<&str> = matches.iter().map(|m| m.product_id.as_str()).collect();
    products.sort_unstable();
    products.dedup();
    ClusterSummary {
        num_offers: matches.len() as u64,
        num_products: products.len() as u64,
        by_method,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::profile::build_profiles;
    use std::io::Cursor;

    fn line(id: &str, title: &str, gtin: Option<&str>, mpn: Option<&str>) -> String {
        let mut offer = serde_json::json!({
            "id": id, "source": "s", "network": "generic", "title": title, "brand": "Acme",
            "price": "10.00", "currency": "EUR", "availability": "in_stock",
        });
        if let Some(gtin) = gtin {
            offer["gtin"] = gtin.into();
        }
        if let Some(mpn) = mpn {
            offer["mpn"] = mpn.into();
        }
        offer.to_string()
    }

    fn run(text: &str) -> Result<(ClusterSummary, Vec<Value>), MatchError> {
        let text = text.to_string();
        let open = move || Ok(Box::new(Cursor::new(text.clone().into_bytes())) as Box<dyn BufRead>);
        let mut out = Vec::new();
        let model = MatcherModel::bundled()?;
        let summary = cluster_offer_lines(&open, &mut out, &model, &BlockingParams::default())?;
        let lines = String::from_utf8_lossy(&out)
            .lines()
            .map(|l| serde_json::from_str(l).unwrap_or(Value::Null))
            .collect();
        Ok((summary, lines))
    }

    #[test]
    fn the_streamed_passes_give_the_in_memory_products() -> Result<(), MatchError> {
        let lines = [
            line("a", "Acme Drill X100 18V", Some("4006381333931"), None),
            line("b", "Acme X100 cordless drill", Some("4006381333931"), None),
            line("c", "Acme Drill X100 18V", None, Some("X100")),
            line("d", "Acme Saw S20", None, Some("S20")),
            line("e", "Something else entirely", None, None),
        ];
        let text = format!("{}\n\n{}\n", lines[..2].join("\n"), lines[2..].join("\n"));
        let (summary, written) = run(&text)?;
        assert_eq!(summary.num_offers, 5);
        assert_eq!(written.len(), 5);

        let offers: Vec<Offer> = lines
            .iter()
            .map(|l| parse_offer(0, l))
            .collect::<Result<_, _>>()?;
        let records: Vec<ProductRecord> = offers.iter().map(ProductRecord::from_offer).collect();
        let profiles = build_profiles(&records.iter().collect::<Vec<_>>());
        let ids: Vec<String> = offers.iter().map(|o| o.id.clone()).collect();
        let model = MatcherModel::bundled()?;
        let expected = cluster(&profiles, &ids, &model, &BlockingParams::default());
        for (value, expected) in written.iter().zip(&expected) {
            assert_eq!(
                value["product_id"],
                Value::String(expected.product_id.clone())
            );
            assert_eq!(value["match"]["method"], serde_json::json!(expected.method));
        }
        assert_eq!(written[0]["product_id"], written[1]["product_id"]);
        assert_eq!(written[0]["id"], "a", "lines keep their content and order");
        assert_eq!(summary.by_method[0], 2, "{summary:?}");
        Ok(())
    }

    #[test]
    fn a_line_that_is_not_an_offer_is_named() {
        let text = format!("{}\n{{\"id\":\"x\"}}\n", line("a", "Acme", None, None));
        match run(&text) {
            Err(MatchError::MalformedOffer { line, .. }) => assert_eq!(line, 2),
            other => panic!("expected a malformed offer on line 2, got {other:?}"),
        }
    }
}
