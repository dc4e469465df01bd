//! The figures of one run and the Markdown tables made of them: the stage table (each figure
//! beside its baseline from the same run) and the scaling table (one row per feed size).
//!
//! Units: MB/s are 10^6 bytes per second of the feed as written (uncompressed) or of its gzip
//! file; memory and index sizes are in MiB/GiB (2^20 / 2^30 bytes).

use feedmill_benches::http_load::HttpFigures;
use feedmill_benches::measure::StageFigures;
use feedmill_benches::query_mix::QueryFigures;
use feedmill_formats::FeedFormat;
use feedmill_formats::format::Syntax;
use serde::{Deserialize, Serialize};
use std::fmt::Write;

/// Everything one run measured; also what a scaling child hands its parent (as JSON).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct RunResults {
    /// The feed's format; `None` for a run over an existing index (`--search-index`).
    pub format: Option<FeedFormat>,
    pub seed: u64,
    /// Runs this is the median of (1: a single run).
    pub num_runs: usize,
    /// Records in the feed, bad ones included.
    pub num_records: u64,
    /// Offers the normalizer kept (and the index holds).
    pub num_offers: u64,
    pub feed_bytes: u64,
    pub gzip_bytes: u64,
    pub generate: StageFigures,
    pub read_baseline: StageFigures,
    pub normalize: StageFigures,
    pub tantivy_baseline: StageFigures,
    pub ingest: StageFigures,
    pub merges: StageFigures,
    /// The same feed ingested again: recognised by its hash and skipped.
    #[serde(default)]
    pub reingest: StageFigures,
    pub index_bytes: u64,
    pub baseline_index_bytes: u64,
    /// Per query kind, then the whole mix (kind "all").
    pub queries: Vec<QueryFigures>,
    pub search: StageFigures,
    /// The API with its search cache off: every request searched on the index.
    #[serde(default)]
    pub http_uncached: HttpFigures,
    /// The API as `feedmill serve` runs it, search cache on.
    pub http: HttpFigures,
    pub total_seconds: f64,
}

impl RunResults {
    fn mix(&self) -> Option<&QueryFigures> {
        self.queries.iter().find(|q| q.kind == "all")
    }

    /// The feed format's name, `unknown` without a feed.
    pub fn format_name(&self) -> &'static str {
        self.format.map_or("unknown", FeedFormat::name)
    }

    fn syntax(&self) -> &'static str {
        match self.format.map(|format| format.syntax(None)) {
            Some(Syntax::Csv { .. }) => "CSV",
            Some(Syntax::Json { .. } | Syntax::Ndjson) => "JSON",
            Some(Syntax::Xml { .. }) | None => "XML",
        }
    }
}

/// The stage table of one run.
pub fn stage_table(r: &RunResults) -> String {
    let mut rows = stage_rows();
    generate_rows(&mut rows, r);
    normalize_rows(&mut rows, r);
    ingest_rows(&mut rows, r);
    query_rows(&mut rows, r);
    http_rows(&mut rows, r);
    rows.render()
}

/// The search stages of a run over an existing index (`--search-index`).
pub fn search_table(r: &RunResults) -> String {
    let mut rows = stage_rows();
    query_rows(&mut rows, r);
    http_rows(&mut rows, r);
    rows.render()
}

fn generate_rows(t: &mut Table, r: &RunResults) {
    let g = &r.generate;
    let stage = format!("generate {} records → .gz", count(r.num_records));
    t.row(&[&stage, "time · records/s", &time_rate(g), "", ""]);
    let sizes = format!("{} · {}", mb(r.feed_bytes), mb(r.gzip_bytes));
    t.row(&["", "feed · gzip size", &sizes, "", ""]);
}

fn normalize_rows(t: &mut Table, r: &RunResults) {
    let (n, b) = (&r.normalize, &r.read_baseline);
    let baseline = format!("{} (gunzip + bare {} scan)", time_rate(b), r.syntax());
    let speed = ratio(n.items_per_second(), b.items_per_second());
    t.row(&[
        "normalize",
        "time · offers/s",
        &time_rate(n),
        &baseline,
        &speed,
    ]);
    t.row(&[
        "",
        "MB/s feed · gzip",
        &mb_rates(n, r),
        &mb_rates(b, r),
        &speed,
    ]);
    t.row(&["", PEAK, &memories(n), &memories(b), ""]);
}

