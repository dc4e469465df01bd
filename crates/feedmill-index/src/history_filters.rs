//! The price-history filters of a search: `dropped_within` (the price changed within N days
//! and the change was a drop) and `at_lowest` (no price of the offer in the last N days was
//! below today's), as range clauses over the times indexed with each offer's honest numbers.
//!
//! Both are selective (few offers dropped this week), so they are query clauses that lead an
//! intersection rather than columns checked per candidate. "Now" is the search's clock
//! ([`OfferIndex::set_search_time`](crate::OfferIndex::set_search_time) in tests); offers
//! without history have none of these fields and never match. The search cache keys answers by
//! request and snapshot, not by time: a cached answer of a history filter is that of the first
//! search on its snapshot, which every ingest replaces (a refresh a day keeps it under a day old;
//! `at_lowest` and `dropped_within` move by whole days).

use crate::schema::OfferSchema;
use chrono::{DateTime, Duration, Utc};
use feedmill_search::SearchRequest;
use std::ops::Bound;
use tantivy::Term;
use tantivy::query::{Query, RangeQuery};

/// The clauses for the request's history filters at `now` (none without them).
pub(crate) fn history_filters(
    schema: &OfferSchema,
    request: &SearchRequest,
    now: DateTime<Utc>,
) -> Vec<Box<dyn Query>> {
    let mut clauses: Vec<Box<dyn Query>> = Vec::new();
    if let Some(days) = request.dropped_within {
        let changed_after = Term::from_field_date(schema.price_changed_at, seconds(now, days));
        clauses.push(Box::new(RangeQuery::new(
            Bound::Included(changed_after),
            Bound::Unbounded,
        )));
        // Only drops have the field; a drop under 0.05 % is written as 0.0, and is one.
        let dropped = Term::from_field_f64(schema.price_drop, 0.0);
        clauses.push(Box::new(RangeQuery::new(
            Bound::Included(dropped),
            Bound::Unbounded,
        )));
    }
    if let Some(days) = request.at_lowest {
        let lowest_before = Term::from_field_date(schema.lowest_since, seconds(now, days));
        clauses.push(Box::new(RangeQuery::new(
            Bound::Unbounded,
            Bound::Included(lowest_before),
        )));
    }
    clauses
}

/// `days` before `now`, at the seconds precision of the indexed times.
fn seconds(now: DateTime<Utc>, days: u32) -> tantivy::DateTime {
    let then = now - Duration::days(i64::from(days));
    tantivy::DateTime::from_timestamp_secs(then.timestamp())
}
