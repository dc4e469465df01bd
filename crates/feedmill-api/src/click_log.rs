//! [`ClickLog`]: every click-out, appended to an NDJSON file and synced to disk before the
//! shopper is redirected, so a crash or a kill loses no recorded click.
//!
//! One writer thread owns the file and commits in groups: it takes every click that arrived
//! while the previous `sync_data` ran, writes them, flushes and syncs once, then acknowledges
//! each. Under load one sync covers many clicks; alone, a click waits for one sync. A line cut
//! short by a crash is skipped by [`export_clicks`], and the next start begins on a new line.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::fs::{File, OpenOptions};
use std::io::{self, BufRead, BufReader, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::thread::JoinHandle;
use tokio::sync::oneshot;
use tracing::warn;

/// Most clicks written under one sync; bounds the latency of the last click of a burst.
const MAX_GROUP: usize = 256;

/// One click-out as the log stores it and `feedmill clicks` exports it. No IP address or other
/// personal data is kept; the referrer loses its query string and fragment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClickRecord {
    pub time: DateTime<Utc>,
    pub offer_id: String,
    pub source: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sub_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sub_id_2: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sub_id_3: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub referrer: Option<String>,
    /// Where the shopper was sent.
    pub destination: String,
}

struct Job {
    line: Vec<u8>,
    done: oneshot::Sender<io::Result<()>>,
}

/// The append-only click log; see the module doc.
pub struct ClickLog {
    path: PathBuf,
    jobs: Option<mpsc::Sender<Job>>,
    writer: Option<JoinHandle<()>>,
}

