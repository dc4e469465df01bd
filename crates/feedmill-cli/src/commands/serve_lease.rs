//! `feedmill serve` on a shared Postgres store: of the replicas on one store, only the one
//! holding the store's refresh lease ([`RefreshLease`]) runs the scheduled refreshes and
//! run-now jobs; the others keep their scheduler on standby and serve. When the holder dies,
//! its session ends, and another replica takes the lease within [`LEASE_POLL`] and starts
//! refreshing at its scheduler's next tick. A SQLite store is one machine's file: no lease.

use super::store_location::postgres_url;
use feedmill_pipeline::SchedulerHandle;
use feedmill_store::RefreshLease;
use std::path::Path;
use std::time::Duration;
use tokio::task::JoinHandle;
use tracing::info;

/// How often a replica asks for the lease (and the holder checks it still has it).
pub(crate) const LEASE_POLL: Duration = Duration::from_secs(3);
/// How often the scheduler's standby follows the lease.
const FOLLOW_EVERY: Duration = Duration::from_millis(250);

/// For a Postgres store: puts `scheduler` on standby and starts the task that lets it run
/// while this process holds the lease. `None` for a SQLite store.
pub(crate) fn follow_lease(
    store: &Path,
    scheduler: &SchedulerHandle,
) -> anyhow::Result<Option<JoinHandle<()>>> {
    let Some(url) = postgres_url(store) else {
        return Ok(None);
    };
    let lease = RefreshLease::open(url, LEASE_POLL)?;
    scheduler.set_standby(true);
    let scheduler = scheduler.clone();
    Ok(Some(tokio::spawn(async move {
        let mut running = false;
        loop {
            let held = lease.is_held();
            if held != running {
                running = held;
                scheduler.set_standby(!held);
                match held {
                    true => info!("this process holds the refresh lease: it runs the refreshes"),
                    false => info!("another process holds the refresh lease: refreshes on standby"),
                }
            }
            tokio::time::sleep(FOLLOW_EVERY).await;
        }
    })))
}
