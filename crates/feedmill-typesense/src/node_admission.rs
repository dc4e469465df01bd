//! Which nodes searches may read: a node is admitted once it holds the live generations whole.
//!
//! Typesense answers `/health` ok on a restarted node before it has caught up with the others
//! from the Raft log, and such a node answers searches from what it has: an old generation, or
//! a new one half imported. So the client serves calls only from admitted nodes (`client.rs`):
//! none is at first, and a node that fails a call loses it. Before each search the backend
//! checks the nodes that are not admitted and not marked down against the live generations as
//! an admitted node shows them: the node must show the same generation for every source, and
//! as many documents of those generations as their sources' counts. A node behind is looked at
//! again after [`RECHECK`]; one that does not answer is marked down.
//!
//! With no node admitted (at start-up, or after the whole cluster came back) the reference is
//! the most advanced live set a node shows, and never one behind what this process saw (the
//! [`LiveSet::high_water`]): nodes restarted together replay their Raft logs and answer from
//! the past meanwhile, since Typesense serves reads from a node fewer than 1,000 entries
//! behind. Searches are served by admitted nodes only, and are 503s while there are none. A
//! node killed and restarted between two calls of this process, never failing one, is noticed
//! when a search's meta read shows it behind the high water; one that shows the live
//! generations by then is taken at its word (its documents are not counted again).

use crate::error::TypesenseError;
use crate::live_set::LiveSet;
use crate::typesense_backend::TypesenseBackend;
use std::sync::Arc;
use std::time::Duration;

/// How soon a node that answered but is behind is checked again.
const RECHECK: Duration = Duration::from_millis(500);

impl TypesenseBackend {
    /// Checks every node not admitted and not marked down, and admits those caught up.
    pub(crate) fn admit_caught_up_nodes(&self) {
        let client = &self.shared.collections.client;
        let candidates = client.nodes_to_admit();
        if candidates.is_empty() {
            return;
        }
        let mut shown = Vec::with_capacity(candidates.len());
        for node in candidates {
            match self.shared.collections.read_live_at(node) {
                Ok(Some(live)) => shown.push((node, live)),
                Err(TypesenseError::Unavailable { .. }) => client.mark_down(node),
                // No meta collection yet, or an answer that is not one: not caught up.
                Ok(None) | Err(_) => client.defer(node, RECHECK),
            }
        }
        let Some(reference) = self.admission_reference(&shown) else {
            shown
                .iter()
                .for_each(|(node, _)| client.defer(*node, RECHECK));
            return;
        };
        for (node, live) in shown {
            match self.holds_whole(node, &live, &reference) {
                Ok(true) => client.admit(node),
                Err(TypesenseError::Unavailable { .. }) => client.mark_down(node),
                Ok(false) | Err(_) => {
                    tracing::debug!(node = %client.node_name(node), "typesense node not caught up yet");
                    client.defer(node, RECHECK);
                }
            }
        }
    }

    /// The live set a node must hold to be admitted: as the admitted nodes show it, or, with
    /// none admitted, the most advanced that a candidate shows; never one behind what this
    /// process saw.
    fn admission_reference(&self, shown: &[(usize, LiveSet)]) -> Option<Arc<LiveSet>> {
        let reference = match self.shared.collections.client.any_admitted() {
            true => self.refresh_live().ok()?,
            false => Arc::new(
                shown
                    .iter()
                    .map(|(_, live)| live)
                    .max_by_key(|live| live.high_water())?
                    .clone(),
            ),
        };
        if self.shared.is_behind(&reference) {
            return None;
        }
        self.shared.remember(&reference);
        Some(reference)
    }

    /// True when `node`, showing `live`, holds `reference`'s generations with all their
    /// documents.
    fn holds_whole(
        &self,
        node: usize,
        live: &LiveSet,
        reference: &LiveSet,
    ) -> Result<bool, TypesenseError> {
        if !live.same_generations(reference) {
            return Ok(false);
        }
        let count = self.shared.collections.count_at(node, &live.filter())?;
        Ok(count == Some(live.num_offers()))
    }
}
