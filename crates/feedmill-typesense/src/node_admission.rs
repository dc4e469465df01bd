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
//! While no node is admitted (at start-up, or after the whole cluster came back) the client
//! serves from any node up, and the first check admits the nodes that agree with it. A node
//! killed and restarted between two calls of this process, never failing one, is not noticed.

use crate::error::TypesenseError;
use crate::live_set::LiveSet;
use crate::typesense_backend::TypesenseBackend;
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
        // The reference is read through the client: from an admitted node when there is one.
        let Ok(reference) = self.refresh_live() else {
            return;
        };
        for node in candidates {
            match self.holds_live(node, &reference) {
                Ok(true) => client.admit(node),
                Err(TypesenseError::Unavailable { .. }) => client.mark_down(node),
                Ok(false) | Err(_) => {
                    tracing::debug!(node = %client.node_name(node), "typesense node not caught up yet");
                    client.defer(node, RECHECK);
                }
            }
        }
    }

    /// True when `node` shows `reference`'s generations with all their documents.
    fn holds_live(&self, node: usize, reference: &LiveSet) -> Result<bool, TypesenseError> {
        let collections = &self.shared.collections;
        let Some(live) = collections.read_live_at(node)? else {
            return Ok(false);
        };
        if !live.same_generations(reference) {
            return Ok(false);
        }
        let count = collections.count_at(node, &live.filter())?;
        Ok(count == Some(live.num_offers()))
    }
}
