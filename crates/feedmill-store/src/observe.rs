//! Observing one slice of an ingest into its [`PriceBatch`], with the honest figures of each
//! offer (`PriceHistoryStore::observe_prices`).
//!
//! Most offers are unchanged and answered from the batch. A new offer has no stored points, so
//! its figures are those of its first point alone. A changed offer's figures need its stored
//! points: those are read for the whole slice in one call (`read_points`: the store's
//! `price_points_of_offers`, one read transaction in SQLite), not one read per offer. The answers are those of observing the offers one by one: an offer seen a
//! second time in the slice first settles the offers waiting for their points, since its
//! comparison depends on what the first sighting computed.

use crate::error::StoreResult;
use crate::price_batch::{Observed, PriceBatch};
use crate::price_history::{PointKind, PriceObservation, PricePoint};
use crate::price_summary::{PriceSummary, price_summary};
use std::collections::HashSet;

/// See the module doc.
pub(crate) fn observe_prices(
    batch: &mut PriceBatch,
    observations: &[PriceObservation],
    mut read_points: impl FnMut(&str, &[&str]) -> StoreResult<Vec<Vec<PricePoint>>>,
) -> StoreResult<Vec<Option<PriceSummary>>> {
    let mut summaries = vec![None; observations.len()];
    let mut waiting = Waiting::default();
    for (i, observation) in observations.iter().enumerate() {
        if waiting.offer_ids.contains(&*observation.offer_id) {
            waiting.settle(&mut read_points, batch, observations, &mut summaries)?;
        }
        match batch.observe_one(observation) {
            Observed::Known(summary) => summaries[i] = Some(summary),
            Observed::Rejected => {}
            Observed::NeedsHistory(Some(point)) if point.kind == PointKind::First => {
                let summary = price_summary(std::slice::from_ref(&point));
                batch.keep_summary(&observation.offer_id, summary);
                summaries[i] = summary;
            }
            Observed::NeedsHistory(point) => waiting.push(i, &observation.offer_id, point),
        }
    }
    waiting.settle(&mut read_points, batch, observations, &mut summaries)?;
    Ok(summaries)
}

/// Offers of the slice waiting for their stored points: their positions and the point this
/// batch adds to each (if any).
#[derive(Default)]
struct Waiting<'a> {
    offers: Vec<(usize, Option<PricePoint>)>,
    offer_ids: HashSet<&'a str>,
}

impl<'a> Waiting<'a> {
    fn push(&mut self, position: usize, offer_id: &'a str, point: Option<PricePoint>) {
        self.offers.push((position, point));
        self.offer_ids.insert(offer_id);
    }

    /// Reads the waiting offers' points, computes and keeps their summaries.
    fn settle(
        &mut self,
        read_points: &mut impl FnMut(&str, &[&str]) -> StoreResult<Vec<Vec<PricePoint>>>,
        batch: &mut PriceBatch,
        observations: &[PriceObservation],
        summaries: &mut [Option<PriceSummary>],
    ) -> StoreResult<()> {
        if self.offers.is_empty() {
            return Ok(());
        }
        let offer_ids: Vec<&str> = self
            .offers
            .iter()
            .map(|(position, _)| &*observations[*position].offer_id)
            .collect();
        let stored = read_points(batch.source(), &offer_ids)?;
        for ((position, point), mut points) in self.offers.drain(..).zip(stored) {
            if let Some(point) = point {
                // A point stored at the batch's own time is the one this batch replaces.
                points.retain(|stored| stored.time < point.time);
                points.push(point);
            }
            let summary = price_summary(&points);
            batch.keep_summary(&observations[position].offer_id, summary);
            summaries[position] = summary;
        }
        self.offer_ids.clear();
        Ok(())
    }
}
