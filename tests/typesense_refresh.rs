//! `feedmill refresh` on the Typesense backend: one source that fails leaves its offers as they
//! were and the others are refreshed all the same, as on tantivy (per-source error isolation).
//!
//! Runs for real under `tests/cluster/typesense run -- cargo test -p feedmill-cli --test
//! integration -- typesense_refresh::`; without `TYPESENSE_NODES` it says it was skipped.

use crate::typesense_cli::{Server, feedmill_in, fresh_collection, typesense_env};
use std::path::Path;
use std::process::Output;

/// The failing source comes first: a run that stopped at it would not refresh the other.
fn write_config(dir: &Path, nodes: &[String], collection: &str) {
    let nodes: Vec<String> = nodes.iter().map(|n| format!("{n:?}")).collect();
    let text = format!(
        "[search]\nbackend = \"typesense\"\nnodes = [{}]\ncollection = {collection:?}\n\n\
         [[source]]\nname = \"nordicsport\"\nnetwork = \"file\"\npath = \"nordicsport.xml\"\n\
         format = \"adtraction-xml\"\n\n\
         [[source]]\nname = \"techstore\"\nnetwork = \"file\"\npath = \"techstore.xml\"\n",
        nodes.join(", ")
    );
    std::fs::write(dir.join("feedmill.toml"), text).expect("write the sources file");
}

fn refresh(dir: &Path) -> Output {
    let refresh = ["refresh", "--no-match", "--no-history", "--no-alerts"];
    feedmill_in(dir, &dir.join("feedmill.toml"), &refresh)
        .output()
        .expect("run feedmill refresh")
}

fn total(server: &Server, path: &str) -> Option<u64> {
    let (status, answer) = server.get(path);
    assert_eq!(status, 200, "{path}: {answer}");
    answer["total"].as_u64()
}

#[test]
fn a_failing_source_keeps_its_offers_and_the_others_are_refreshed() {
    let Some((nodes, _)) = typesense_env() else {
        eprintln!(
            "skipped: needs Typesense (tests/cluster/typesense run -- cargo test -p \
             feedmill-cli --test integration -- typesense_refresh::)"
        );
        return;
    };
    let dir = tempfile::tempdir().expect("tempdir");
    let demo = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../feeds/demo");
    let techstore = std::fs::read_to_string(demo.join("google-techstore.xml")).expect("demo");
    std::fs::write(dir.path().join("techstore.xml"), &techstore).expect("write a feed");
    std::fs::copy(
        demo.join("adtraction-nordicsport.xml"),
        dir.path().join("nordicsport.xml"),
    )
    .expect("copy a feed");
    write_config(dir.path(), &nodes, &fresh_collection("refresh"));
    let first = refresh(dir.path());
    assert!(
        first.status.success(),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );

    // The next downloads: one source's feed is broken, the other's has a product renamed.
    std::fs::write(dir.path().join("nordicsport.xml"), "<rss><channel><item>").expect("break");
    let renamed = techstore.replace(
        "Asics Trail Shoes City Grey",
        "Asics Trail Shoes City Graphite",
    );
    assert_ne!(renamed, techstore);
    std::fs::write(dir.path().join("techstore.xml"), renamed).expect("rename");
    let second = refresh(dir.path());
    let stderr = String::from_utf8_lossy(&second.stderr);
    assert!(
        !second.status.success(),
        "a failed source fails the run: {stderr}"
    );
    assert!(
        stderr.contains("nordicsport"),
        "the failure names its source: {stderr}"
    );

    let server = Server::start(dir.path(), &dir.path().join("feedmill.toml"));
    assert_eq!(
        total(&server, "/search?source=nordicsport&per_page=1"),
        Some(45)
    );
    assert_eq!(
        total(&server, "/search?source=techstore&per_page=1"),
        Some(50)
    );
    let (status, renamed) = server.get("/offers/techstore%3ATS-p076");
    assert_eq!(status, 200, "{renamed}");
    assert_eq!(
        renamed["title"], "Asics Trail Shoes City Graphite",
        "techstore refreshed"
    );
    assert_eq!(server.interrupt(), Some(0));
}
