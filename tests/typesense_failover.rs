//! `feedmill serve` and `feedmill ingest` on a 3-node Typesense cluster on 127.0.0.1 while
//! nodes fail for real (`kill -9` through `tests/cluster/typesense kill`):
//!
//! 1. the leader killed while searches run: every search and lookup answers, the same;
//! 2. a follower killed, a large source ingested while it is down, the node restarted: no
//!    answer ever comes from it before it holds the new generation whole (a node that says
//!    `/health` ok before it has caught up would answer with fewer offers);
//! 3. the leader killed during an ingest: the import retries on the other nodes and commits,
//!    every offer once;
//! 4. the whole cluster down: clear 503s with a JSON message; back up, the same server
//!    answers again without a restart, and never from the past while the nodes, restarted
//!    together, replay their logs (they answer reads meanwhile).
//!
//! Runs under `FEEDMILL_KILL_NODES=1 tests/cluster/typesense run --nodes 3 -- cargo test -p
//! feedmill-cli --test integration -- typesense_failover::` (it kills nodes of the cluster it
//! is given, so it runs only when told to); otherwise it says it was skipped.

use crate::support::feedmill;
use crate::typesense_cli::{
    Server, feedmill_in, fresh_collection, ingest_demo_feeds, typesense_config, typesense_env,
};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// Offers of the large source: enough that a node needs a moment to take them in.
const BULK_OFFERS: u64 = 5_000;

fn cluster(args: &[&str]) -> String {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/cluster/typesense");
    let output = std::process::Command::new(script)
        .args(args)
        .output()
        .expect("run tests/cluster/typesense");
    assert!(
        output.status.success(),
        "tests/cluster/typesense {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).trim().to_string()
}

fn total(server: &Server, path: &str) -> (u16, Option<u64>) {
    let (status, answer) = server.get(path);
    (status, answer["total"].as_u64())
}

/// Runs `check` on many searches in a row until `stop`; every failure it returns, in order.
fn hammer(
    server: Arc<Server>,
    stop: Arc<AtomicBool>,
    check: impl Fn(&Server) -> Option<String> + Send + 'static,
) -> std::thread::JoinHandle<(u64, Vec<String>)> {
    std::thread::spawn(move || {
        let (mut num_checked, mut failures) = (0, Vec::new());
        while !stop.load(Ordering::SeqCst) {
            num_checked += 1;
            if let Some(failure) = check(&server) {
                failures.push(failure);
            }
        }
        (num_checked, failures)
    })
}

/// The same total for `path`, and the offer answering 200 with its id.
fn steady_search(expected: u64) -> impl Fn(&Server) -> Option<String> + Send + 'static {
    move |server| {
        let (status, found) = total(server, "/search?q=headphones&per_page=5");
        if status != 200 || found != Some(expected) {
            return Some(format!("search: {status} {found:?}"));
        }
        let (status, offer) = server.get("/offers/techstore%3ATS-p070");
        (status != 200 || offer["id"] != "techstore:TS-p070")
            .then(|| format!("offer: {status} {offer}"))
    }
}

fn gen_feed(dir: &Path, name: &str, seed: &str) -> PathBuf {
    let path = dir.join(name);
    let output = feedmill()
        .args([
            "gen",
            "--format",
            "google-xml",
            "--bad-share",
            "0",
            "--seed",
            seed,
        ])
        .args(["--offers", &BULK_OFFERS.to_string(), "--out"])
        .arg(&path)
        .output()
        .expect("run feedmill gen");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    path
}

fn ingest(dir: &Path, config: &Path, source: &str, feed: &Path) -> std::process::Child {
    let ingest = [
        "ingest",
        "--no-match",
        "--no-history",
        "--no-alerts",
        "--force",
    ];
    feedmill_in(dir, config, &ingest)
        .args(["--source", source])
        .arg(feed)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn feedmill ingest")
}

fn finished(child: std::process::Child) -> String {
    let output = child.wait_with_output().expect("wait for feedmill ingest");
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert!(output.status.success(), "ingest failed: {stderr}");
    stderr
}

