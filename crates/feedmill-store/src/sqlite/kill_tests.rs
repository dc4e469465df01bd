//! kill -9 safety: a child process (this test binary, re-run as the writer) upserts postbacks
//! from 32 threads and prints each one after its acknowledgement; the parent kills it with
//! SIGKILL mid-burst, reopens the database and finds every acknowledged conversion.

use super::SqliteStore;
use super::sqlite_tests::order;
use crate::error::{StoreError, StoreResult};
use crate::store::ConversionStore;
use crate::suite::{currency, day};
use std::io::{BufRead, BufReader, Write};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;

const CHILD_DB: &str = "FEEDMILL_STORE_KILL_TEST_DB";
/// Acknowledgements the parent waits for before it kills the child.
const KILL_AFTER: usize = 300;

/// The child's part: does nothing unless started by the parent with the database's path.
#[test]
fn child_writes_until_killed() -> StoreResult<()> {
    let Some(path) = std::env::var_os(CHILD_DB) else {
        return Ok(());
    };
    let store = Arc::new(SqliteStore::open(path.as_ref())?);
    let writers: Vec<_> = (0..32)
        .map(|writer| {
            let store = store.clone();
            std::thread::spawn(move || -> StoreResult<()> {
                // Bounded, in case the parent is gone without killing us.
                for i in 0..5_000 {
                    let order_id = format!("w{writer}-{i}");
                    let receipt =
                        store.upsert_conversion(&order(&order_id), currency("EUR"), day(0))?;
                    let mut out = std::io::stdout().lock();
                    let _ = writeln!(out, "acked {order_id} {}", receipt.conversion_id);
                    let _ = out.flush();
                }
                Ok(())
            })
        })
        .collect();
    for writer in writers {
        writer.join().map_err(|_| StoreError::WriterStopped)??;
    }
    Ok(())
}

/// Kills the child when the test ends, whatever happened.
struct KillOnDrop(Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn acknowledged_postbacks_survive_kill_9() -> Result<(), Box<dyn std::error::Error>> {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("store.sqlite");
    let mut child = KillOnDrop(
        Command::new(std::env::current_exe()?)
            .args([
                "--exact",
                "sqlite::kill_tests::child_writes_until_killed",
                "--nocapture",
                "--test-threads=1",
            ])
            .env(CHILD_DB, &path)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()?,
    );
    let stdout = child.0.stdout.take().ok_or("no child stdout")?;
    let mut acked = Vec::new();
    let mut killed = false;
    for line in BufReader::new(stdout).lines() {
        let line = line?;
        let mut words = line.split_whitespace();
        if let (Some("acked"), Some(order_id), Some(conversion_id)) =
            (words.next(), words.next(), words.next())
        {
            acked.push((order_id.to_owned(), conversion_id.to_owned()));
        }
        if acked.len() >= KILL_AFTER && !killed {
            child.0.kill()?; // SIGKILL on Unix
            killed = true;
        }
    }
    let status = child.0.wait()?;
    assert!(
        killed && !status.success(),
        "the child was killed mid-burst ({} acks)",
        acked.len()
    );
    let store = SqliteStore::open(&path)?;
    for (order_id, conversion_id) in &acked {
        let stored = store.conversion("prog", order_id)?;
        assert_eq!(
            stored.map(|c| c.conversion_id).as_ref(),
            Some(conversion_id),
            "{order_id} was acknowledged"
        );
    }
    Ok(())
}
