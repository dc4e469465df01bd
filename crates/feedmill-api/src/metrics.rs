//! [`Metrics`]: request counts and a latency histogram per route, clicks, and offers per source,
//! rendered in the Prometheus text format for `GET /metrics`.
//!
//! Written by hand (counters and fixed buckets on atomics, no locks on the request path): the
//! set of routes is fixed when the router is built, so a map built once and read lock-free is
//! all a metrics registry would give us here.

use feedmill_search::CacheStats;
use std::collections::HashMap;
use std::fmt::Write;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// Upper bounds (seconds) of the latency buckets: fine below the 20 ms p99 target, coarse above.
pub const LATENCY_BUCKETS: [f64; 12] = [
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1.0, 5.0,
];

/// The route label of requests no route matched.
pub const UNMATCHED_ROUTE: &str = "unmatched";

#[derive(Default)]
struct RouteMetrics {
    /// Responses by status class: 1xx .. 5xx.
    by_class: [AtomicU64; 5],
    /// Requests per latency bucket (not cumulative); the last slot is above every bound.
    buckets: [AtomicU64; LATENCY_BUCKETS.len() + 1],
    sum_micros: AtomicU64,
}

/// Counters of the API since it started.
pub struct Metrics {
    routes: HashMap<&'static str, RouteMetrics>,
    clicks: AtomicU64,
    clicks_limited: AtomicU64,
    click_log_failures: AtomicU64,
}

impl Metrics {
    /// Metrics for the router's `routes` (their path templates) and [`UNMATCHED_ROUTE`].
    pub fn new(routes: &[&'static str]) -> Metrics {
        let mut map: HashMap<&'static str, RouteMetrics> = HashMap::new();
        for route in routes.iter().chain([&UNMATCHED_ROUTE]) {
            map.entry(route).or_default();
        }
        Metrics {
            routes: map,
            clicks: AtomicU64::new(0),
            clicks_limited: AtomicU64::new(0),
            click_log_failures: AtomicU64::new(0),
        }
    }

    /// Counts one answered request.
    pub fn observe(&self, route: &str, status: u16, elapsed: Duration) {
        let Some(metrics) = self
            .routes
            .get(route)
            .or_else(|| self.routes.get(UNMATCHED_ROUTE))
        else {
            return;
        };
        let class = usize::from(status / 100).clamp(1, 5) - 1;
        metrics.by_class[class].fetch_add(1, Ordering::Relaxed);
        let seconds = elapsed.as_secs_f64();
        let bucket = LATENCY_BUCKETS
            .iter()
            .position(|bound| seconds <= *bound)
            .unwrap_or(LATENCY_BUCKETS.len());
        metrics.buckets[bucket].fetch_add(1, Ordering::Relaxed);
        let micros = u64::try_from(elapsed.as_micros()).unwrap_or(u64::MAX);
        metrics.sum_micros.fetch_add(micros, Ordering::Relaxed);
    }

    pub fn click_recorded(&self) {
        self.clicks.fetch_add(1, Ordering::Relaxed);
    }

    pub fn click_limited(&self) {
        self.clicks_limited.fetch_add(1, Ordering::Relaxed);
    }

    pub fn click_log_failed(&self) {
        self.click_log_failures.fetch_add(1, Ordering::Relaxed);
    }

    /// The Prometheus text exposition; `offers` are (source, offers in the index), `cache` the
    /// search cache's counters when it is on.
    pub fn render(&self, offers: &[(String, u64)], cache: Option<CacheStats>) -> String {
        let mut out = String::with_capacity(8192);
        let mut routes: Vec<_> = self.routes.iter().collect();
        routes.sort_by_key(|(route, _)| *route);
        header(
            &mut out,
            "feedmill_http_requests_total",
            "counter",
            "HTTP requests answered, by route and status class.",
        );
        for (route, metrics) in &routes {
            for (i, count) in metrics.by_class.iter().enumerate() {
                let count = count.load(Ordering::Relaxed);
                if count > 0 {
                    let _ = writeln!(
                        out,
                        "feedmill_http_requests_total{{route=\"{}\",status=\"{}xx\"}} {count}",
                        escape(route),
                        i + 1
                    );
                }
            }
        }
        header(
            &mut out,
            "feedmill_http_request_duration_seconds",
            "histogram",
            "Time to answer a request, by route.",
        );
        for (route, metrics) in &routes {
            render_histogram(&mut out, &escape(route), metrics);
        }
        header(
            &mut out,
            "feedmill_offers",
            "gauge",
            "Offers in the index, by source.",
        );
        for (source, count) in offers {
            let _ = writeln!(
                out,
                "feedmill_offers{{source=\"{}\"}} {count}",
                escape(source)
            );
        }
        let counters = [
            (
                "feedmill_clicks_total",
                "Click-outs recorded and redirected.",
                &self.clicks,
            ),
            (
                "feedmill_clicks_rate_limited_total",
                "Click-outs refused by the per-IP limit.",
                &self.clicks_limited,
            ),
            (
                "feedmill_click_log_failures_total",
                "Click-outs refused (503) because the click store could not record them.",
                &self.click_log_failures,
            ),
        ];
        for (name, help, value) in counters {
            header(&mut out, name, "counter", help);
            let _ = writeln!(out, "{name} {}", value.load(Ordering::Relaxed));
        }
        if let Some(cache) = cache {
            render_cache(&mut out, cache);
        }
        out
    }
}

fn render_cache(out: &mut String, cache: CacheStats) {
    let series = [
        (
            "feedmill_search_cache_hits_total",
            "counter",
            "Searches answered from the search cache.",
            cache.hits,
        ),
        (
            "feedmill_search_cache_misses_total",
            "counter",
            "Searches the search cache did not hold, run on the index.",
            cache.misses,
        ),
        (
            "feedmill_search_cache_entries",
            "gauge",
            "Answers held by the search cache.",
            cache.entries,
        ),
        (
            "feedmill_search_cache_bytes",
            "gauge",
            "Estimated heap size of the answers held by the search cache.",
            cache.bytes,
        ),
    ];
    for (name, kind, help, value) in series {
        header(out, name, kind, help);
        let _ = writeln!(out, "{name} {value}");
    }
}

fn header(out: &mut String, name: &str, kind: &str, help: &str) {
    let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} {kind}");
}