fn ingest_rows(t: &mut Table, r: &RunResults) {
    let (i, b) = (&r.ingest, &r.tantivy_baseline);
    let baseline = format!("{} (tantivy, pre-built documents)", time_rate(b));
    let speed = ratio(i.items_per_second(), b.items_per_second());
    t.row(&[
        "ingest",
        "time · offers/s",
        &time_rate(i),
        &baseline,
        &speed,
    ]);
    t.row(&["", "MB/s feed · gzip", &mb_rates(i, r), "", ""]);
    let held = format!("{} (holds the documents)", memories(b));
    t.row(&["", PEAK, &memories(i), &held, ""]);
    let merges = format!("{:.1} s", r.merges.seconds);
    t.row(&["", "merges after the commit", &merges, "", ""]);
    let (again, first) = (r.reingest.seconds, r.ingest.seconds);
    t.row(&[
        "",
        "re-ingest, unchanged feed (skipped by hash)",
        &format!("{again:.2} s"),
        &format!("{first:.1} s (the first ingest)"),
        &ratio(again, first),
    ]);
    let per_offer = |bytes: u64| bytes as f64 / r.num_offers.max(1) as f64;
    let size = |bytes| format!("{} · {:.0} B/offer", memory(bytes), per_offer(bytes));
    let size_ratio = ratio(r.index_bytes as f64, r.baseline_index_bytes as f64);
    t.row(&[
        "index",
        "size on disk",
        &size(r.index_bytes),
        &size(r.baseline_index_bytes),
        &size_ratio,
    ]);
}

fn query_rows(t: &mut Table, r: &RunResults) {
    for (i, q) in r.queries.iter().filter(|q| q.kind != "all").enumerate() {
        let stage = if i == 0 { "search, 1 thread" } else { "" };
        let figure = format!("{}: p50 · p99", q.kind);
        let hits = count(q.mean_hits.round() as u64);
        let measured = format!("{} ({hits} hits)", p50_p99(q.p50_ms, q.p99_ms));
        t.row(&[stage, &figure, &measured, "", ""]);
    }
    if let Some(mix) = r.mix() {
        let rate = format!("{}/s", count(mix.per_second() as u64));
        t.row(&["", "whole mix: searches/s", &rate, "", ""]);
        t.row(&["", PEAK, &memories(&r.search), "", ""]);
    }
}

fn http_rows(t: &mut Table, r: &RunResults) {
    // Runs from before the cache have only `http`, measured without one.
    if r.http_uncached.num_requests > 0 {
        http_block(t, r, &r.http_uncached);
    }
    http_block(t, r, &r.http);
}

fn http_block(t: &mut Table, r: &RunResults, h: &HttpFigures) {
    let cache = match h.cache_bytes {
        0 => "search cache off".to_string(),
        bytes => format!(
            "search cache {} ({:.0} % hits)",
            memory(bytes),
            h.cache_hit_share * 100.0
        ),
    };
    let stage = format!("HTTP /search, {} connections, {cache}", h.concurrency);
    let rate = format!(
        "{}/s ({} in {:.1} s, {} errors)",
        count(h.requests_per_second() as u64),
        count(h.num_requests),
        h.stage.seconds,
        h.num_errors
    );
    let (baseline_rate, baseline_latency, rate_ratio) = match r.mix() {
        Some(mix) => (
            format!(
                "{}/s (same mix in-process, 1 thread, no cache)",
                count(mix.per_second() as u64)
            ),
            p50_p99(mix.p50_ms, mix.p99_ms),
            ratio(h.requests_per_second(), mix.per_second()),
        ),
        None => Default::default(),
    };
    t.row(&[&stage, "requests/s", &rate, &baseline_rate, &rate_ratio]);
    let latency = p50_p99(h.p50_ms, h.p99_ms);
    t.row(&["", "p50 · p99", &latency, &baseline_latency, ""]);
    t.row(&["", PEAK, &memories(&h.stage), "", ""]);
}

/// An empty table of stages, each figure beside its baseline.
fn stage_rows() -> Table {
    Table::new(&[
        "stage",
        "figure",
        "measured",
        "baseline, same run",
        "measured ÷ baseline",
    ])
}