fn wait_until(what: &str, within: Duration, done: impl FnMut() -> bool) {
    assert!(wait_for(within, done), "no {what} within {within:?}");
}

/// True once `done` is, false when `within` passed first.
fn wait_for(within: Duration, mut done: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + within;
    while !done() {
        if Instant::now() >= deadline {
            return false;
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    true
}

/// What `tests/cluster/typesense status` says of each node, for a failure's message.
fn cluster_status() -> String {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/cluster/typesense");
    std::process::Command::new(script)
        .arg("status")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).replace('\n', "; "))
        .unwrap_or_else(|err| err.to_string())
}

fn all_healthy() -> bool {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/cluster/typesense");
    std::process::Command::new(script)
        .arg("status")
        .output()
        .is_ok_and(|o| o.status.success())
}

#[test]
fn searches_and_ingests_survive_node_failures_on_a_three_node_cluster() {
    let on_cluster = typesense_env().filter(|(nodes, _)| nodes.len() == 3);
    let (Some((nodes, _)), Ok("1")) = (on_cluster, std::env::var("FEEDMILL_KILL_NODES").as_deref())
    else {
        eprintln!(
            "skipped: needs a 3-node cluster it may kill nodes of (FEEDMILL_KILL_NODES=1 \
             tests/cluster/typesense run --nodes 3 -- cargo test -p feedmill-cli --test \
             integration -- typesense_failover::)"
        );
        return;
    };
    let dir = tempfile::tempdir().expect("tempdir");
    let config = typesense_config(dir.path(), &nodes, &fresh_collection("failover"));
    ingest_demo_feeds(dir.path(), &config);
    let server = Arc::new(Server::start(dir.path(), &config));
    let (status, headphones) = total(&server, "/search?q=headphones&per_page=5");
    assert_eq!(status, 200);
    let headphones = headphones.expect("a total");

    // 1. The leader killed while searches run.
    let phase = Instant::now();
    let stop = Arc::new(AtomicBool::new(false));
    let searches = hammer(server.clone(), stop.clone(), steady_search(headphones));
    std::thread::sleep(Duration::from_secs(1));
    let leader = cluster(&["kill", "leader"]);
    std::thread::sleep(Duration::from_secs(5));
    stop.store(true, Ordering::SeqCst);
    let (num_checked, failures) = searches.join().expect("the search thread");
    assert!(
        failures.is_empty(),
        "{} of {num_checked} failed: {failures:?}",
        failures.len()
    );
    cluster(&["restart", &leader]);
    wait_until("every node healthy", Duration::from_secs(60), all_healthy);
    eprintln!(
        "1. leader {leader} killed: {num_checked} searches and lookups, all answered ({:.1} s)",
        phase.elapsed().as_secs_f64()
    );

    // 2. A follower down while a large source is ingested, then restarted.
    let phase = Instant::now();
    let bulk = gen_feed(dir.path(), "bulk.xml", "7");
    let leader = cluster(&["leader"]);
    let follower = ["0", "1", "2"]
        .into_iter()
        .find(|n| *n != leader)
        .unwrap_or("0");
    cluster(&["kill", follower]);
    finished(ingest(dir.path(), &config, "bulk", &bulk));
    let bulk_path = "/search?source=bulk&per_page=1";
    assert_eq!(total(&server, bulk_path), (200, Some(BULK_OFFERS)));
    // Three at once, so that a node read before it has caught up is read often.
    let stop = Arc::new(AtomicBool::new(false));
    let bulk_searches: Vec<_> = (0..3)
        .map(|_| {
            hammer(server.clone(), stop.clone(), |server| {
                let (status, found) = total(server, "/search?source=bulk&per_page=1");
                (status != 200 || found != Some(BULK_OFFERS)).then(|| format!("{status} {found:?}"))
            })
        })
        .collect();
    cluster(&["restart", follower]);
    wait_until("every node healthy", Duration::from_secs(60), all_healthy);
    std::thread::sleep(Duration::from_secs(3));
    stop.store(true, Ordering::SeqCst);
    let (mut num_checked, mut failures) = (0, Vec::new());
    for searches in bulk_searches {
        let (checked, failed) = searches.join().expect("a search thread");
        num_checked += checked;
        failures.extend(failed);
    }
    assert!(
        failures.is_empty(),
        "{} of {num_checked} stale: {failures:?}",
        failures.len()
    );
    eprintln!(
        "2. node {follower} restarted behind: {num_checked} searches, none from it early ({:.1} s)",
        phase.elapsed().as_secs_f64()
    );

    // 3. The leader killed during an ingest.
    let phase = Instant::now();
    let changed = gen_feed(dir.path(), "bulk-2.xml", "8");
    let mut running = ingest(dir.path(), &config, "bulk", &changed);
    std::thread::sleep(Duration::from_millis(1500));
    let still_running = matches!(running.try_wait(), Ok(None));
    assert!(
        still_running,
        "the ingest still runs when its leader is killed"
    );
    let leader = cluster(&["kill", "leader"]);
    let report = finished(running);
    assert!(
        report.contains(&format!("{BULK_OFFERS} offers (was {BULK_OFFERS})")),
        "{report}"
    );
    assert_eq!(
        total(&server, bulk_path),
        (200, Some(BULK_OFFERS)),
        "none lost or doubled"
    );
    cluster(&["restart", &leader]);
    wait_until("every node healthy", Duration::from_secs(60), all_healthy);
    eprintln!(
        "3. leader {leader} killed during an ingest: committed, {BULK_OFFERS} offers ({:.1} s)",
        phase.elapsed().as_secs_f64()
    );

    // 4. The whole cluster down, then back.
    let phase = Instant::now();
    let query = "/search?q=headphones&per_page=5";
    let (status, before) = server.get(query);
    assert_eq!(status, 200, "{before}");
    let headphones_now = before["total"].as_u64().expect("a total");
    assert!(
        headphones_now > headphones,
        "the bulk source has headphones too"
    );
    cluster(&["kill", "all"]);
    for path in [
        "/search?q=headphones",
        "/offers/techstore%3ATS-p070",
        "/suggest?q=br",
    ] {
        let (status, answer) = server.get(path);
        assert_eq!(status, 503, "{path}: {answer}");
        assert_eq!(
            answer["error"]["code"], "search_unavailable",
            "{path}: {answer}"
        );
        let message = answer["error"]["message"].as_str().unwrap_or_default();
        assert!(message.contains("try again"), "{path}: {answer}");
    }
    cluster(&["restart", "all"]);
    // Nodes restarted together replay their logs and, meanwhile, would answer from the past:
    // until the answer is today's again, every answer is a 503, never another total.
    let (mut last_answer, mut past_answers) = (String::new(), Vec::new());
    let answered = wait_for(Duration::from_secs(180), || {
        let (status, answer) = server.get(query);
        last_answer = format!("{status} {answer}");
        let today = status == 200 && answer["items"] == before["items"];
        if status != 503 && !today {
            past_answers.push(last_answer.clone());
        }
        today && answer["total"].as_u64() == Some(headphones_now)
    });
    assert!(
        answered,
        "no searches answered again within 180 s; the last answer: {last_answer}; nodes: {}",
        cluster_status()
    );
    assert!(
        past_answers.is_empty(),
        "{} answers from the past while the nodes caught up, the first: {}",
        past_answers.len(),
        past_answers[0]
    );
    let (status, bulk_answer) = server.get(bulk_path);
    assert_eq!(
        (status, bulk_answer["total"].as_u64()),
        (200, Some(BULK_OFFERS)),
        "the bulk source after the restart: {bulk_answer}; nodes: {}",
        cluster_status()
    );
    eprintln!(
        "4. whole cluster down: 503s; back up: answered again without a restart, never from \
         the past ({:.1} s)",
        phase.elapsed().as_secs_f64()
    );
    let server = Arc::into_inner(server).map(Server::interrupt);
    assert_eq!(server, Some(Some(0)));
}
