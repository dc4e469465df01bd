//! `feedmill match cluster OFFERS.ndjson`: reads normalized offers, groups them into products and
//! writes each offer's line back with a `product_id` and a `match` object.
//!
//! Clustering compares every offer with its candidates, so the offers are held in memory (about
//! the size of the input); lines are written back in input order.

use super::load_model;
use crate::match_args::ClusterArgs;
use anyhow::Context;
use feedmill_match::blocking::BlockingParams;
use feedmill_match::cluster::cluster;
use feedmill_match::profile::build_profiles;
use feedmill_match::{MatchError, ProductRecord};
use feedmill_model::Offer;
use serde_json::{Map, Value};
use std::fs::File;
use std::io::{BufRead, BufReader, BufWriter, Write};
use std::process::ExitCode;

/// An offer's line as read (written back with the match added) and the offer it holds.
type OfferLine = (Map<String, Value>, Offer);

/// Reads offers, one JSON object per line; a line that is not an offer is an error naming it.
fn read_offers(reader: impl BufRead) -> Result<Vec<OfferLine>, MatchError> {
    let mut offers = Vec::new();
    for (index, line) in reader.lines().enumerate() {
        let line_number = index + 1;
        let line = line.map_err(|source| MatchError::Read {
            line: line_number,
            source,
        })?;
        if line.trim().is_empty() {
            continue;
        }
        let malformed = |reason: String| MatchError::MalformedOffer {
            line: line_number,
            reason,
        };
        let object: Map<String, Value> =
            serde_json::from_str(&line).map_err(|e| malformed(e.to_string()))?;
        let offer: Offer = serde_json::from_value(Value::Object(object.clone()))
            .map_err(|e| malformed(e.to_string()))?;
        offers.push((object, offer));
    }
    Ok(offers)
}

pub fn run(args: ClusterArgs) -> anyhow::Result<ExitCode> {
    let model = load_model(args.model.as_deref())?;
    let offers = if args.offers.as_os_str() == "-" {
        read_offers(std::io::stdin().lock()).context("failed to read offers from stdin")?
    } else {
        let file = File::open(&args.offers)
            .with_context(|| format!("failed to open {}", args.offers.display()))?;
        read_offers(BufReader::new(file))
            .with_context(|| format!("failed to read offers from {}", args.offers.display()))?
    };
    let records: Vec<ProductRecord> = offers
        .iter()
        .map(|(_, offer)| ProductRecord::from_offer(offer))
        .collect();
    let profiles = build_profiles(&records.iter().collect::<Vec<_>>());
    let ids: Vec<String> = offers.iter().map(|(_, offer)| offer.id.clone()).collect();
    let matches = cluster(&profiles, &ids, &model, &BlockingParams::default());
    let mut out: Box<dyn Write> = match args.out.as_ref().filter(|p| p.as_os_str() != "-") {
        Some(path) => {
            Box::new(BufWriter::new(File::create(path).with_context(|| {
                format!("failed to create {}", path.display())
            })?))
        }
        None => Box::new(BufWriter::new(std::io::stdout().lock())),
    };
    for ((mut object, _), offer_match) in offers.into_iter().zip(matches) {
        object.insert(
            "product_id".into(),
            Value::String(offer_match.product_id.clone()),
        );
        let match_object =
            serde_json::json!({ "method": offer_match.method, "score": offer_match.score });
        object.insert("match".into(), match_object);
        serde_json::to_writer(&mut out, &object).context("failed to write offers")?;
        out.write_all(b"\n").context("failed to write offers")?;
    }
    out.flush().context("failed to write offers")?;
    Ok(ExitCode::SUCCESS)
}
