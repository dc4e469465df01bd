//! The migration that keeps each offer's [`PriceSummary`](crate::PriceSummary) beside its last
//! known state, so an unchanged refresh answers the honest figures without reading points.
//!
//! The columns are NULL for offers recorded before it (and after a batch that observed without
//! summaries): the next batch that sees such an offer computes the summary from its points and
//! writes it.

pub(crate) const SCHEMA_PRICE_SUMMARY: &str = "
ALTER TABLE price_state ADD COLUMN since_us INTEGER;
ALTER TABLE price_state ADD COLUMN previous_price INTEGER;
ALTER TABLE price_state ADD COLUMN history_days INTEGER;
ALTER TABLE price_state ADD COLUMN lowest_30d INTEGER;
ALTER TABLE price_state ADD COLUMN lowest_since_us INTEGER;
";
