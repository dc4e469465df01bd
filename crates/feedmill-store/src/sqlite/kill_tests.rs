//! kill -9 safety: a child process (this test binary, re-run as the writer) upserts postbacks
//! (or records click-outs) from 32 threads and prints each one after its acknowledgement; the
//! parent kills it with SIGKILL mid-burst, reopens the database and finds every acknowledged
//! conversion (or click).

use super::SqliteStore;
use super::sqlite_tests::order;
use crate::EarningsQuery;
use crate::click::{Click, ClickId, GroupBy, TimeRange};
use crate::error::{StoreError, StoreResult};
use crate::store::{ClickAck, ClickStore, ConversionStore, EarningsStore};
use crate::suite::{click, currency, day};
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
    let acked = acks_until_killed("sqlite::kill_tests::child_writes_until_killed", &path)?;
    let store = SqliteStore::open(&path)?;
    for ack in &acked {
        let [order_id, conversion_id] = ack.as_slice() else {
            return Err(format!("bad ack {ack:?}").into());
        };
        let stored = store.conversion("prog", order_id)?;
        assert_eq!(
            stored.map(|c| c.conversion_id).as_ref(),
            Some(conversion_id),
            "{order_id} was acknowledged"
        );
    }
    Ok(())
}

/// The child's part for click-outs: 32 threads record clicks, half of them as the click-out
/// handler does (`submit_click`, then wait for the acknowledgement), half by `record_click`
/// (the open day's clicks; every 50th a click of a closed day, which also writes the rollups),
/// and print each click id after its acknowledgement.
#[test]
fn child_records_clicks_until_killed() -> StoreResult<()> {
    let Some(path) = std::env::var_os(CHILD_DB) else {
        return Ok(());
    };
    let store = Arc::new(SqliteStore::open(path.as_ref())?);
    let recorders: Vec<_> = (0..32)
        .map(|recorder| {
            let store = store.clone();
            std::thread::spawn(move || -> StoreResult<()> {
                for i in 0..5_000 {
                    let when = if i % 50 == 49 { day(-2) } else { day(0) };
                    let clicked = click(&format!("o{recorder}"), when, Some("kill"))?;
                    if recorder % 2 == 0 {
                        store.record_click(&clicked)?;
                    } else {
                        submit(&store, clicked.clone())?;
                    }
                    let mut out = std::io::stdout().lock();
                    let _ = writeln!(out, "acked {}", clicked.click_id.as_str());
                    let _ = out.flush();
                }
                Ok(())
            })
        })
        .collect();
    for recorder in recorders {
        recorder.join().map_err(|_| StoreError::WriterStopped)??;
    }
    Ok(())
}

/// Submits `click` as the click-out handler does and waits for its acknowledgement.
fn submit(store: &SqliteStore, click: Click) -> StoreResult<()> {
    let (sender, acked) = std::sync::mpsc::channel();
    let ack: ClickAck = Box::new(move |outcome| {
        let _ = sender.send(outcome);
    });
    match store.submit_click(click, ack) {
        Ok(()) => acked.recv().map_err(|_| StoreError::WriterStopped)?,
        Err(not_taken) => store.record_click(&not_taken.click),
    }
}

/// kill -9 during a burst of click-outs: every acknowledged click is stored, and the earnings
/// report (rollups and the open day counted from the clicks) counts at least all of them.
#[test]
fn acknowledged_clicks_survive_kill_9() -> Result<(), Box<dyn std::error::Error>> {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("store.sqlite");
    let acked = acks_until_killed(
        "sqlite::kill_tests::child_records_clicks_until_killed",
        &path,
    )?;
    let store = SqliteStore::open(&path)?;
    for ack in &acked {
        let id = ack.first().and_then(|id| ClickId::parse(id));
        let id = id.ok_or_else(|| format!("bad ack {ack:?}"))?;
        assert!(store.click(&id)?.is_some(), "{id:?} was acknowledged");
    }
    let range = TimeRange::between(day(-7), day(7));
    let stored = store.visit_clicks(range, &mut |_| Ok(()))?;
    let report = store.earnings(EarningsQuery {
        range,
        group_by: GroupBy::Day,
    })?;
    let reported: u64 = report.iter().map(|row| row.num_clicks).sum();
    assert!(stored >= acked.len() as u64);
    assert_eq!(reported, stored, "the report counts every stored click");
    Ok(())
}

/// Runs the child test `child` on the database at `path`, kills it with SIGKILL after
/// [`KILL_AFTER`] acknowledgements, and returns the words after `acked` of every line it
/// printed.
fn acks_until_killed(
    child: &str,
    path: &std::path::Path,
) -> Result<Vec<Vec<String>>, Box<dyn std::error::Error>> {
    let mut child = KillOnDrop(
        Command::new(std::env::current_exe()?)
            .args(["--exact", child, "--nocapture", "--test-threads=1"])
            .env(CHILD_DB, path)
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
        if words.next() == Some("acked") {
            acked.push(words.map(str::to_owned).collect());
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
    Ok(acked)
}