/// One row per size: how time and memory grow.
pub fn scaling_table(runs: &[RunResults]) -> String {
    let mut t = Table::new(&[
        "records",
        "gzip feed",
        "normalize",
        "µs/offer",
        "peak RSS · heap",
        "ingest",
        "µs/offer",
        "peak RSS · heap",
        "tantivy baseline",
        "index",
        "search p50 · p99 (mix)",
        "HTTP req/s, cache off · on",
        "whole run",
    ]);
    for r in runs {
        let per_offer = |s: &StageFigures| format!("{:.2}", micros_per_item(s));
        let (search, http) = (
            r.mix()
                .map_or_else(String::new, |m| p50_p99(m.p50_ms, m.p99_ms)),
            format!(
                "{} · {}",
                count(r.http_uncached.requests_per_second() as u64),
                count(r.http.requests_per_second() as u64)
            ),
        );
        t.row(&[
            &count(r.num_records),
            &mb(r.gzip_bytes),
            &time_rate(&r.normalize),
            &per_offer(&r.normalize),
            &memories(&r.normalize),
            &time_rate(&r.ingest),
            &per_offer(&r.ingest),
            &memories(&r.ingest),
            &format!("{}/s", count(r.tantivy_baseline.items_per_second() as u64)),
            &memory(r.index_bytes),
            &search,
            &http,
            &format!("{:.0} s", r.total_seconds),
        ]);
    }
    t.render()
}

/// A Markdown table whose columns are padded to line up in a terminal too.
struct Table {
    rows: Vec<Vec<String>>,
}

impl Table {
    fn new(header: &[&str]) -> Table {
        Table {
            rows: vec![header.iter().map(|h| h.to_string()).collect()],
        }
    }

    fn row(&mut self, cells: &[&str]) {
        self.rows
            .push(cells.iter().map(|c| c.to_string()).collect());
    }

    fn render(&self) -> String {
        let columns = self.rows.first().map_or(0, Vec::len);
        let widths: Vec<usize> = (0..columns)
            .map(|c| self.rows.iter().map(|r| width(&r[c])).max().unwrap_or(0))
            .collect();
        let mut out = String::new();
        for (i, row) in self.rows.iter().enumerate() {
            line(&mut out, row.iter().map(String::as_str), &widths);
            if i == 0 {
                let rule: Vec<String> = widths.iter().map(|w| "-".repeat(*w)).collect();
                line(&mut out, rule.iter().map(String::as_str), &widths);
            }
        }
        out
    }
}

fn line<'a>(out: &mut String, cells: impl Iterator<Item = &'a str>, widths: &[usize]) {
    out.push('|');
    for (cell, w) in cells.zip(widths) {
        let pad = w.saturating_sub(width(cell));
        let _ = write!(out, " {cell}{} |", " ".repeat(pad));
    }
    out.push('\n');
}

fn width(text: &str) -> usize {
    text.chars().count()
}

/// `1234567` → `1,234,567`.
pub fn count(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(digit);
    }
    out
}

fn time_rate(s: &StageFigures) -> String {
    format!(
        "{:.1} s · {}/s",
        s.seconds,
        count(s.items_per_second() as u64)
    )
}

fn micros_per_item(s: &StageFigures) -> f64 {
    s.seconds * 1e6 / s.num_items.max(1) as f64
}

fn mb_rates(s: &StageFigures, r: &RunResults) -> String {
    let rate = |bytes: u64| s.per_second(bytes) / 1e6;
    format!("{:.0} · {:.1}", rate(r.feed_bytes), rate(r.gzip_bytes))
}

fn mb(bytes: u64) -> String {
    format!("{:.0} MB", bytes as f64 / 1e6)
}

/// The label of the memory rows.
const PEAK: &str = "peak RSS · heap";

/// A stage's peak resident set and peak heap.
pub fn memories(s: &StageFigures) -> String {
    format!("{} · {}", memory(s.peak_rss), memory(s.peak_heap))
}

fn memory(bytes: u64) -> String {
    const MIB: f64 = 1024.0 * 1024.0;
    match bytes {
        0 => "n/a".into(),
        b if b as f64 >= 1024.0 * MIB => format!("{:.2} GiB", b as f64 / (1024.0 * MIB)),
        b => format!("{:.0} MiB", b as f64 / MIB),
    }
}

fn p50_p99(p50: f64, p99: f64) -> String {
    format!("{p50:.1} · {p99:.1} ms")
}

fn ratio(measured: f64, baseline: f64) -> String {
    if baseline > 0.0 {
        format!("{:.2}", measured / baseline)
    } else {
        String::new()
    }
}
