//! The click journal: what a start replays, who owns the journal, and sealed segments.

use super::SqliteStore;
use crate::click::{Click, GroupBy, TimeRange};
use crate::error::{StoreError, StoreResult};
use crate::store::{ClickAck, ClickStore};
use crate::suite::{click, day};
use std::path::{Path, PathBuf};

fn journal_dir(store: &Path) -> PathBuf {
    PathBuf::from(format!("{}-clicks", store.display()))
}

fn files_in(dir: &Path) -> StoreResult<Vec<String>> {
    let mut names: Vec<String> = std::fs::read_dir(dir)?
        .map(|entry| entry.map(|e| e.file_name().to_string_lossy().into_owned()))
        .collect::<Result<_, _>>()?;
    names.sort();
    Ok(names)
}

/// Submits `click` as the click-out handler does and waits for its acknowledgement; `true`
/// when the store took it (rather than giving it back to be recorded by the caller).
fn submit(store: &SqliteStore, click: Click) -> StoreResult<bool> {
    let (sender, acked) = std::sync::mpsc::channel();
    let ack: ClickAck = Box::new(move |outcome| {
        let _ = sender.send(outcome);
    });
    match store.submit_click(click, ack) {
        Ok(()) => {
            acked.recv().map_err(|_| StoreError::WriterStopped)??;
            Ok(true)
        }
        Err(not_taken) => store.record_click(&not_taken.click).map(|()| false),
    }
}

fn num_clicks(store: &SqliteStore) -> StoreResult<u64> {
    let counts = store.count_clicks(TimeRange::between(day(-7), day(7)), GroupBy::Offer)?;
    Ok(counts.iter().map(|c| c.num_clicks).sum())
}

#[test]
fn a_submitted_click_is_journaled_then_read_back_at_once() -> StoreResult<()> {
    let dir = tempfile::tempdir()?;
    let store = SqliteStore::open(&dir.path().join("s.sqlite"))?;
    let clicked = click("o1", day(0), Some("nl"))?;
    assert!(submit(&store, clicked.clone())?, "the journal takes it");
    // Read straight after the acknowledgement: the read waits for the absorber.
    assert_eq!(store.click(&clicked.click_id)?, Some(clicked));
    assert_eq!(num_clicks(&store)?, 1);
    Ok(())
}

#[test]
fn a_start_replays_what_a_crash_left_in_the_journal() -> StoreResult<()> {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("s.sqlite");
    let stored = click("o1", day(0), None)?;
    SqliteStore::open(&path)?.record_click(&stored)?;
    let journaled = click("o2", day(0), Some("nl"))?;
    let segment = journal_dir(&path).join("0000000000000007.ndjson");
    let mut lines = String::new();
    for click in [&stored, &journaled] {
        lines.push_str(&serde_json::to_string(click).map_err(std::io::Error::from)?);
        lines.push('\n');
    }
    lines.push_str(r#"{"click_id":"cut short"#); // a write the crash cut: never acknowledged
    std::fs::write(&segment, lines)?;

    let store = SqliteStore::open(&path)?;
    assert_eq!(store.click(&journaled.click_id)?, Some(journaled));
    assert_eq!(
        num_clicks(&store)?,
        2,
        "the click already stored is not counted twice"
    );
    assert!(!segment.exists(), "a replayed segment is deleted");
    // The journal's new segments are numbered after the replayed one.
    assert!(submit(&store, click("o3", day(0), None)?)?);
    let names = files_in(&journal_dir(&path))?;
    let (lock, segments) = names.split_last().ok_or(StoreError::WriterStopped)?;
    assert_eq!(lock, "lock");
    assert!(!segments.is_empty(), "{names:?}");
    assert!(
        segments
            .iter()
            .all(|name| name.as_str() > "0000000000000007.ndjson"),
        "{names:?}"
    );
    Ok(())
}

#[test]
fn a_second_opener_writes_straight_to_the_database() -> StoreResult<()> {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("s.sqlite");
    let owner = SqliteStore::open(&path)?;
    let other = SqliteStore::open(&path)?;
    assert!(owner.journal.is_some() && other.journal.is_none());
    submit(&owner, click("o1", day(0), None)?)?;
    // Without the journal, the click is committed by the database writer before its ack.
    let journal = files_in(&journal_dir(&path))?;
    let direct = click("o2", day(0), None)?;
    submit(&other, direct.clone())?;
    assert_eq!(
        files_in(&journal_dir(&path))?,
        journal,
        "the second opener adds no segment"
    );
    assert_eq!(num_clicks(&owner)?, 2);
    assert_eq!(other.click(&direct.click_id)?, Some(direct));
    drop(owner);
    // Once the owner is gone, the next opener takes the journal.
    assert!(SqliteStore::open(&path)?.journal.is_some());
    Ok(())
}

#[test]
fn sealed_segments_are_deleted_once_absorbed_and_a_clean_close_leaves_none() -> StoreResult<()> {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("s.sqlite");
    let store = std::sync::Arc::new(SqliteStore::open_with_journal_segments_of(&path, 2048)?);
    let threads: Vec<_> = (0..8)
        .map(|thread| {
            let store = store.clone();
            std::thread::spawn(move || -> StoreResult<u64> {
                let mut num_journaled = 0;
                for n in 0..250 {
                    let clicked = click(&format!("o{thread}-{n}"), day(0), None)?;
                    num_journaled += u64::from(submit(&store, clicked)?);
                }
                Ok(num_journaled)
            })
        })
        .collect();
    let mut num_journaled = 0;
    for thread in threads {
        num_journaled += thread.join().map_err(|_| StoreError::WriterStopped)??;
    }
    assert!(
        num_journaled > 1000,
        "most clicks were taken by the journal"
    );
    assert_eq!(num_clicks(&store)?, 2000);
    drop(store);
    assert_eq!(files_in(&journal_dir(&path))?, ["lock"]);
    assert_eq!(num_clicks(&SqliteStore::open(&path)?)?, 2000);
    Ok(())
}

/// A postback straight after its click-out, while the click is still being gathered for the
/// database, is attributed to it: the conversion's upsert settles the journal first.
#[test]
fn a_postback_right_after_its_click_out_is_attributed_to_it() -> StoreResult<()> {
    use crate::store::ConversionStore;
    let dir = tempfile::tempdir()?;
    let store = SqliteStore::open(&dir.path().join("s.sqlite"))?;
    let clicked = click("o1", day(0), None)?;
    assert!(submit(&store, clicked.clone())?, "the journal takes it");
    let fields = [
        ("order_id", "A-1"),
        ("amount", "19.99"),
        ("click_id", clicked.click_id.as_str()),
    ];
    let input = match crate::validate_postback("prog", fields) {
        Ok(valid) => valid.conversion,
        Err(err) => panic!("test postback is invalid: {err}"),
    };
    store.upsert_conversion(&input, crate::suite::currency("EUR"), day(1))?;
    let conversion = store.conversion("prog", "A-1")?;
    let attributed = conversion.and_then(|c| c.attribution.click_id);
    assert_eq!(attributed, Some(clicked.click_id));
    Ok(())
}
