//! Measuring a stage: its wall time and the process's peak resident memory while it ran, plus
//! the size of a directory on disk and a description of the machine.
//!
//! Peak memory is Linux's `VmHWM` (the resident-set high-water mark) from `/proc/self/status`.
//! Writing `5` to `/proc/self/clear_refs` resets the mark to the current resident set, so a mark
//! read after a stage is the peak of that stage alone (memory still held from earlier stages
//! included, since it is resident too). Elsewhere both read as 0 and the table says "n/a".
//!
//! The resident set counts the pages of memory-mapped files too — tantivy reads its segments
//! through mmap, so a search or a merge makes index pages resident, which the kernel can drop
//! at any time. The heap figure leaves them out: `RssAnon` (anonymous memory: the allocator's
//! heap, thread stacks), which has no high-water mark and is sampled every
//! [`HEAP_SAMPLE_EVERY`] on a thread of its own while the stage runs.

use serde::{Deserialize, Serialize};
use std::path::Path;
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// How often the heap is sampled: fine enough for the plateau of a stage that runs for seconds,
/// and a `/proc` read (~20 µs) 50 times a second costs nothing.
const HEAP_SAMPLE_EVERY: Duration = Duration::from_millis(20);

pub type BenchResult<T> = Result<T, Box<dyn std::error::Error + Send + Sync>>;

/// What one stage did: how long, how many items, how many bytes in, and its peak memory.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct StageFigures {
    pub seconds: f64,
    /// Offers (or records) the stage handled.
    pub num_items: u64,
    /// Peak resident memory during the stage, in bytes (0 when unknown).
    pub peak_rss: u64,
    /// Peak anonymous resident memory (heap) during the stage, sampled, in bytes.
    pub peak_heap: u64,
}

impl StageFigures {
    pub fn per_second(&self, amount: u64) -> f64 {
        if self.seconds > 0.0 {
            amount as f64 / self.seconds
        } else {
            0.0
        }
    }

    pub fn items_per_second(&self) -> f64 {
        self.per_second(self.num_items)
    }
}

/// A stage in progress: started when created, measured by [`StageClock::finish`].
pub struct StageClock {
    started: Instant,
    heap: HeapSampler,
}

impl StageClock {
    /// Resets the memory high-water mark, starts sampling the heap and starts the clock.
    pub fn start() -> StageClock {
        reset_peak_rss();
        StageClock {
            started: Instant::now(),
            heap: HeapSampler::start(),
        }
    }

    /// The stage's wall time since [`StageClock::start`] and its peak memory.
    pub fn finish(self, num_items: u64) -> StageFigures {
        let elapsed = self.started.elapsed();
        self.finish_timed(elapsed, num_items)
    }

    /// For a stage that times only part of what it does (`timed`), with the peak memory of all.
    pub fn finish_timed(self, timed: Duration, num_items: u64) -> StageFigures {
        StageFigures {
            seconds: timed.as_secs_f64(),
            num_items,
            peak_rss: peak_rss(),
            peak_heap: self.heap.finish(),
        }
    }
}

/// The largest `RssAnon` seen while it runs, sampled on its own thread.
struct HeapSampler {
    stop: Arc<AtomicBool>,
    /// `None` when the thread could not start; the figure is then one sample at the end.
    thread: Option<JoinHandle<u64>>,
}

impl HeapSampler {
    fn start() -> HeapSampler {
        let stop = Arc::new(AtomicBool::new(false));
        let stopped = stop.clone();
        let thread = std::thread::Builder::new()
            .name("heap-sampler".into())
            .spawn(move || {
                let mut peak = 0;
                loop {
                    peak = peak.max(heap_rss());
                    if stopped.load(Ordering::Relaxed) {
                        return peak;
                    }
                    std::thread::sleep(HEAP_SAMPLE_EVERY);
                }
            })
            .ok();
        HeapSampler { stop, thread }
    }

