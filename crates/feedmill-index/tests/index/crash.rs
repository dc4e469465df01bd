//! kill -9 in the middle of an ingest leaves an index that opens at its last commit.
//!
//! The test binary runs itself as the child: with `CHILD_ENV` set, `crash_child_ingests_forever`
//! replaces one source again and again, each generation's offers tagged with their generation,
//! until the parent kills it with SIGKILL (`Child::kill`). The parent then opens the index and
//! checks it holds exactly one generation, whole, and the metadata of that same commit.

use crate::support::*;
use feedmill_index::{IngestOptions, OfferIndex, SearchRequest};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const CHILD_ENV: &str = "FEEDMILL_INDEX_CRASH_CHILD_DIR";
const SOURCE: &str = "shop";
const NUM_OFFERS: usize = 2_000;

fn progress_file(root: &Path) -> PathBuf {
    root.join("progress")
}

/// The child's loop; a no-op when the test runner runs it as an ordinary test.
#[test]
fn crash_child_ingests_forever() -> TestResult {
    let Some(root) = std::env::var_os(CHILD_ENV).map(PathBuf::from) else {
        return Ok(());
    };
    let index = OfferIndex::open_or_create(&root.join("index"))?;
    let run = std::process::id();
    for generation in 0u64.. {
        let tag = format!("run{run}-gen{generation}");
        let mut ingest = index.begin_source_ingest(SOURCE, IngestOptions::default())?;
        for i in 0..NUM_OFFERS {
            let offer = offer(SOURCE, &i.to_string(), &format!("Product {i}"), "100").brand(&tag);
            ingest.add(&offer)?;
        }
        ingest.commit(meta(&tag))?;
        // Written then renamed, so the parent never reads half a number.
        let scratch = root.join("progress.tmp");
        std::fs::write(&scratch, generation.to_string())?;
        std::fs::rename(&scratch, progress_file(&root))?;
    }
    Ok(())
}

fn commits_done(root: &Path) -> u64 {
    std::fs::read_to_string(progress_file(root))
        .ok()
        .and_then(|text| text.trim().parse::<u64>().ok())
        .map_or(0, |generation| generation + 1)
}

/// Runs the child until it has committed `min_commits` more times, waits `delay` to land
/// somewhere inside the next ingest or commit, then kills it.
fn run_child_and_kill(root: &Path, min_commits: u64, delay: Duration) -> TestResult {
    let _ = std::fs::remove_file(progress_file(root));
    let mut child = Command::new(std::env::current_exe()?)
        .args([
            "crash::crash_child_ingests_forever",
            "--exact",
            "--test-threads=1",
        ])
        .env(CHILD_ENV, root)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()?;
    let deadline = Instant::now() + Duration::from_secs(120);
    while commits_done(root) < min_commits {
        if let Some(status) = child.try_wait()? {
            return Err(format!("child exited early: {status}").into());
        }
        if Instant::now() > deadline {
            child.kill()?;
            return Err("child made no progress".into());
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    std::thread::sleep(delay);
    child.kill()?; // SIGKILL on Unix
    child.wait()?;
    Ok(())
}

/// The index holds one whole generation, and the metadata names that generation: the last
/// one the child reported committed, or the next if the kill came between its commit and its
/// report.
fn assert_one_committed_state(root: &Path) -> TestResult {
    let reported = commits_done(root)
        .checked_sub(1)
        .ok_or("no commit reported")?;
    let index = OfferIndex::open_or_create(&root.join("index"))?;
    let stats = index.stats()?;
    assert_eq!(stats.len(), 1, "{stats:?}");
    let tag = &stats[0].content_hash;
    let generation: u64 = tag
        .rsplit_once("-gen")
        .and_then(|(_, generation)| generation.parse().ok())
        .ok_or_else(|| format!("unexpected tag {tag:?}"))?;
    assert!(
        generation == reported || generation == reported + 1,
        "recovered {tag}, child reported generation {reported}"
    );
    assert_eq!(stats[0].num_offers, NUM_OFFERS as u64);
    assert_eq!(
        index.num_offers(),
        NUM_OFFERS as u64,
        "no mix of generations"
    );
    let of_tag = SearchRequest {
        brands: vec![tag.clone()],
        ..SearchRequest::default()
    };
    assert_eq!(
        index.search(&of_tag)?.total,
        NUM_OFFERS as u64,
        "all from {tag}"
    );
    // The killed writer's lock is gone: a new ingest can start.
    drop(index.begin_source_ingest(SOURCE, IngestOptions::default())?);
    Ok(())
}

#[test]
fn kill_9_mid_ingest_leaves_the_last_commit() -> TestResult {
    if std::env::var_os(CHILD_ENV).is_some() {
        return Ok(());
    }
    let root = tempfile::tempdir()?;
    // From right after a commit to a few generations later: kills land while offers are
    // added, while a commit is written, and between commits.
    for delay_ms in [0, 10, 35, 80, 150, 260] {
        run_child_and_kill(root.path(), 2, Duration::from_millis(delay_ms))?;
        assert_one_committed_state(root.path())?;
    }
    Ok(())
}