impl ClickLog {
    /// Opens (or creates) the log at `path` and starts its writer thread.
    pub fn open(path: &Path) -> io::Result<ClickLog> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)?;
        }
        let mut file = OpenOptions::new()
            .create(true)
            .read(true)
            .append(true)
            .open(path)?;
        let torn_tail = !ends_with_newline(&mut file)?;
        let (jobs, queue) = mpsc::channel();
        let writer = std::thread::Builder::new()
            .name("click-log".into())
            .spawn(move || write_loop(file, queue, torn_tail))?;
        Ok(ClickLog {
            path: path.to_path_buf(),
            jobs: Some(jobs),
            writer: Some(writer),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Appends `record`; returns once it is on disk.
    pub async fn record(&self, record: &ClickRecord) -> io::Result<()> {
        let mut line = serde_json::to_vec(record).map_err(io::Error::other)?;
        line.push(b'\n');
        let (done, acked) = oneshot::channel();
        let stopped = || io::Error::other("click log writer stopped");
        let jobs = self.jobs.as_ref().ok_or_else(stopped)?;
        jobs.send(Job { line, done }).map_err(|_| stopped())?;
        acked.await.map_err(|_| stopped())?
    }
}

impl Drop for ClickLog {
    /// Lets the writer finish what it was given, then waits for it.
    fn drop(&mut self) {
        drop(self.jobs.take());
        if let Some(writer) = self.writer.take()
            && writer.join().is_err()
        {
            warn!(path = %self.path.display(), "click log writer panicked");
        }
    }
}

impl std::fmt::Debug for ClickLog {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClickLog")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

fn ends_with_newline(file: &mut File) -> io::Result<bool> {
    let len = file.metadata()?.len();
    if len == 0 {
        return Ok(true);
    }
    file.seek(SeekFrom::Start(len - 1))?;
    let mut last = [0u8; 1];
    file.read_exact(&mut last)?;
    Ok(last[0] == b'\n')
}

fn write_loop(mut file: File, queue: mpsc::Receiver<Job>, mut torn_tail: bool) {
    while let Ok(first) = queue.recv() {
        let mut group = vec![first];
        while group.len() < MAX_GROUP {
            match queue.try_recv() {
                Ok(job) => group.push(job),
                Err(_) => break,
            }
        }
        let result = write_group(&mut file, &group, torn_tail);
        torn_tail = result.is_err();
        if let Err(err) = &result {
            warn!(error = %err, num_clicks = group.len(), "failed to write clicks");
        }
        for job in group {
            let ack = match &result {
                Ok(()) => Ok(()),
                Err(err) => Err(io::Error::new(err.kind(), err.to_string())),
            };
            // The click-out may have gone away (client disconnected): nothing to tell it.
            let _ = job.done.send(ack);
        }
    }
}

fn write_group(file: &mut File, group: &[Job], torn_tail: bool) -> io::Result<()> {
    let mut bytes = Vec::with_capacity(group.iter().map(|j| j.line.len()).sum::<usize>() + 1);
    if torn_tail {
        bytes.push(b'\n');
    }
    for job in group {
        bytes.extend_from_slice(&job.line);
    }
    file.write_all(&bytes)?;
    file.flush()?;
    file.sync_data()
}

/// Writes every complete click of the log at `path` to `out` as NDJSON, oldest first, and
/// returns how many. A missing log has no clicks; a line cut short by a crash is skipped.
pub fn export_clicks(path: &Path, out: &mut dyn Write) -> io::Result<u64> {
    let file = match File::open(path) {
        Ok(file) => file,
        Err(err) if err.kind() == io::ErrorKind::NotFound => return Ok(0),
        Err(err) => return Err(err),
    };
    let mut num_clicks = 0;
    for (number, line) in BufReader::new(file).lines().enumerate() {
        let line = line?;
        if line.trim().is_empty() {
            continue;
        }
        if serde_json::from_str::<ClickRecord>(&line).is_err() {
            warn!(path = %path.display(), line = number + 1, "skipped an incomplete click record");
            continue;
        }
        out.write_all(line.as_bytes())?;
        out.write_all(b"\n")?;
        num_clicks += 1;
    }
    out.flush()?;
    Ok(num_clicks)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn click(offer: &str) -> ClickRecord {
        ClickRecord {
            time: DateTime::<Utc>::UNIX_EPOCH,
            offer_id: offer.into(),
            source: "shop".into(),
            sub_id: Some("nl".into()),
            sub_id_2: None,
            sub_id_3: None,
            referrer: Some("https://blog.example/post".into()),
            destination: "https://t.example/?url=x".into(),
        }
    }

    fn exported(path: &Path) -> io::Result<(u64, String)> {
        let mut out = Vec::new();
        let count = export_clicks(path, &mut out)?;
        Ok((count, String::from_utf8_lossy(&out).into_owned()))
    }

    #[tokio::test]
    async fn clicks_survive_a_reopen_and_a_torn_tail() -> io::Result<()> {
        let dir = tempfile::tempdir()?;
        let path = dir.path().join("logs/clicks.ndjson");
        let log = ClickLog::open(&path)?;
        log.record(&click("a")).await?;
        drop(log);
        // A crash in the middle of a line.
        OpenOptions::new()
            .append(true)
            .open(&path)?
            .write_all(b"{\"time\":\"19")?;
        let log = ClickLog::open(&path)?;
        log.record(&click("b")).await?;
        drop(log);
        let (count, text) = exported(&path)?;
        assert_eq!(count, 2);
        assert!(text.contains("\"offer_id\":\"a\"") && text.contains("\"offer_id\":\"b\""));
        assert!(
            text.lines()
                .all(|l| serde_json::from_str::<ClickRecord>(l).is_ok())
        );
        Ok(())
    }

    #[tokio::test]
    async fn concurrent_clicks_are_all_written() -> io::Result<()> {
        let dir = tempfile::tempdir()?;
        let path = dir.path().join("clicks.ndjson");
        let log = std::sync::Arc::new(ClickLog::open(&path)?);
        let mut tasks = Vec::new();
        for i in 0..50 {
            let log = log.clone();
            tasks.push(tokio::spawn(async move {
                log.record(&click(&i.to_string())).await
            }));
        }
        for task in tasks {
            task.await.map_err(io::Error::other)??;
        }
        assert_eq!(exported(&path)?.0, 50);
        Ok(())
    }

    #[test]
    fn a_missing_log_has_no_clicks() -> io::Result<()> {
        let dir = tempfile::tempdir()?;
        assert_eq!(exported(&dir.path().join("none.ndjson"))?.0, 0);
        Ok(())
    }
}