    /// Stops sampling; the peak, in bytes.
    fn finish(self) -> u64 {
        self.stop.store(true, Ordering::Relaxed);
        let sampled = self.thread.and_then(|t| t.join().ok()).unwrap_or(0);
        sampled.max(heap_rss())
    }
}

/// Resets `VmHWM` to the current resident set; a no-op where `/proc` does not allow it.
fn reset_peak_rss() {
    // Ignored on purpose: without clear_refs the mark is the process's peak so far, which the
    // table still reports (as an upper bound of the stage's peak).
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

/// `VmHWM` in bytes, 0 when unknown.
pub fn peak_rss() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    kib_field(&status, "VmHWM:").map_or(0, |kib| kib * 1024)
}

/// `RssAnon` in bytes, 0 when unknown.
fn heap_rss() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    kib_field(&status, "RssAnon:").map_or(0, |kib| kib * 1024)
}

/// The value of a `/proc` line `NAME:   123 kB`, in KiB.
fn kib_field(text: &str, name: &str) -> Option<u64> {
    let line = text.lines().find_map(|line| line.strip_prefix(name))?;
    line.trim().trim_end_matches("kB").trim().parse().ok()
}

/// Bytes of every file under `dir`, recursively.
pub fn dir_size(dir: &Path) -> BenchResult<u64> {
    let mut total = 0;
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let metadata = entry.metadata()?;
        total += if metadata.is_dir() {
            dir_size(&entry.path())?
        } else {
            metadata.len()
        };
    }
    Ok(total)
}

/// The p-quantile (0 ≤ p ≤ 1) of sorted values, by the nearest-rank rule; 0 when empty.
pub fn quantile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = (p * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

/// The machine the figures were measured on, as Markdown list items.
pub fn machine_description() -> Vec<String> {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = cpuinfo
        .lines()
        .find_map(|line| line.strip_prefix("model name"))
        .map(|rest| rest.trim_start_matches([' ', '\t', ':']).to_string())
        .unwrap_or_else(|| "unknown".into());
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let meminfo = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
    let memory = kib_field(&meminfo, "MemTotal:").map_or_else(
        || "unknown".into(),
        |kib| format!("{:.1} GiB", kib as f64 / (1024.0 * 1024.0)),
    );
    vec![
        format!("CPU: {model}, {cores} cores available (`nproc`)"),
        format!("memory: {memory} (`MemTotal`)"),
        format!("OS: {}", command_output("uname", &["-srm"])),
        format!("compiler: {}", command_output("rustc", &["--version"])),
        format!("described: {}", today()),
    ]
}

/// The commit the benchmark was built from, `-dirty` when the working tree had changes.
pub fn source_revision() -> String {
    command_output("git", &["describe", "--always", "--dirty"])
}

/// The date and time, UTC.
pub fn today() -> String {
    command_output("date", &["-u", "+%Y-%m-%d %H:%M UTC"])
}

/// The trimmed stdout of a command, or "unknown".
fn command_output(program: &str, args: &[&str]) -> String {
    Command::new(program)
        .args(args)
        .output()
        .ok()
        .filter(|output| output.status.success())
        .map(|output| String::from_utf8_lossy(&output.stdout).trim().to_string())
        .unwrap_or_else(|| "unknown".into())
}

/// User + system time of every thread of the process so far; zero where `/proc` is missing.
pub fn process_cpu() -> Duration {
    // `/proc/self/stat` counts in clock ticks of 1/100 s (USER_HZ, 100 on every Linux we run).
    const TICKS_PER_SECOND: u64 = 100;
    let Ok(stat) = std::fs::read_to_string("/proc/self/stat") else {
        return Duration::ZERO;
    };
    // Fields after the command name, which is in parentheses and may hold spaces, start with
    // the state; utime and stime are the 12th and 13th of them.
    let after_name = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    let field = |i: usize| {
        fields
            .get(i)
            .and_then(|f| f.parse::<u64>().ok())
            .unwrap_or(0)
    };
    Duration::from_millis((field(11) + field(12)) * 1000 / TICKS_PER_SECOND)
}