fn render_histogram(out: &mut String, route: &str, metrics: &RouteMetrics) {
    let name = "feedmill_http_request_duration_seconds";
    let mut cumulative = 0;
    for (i, bound) in LATENCY_BUCKETS.iter().enumerate() {
        cumulative += metrics.buckets[i].load(Ordering::Relaxed);
        let _ = writeln!(
            out,
            "{name}_bucket{{route=\"{route}\",le=\"{bound}\"}} {cumulative}"
        );
    }
    cumulative += metrics.buckets[LATENCY_BUCKETS.len()].load(Ordering::Relaxed);
    let sum = metrics.sum_micros.load(Ordering::Relaxed) as f64 / 1e6;
    let _ = writeln!(
        out,
        "{name}_bucket{{route=\"{route}\",le=\"+Inf\"}} {cumulative}"
    );
    let _ = writeln!(out, "{name}_sum{{route=\"{route}\"}} {sum}");
    let _ = writeln!(out, "{name}_count{{route=\"{route}\"}} {cumulative}");
}

/// Escapes a label value: backslash, double quote and line feed.
fn escape(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_counters_and_cumulative_buckets() {
        let metrics = Metrics::new(&["/search"]);
        metrics.observe("/search", 200, Duration::from_micros(300));
        metrics.observe("/search", 200, Duration::from_millis(3));
        metrics.observe("/search", 400, Duration::from_secs(9));
        metrics.observe("/nowhere", 404, Duration::from_millis(1));
        metrics.click_recorded();
        let text = metrics.render(&[("shop \"a\"".into(), 7)], None);
        assert!(
            text.contains("feedmill_http_requests_total{route=\"/search\",status=\"2xx\"} 2"),
            "{text}"
        );
        assert!(
            text.contains("feedmill_http_requests_total{route=\"unmatched\",status=\"4xx\"} 1")
        );
        assert!(text.contains(
            "feedmill_http_request_duration_seconds_bucket{route=\"/search\",le=\"0.0005\"} 1"
        ));
        assert!(text.contains(
            "feedmill_http_request_duration_seconds_bucket{route=\"/search\",le=\"0.005\"} 2"
        ));
        assert!(text.contains(
            "feedmill_http_request_duration_seconds_bucket{route=\"/search\",le=\"+Inf\"} 3"
        ));
        assert!(text.contains("feedmill_offers{source=\"shop \\\"a\\\"\"} 7"));
        assert!(text.contains("feedmill_clicks_total 1"));
        assert!(
            !text.contains("feedmill_search_cache"),
            "no cache, no series"
        );
    }

    #[test]
    fn renders_the_search_cache() {
        let cache = CacheStats {
            hits: 5,
            misses: 2,
            bytes: 4096,
            entries: 2,
        };
        let text = Metrics::new(&[]).render(&[], Some(cache));
        for line in [
            "feedmill_search_cache_hits_total 5",
            "feedmill_search_cache_misses_total 2",
            "feedmill_search_cache_entries 2",
            "feedmill_search_cache_bytes 4096",
            "# TYPE feedmill_search_cache_hits_total counter",
        ] {
            assert!(text.contains(line), "{line} in {text}");
        }
    }
}
