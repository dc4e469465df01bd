//! `feedmill normalize` as a user runs it: exit codes, stdout, rejects, stderr report.

use crate::support::{feedmill, fixture, last_stderr_line, run, stderr, stdout_lines};
use std::io::Write;
use std::process::Stdio;

fn path(name: &str) -> String {
    fixture(name).display().to_string()
}

#[test]
fn writes_one_offer_per_line_and_a_closing_stats_line() {
    let output = run(&["normalize", &path("adtraction.xml")]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let offers = stdout_lines(&output);
    assert_eq!(offers.len(), 3);
    assert_eq!(offers[0]["source"], "adtraction");
    assert_eq!(offers[0]["network"], "adtraction");
    assert_eq!(last_stderr_line(&output), "read 3, kept 3, rejected 0");
    assert!(stderr(&output).contains("format: adtraction-xml (auto:"));
}

#[test]
fn formats_are_named_or_auto_and_an_unknown_one_is_a_usage_error() {
    let named = run(&[
        "normalize",
        "--format",
        "adtraction-xml",
        &path("adtraction.xml"),
    ]);
    assert_eq!(named.status.code(), Some(0), "{}", stderr(&named));
    assert!(stderr(&named).contains("format: adtraction-xml"));
    assert!(!stderr(&named).contains("(auto:"));
    let unknown = run(&["normalize", "--format", "yaml", &path("adtraction.xml")]);
    assert_eq!(unknown.status.code(), Some(2));
    assert!(
        stderr(&unknown).contains("unknown format \"yaml\"; expected auto or one of"),
        "{}",
        stderr(&unknown)
    );
}

#[test]
fn rejects_go_to_the_rejects_file_with_position_field_and_reason() {
    let dir = tempfile::tempdir().expect("tempdir");
    let rejects = dir.path().join("rejects.ndjson");
    let output = run(&[
        "normalize",
        "--rejects",
        &rejects.display().to_string(),
        &path("awin.csv"),
    ]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let lines: Vec<serde_json::Value> = std::fs::read_to_string(&rejects)
        .expect("rejects file")
        .lines()
        .map(|l| serde_json::from_str(l).expect("json"))
        .collect();
    assert_eq!(lines.len(), 1);
    assert_eq!(lines[0]["field"], "price");
    assert_eq!(lines[0]["reason"], "missing_price");
    assert!(lines[0]["record"].as_u64().is_some_and(|n| n >= 1));
    assert!(!lines[0]["excerpt"].as_str().unwrap_or_default().is_empty());
    let last = last_stderr_line(&output);
    assert!(
        last.starts_with("read 4, kept 3, rejected 1 (missing_price 1)"),
        "{last}"
    );
}

#[test]
fn keeps_input_order() {
    let output = run(&["normalize", &path("google-rss.xml")]);
    let skus: Vec<String> = stdout_lines(&output)
        .iter()
        .map(|o| o["sku"].as_str().unwrap_or_default().to_string())
        .collect();
    let mut sorted_by_position = skus.clone();
    sorted_by_position.sort_by_key(|sku| {
        let text = std::fs::read_to_string(fixture("google-rss.xml")).unwrap_or_default();
        text.find(&format!(">{sku}<")).unwrap_or(usize::MAX)
    });
    assert_eq!(skus, sorted_by_position);
}

#[test]
fn reads_stdin_when_the_path_is_a_dash() {
    let mut child = feedmill()
        .args(["normalize", "--source", "piped", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let feed = std::fs::read(fixture("partnerboost.json")).expect("fixture");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(&feed)
        .expect("write");
    let output = child.wait_with_output().expect("wait");
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let offers = stdout_lines(&output);
    assert!(!offers.is_empty());
    assert!(
        offers
            .iter()
            .all(|o| o["source"] == "piped" && o["network"] == "partnerboost")
    );
}

#[test]
fn reads_gzip_and_zip_by_magic_bytes_whatever_the_name() {
    let dir = tempfile::tempdir().expect("tempdir");
    let plain = std::fs::read(fixture("google-rss.xml")).expect("fixture");
    let gz_path = dir.path().join("feed.bin");
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(&plain).expect("gzip");
    std::fs::write(&gz_path, gz.finish().expect("gzip")).expect("write");
    let zip_path = dir.path().join("feed.dat");
    let mut zip = zip::ZipWriter::new(std::fs::File::create(&zip_path).expect("create"));
    zip.start_file("products.xml", zip::write::SimpleFileOptions::default())
        .expect("zip entry");
    zip.write_all(&plain).expect("zip");
    zip.finish().expect("zip");
    let want = stdout_lines(&run(&[
        "normalize",
        "--source",
        "x",
        &path("google-rss.xml"),
    ]));
    for compressed in [&gz_path, &zip_path] {
        let output = run(&[
            "normalize",
            "--source",
            "x",
            &compressed.display().to_string(),
        ]);
        assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
        assert_eq!(stdout_lines(&output), want);
    }
}

#[test]
fn explicit_maps_and_record_names_read_unknown_feeds() {
    let output = run(&[
        "normalize",
        "--format",
        "xml",
        "--record",
        "produkt",
        "--map",
        "title=produktnavn",
        "--map",
        "price=nypris",
        "--currency",
        "DKK",
        &path("partnerads.xml"),
    ]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let offers = stdout_lines(&output);
    assert_eq!(offers[0]["currency"], "DKK");
    assert_eq!(offers[0]["network"], "generic");
    assert!(offers[0]["title"].as_str().is_some_and(|t| !t.is_empty()));
}

#[test]
fn inputs_that_are_no_feed_exit_1_with_one_line_saying_why() {
    let dir = tempfile::tempdir().expect("tempdir");
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        ("empty", Vec::new(), "empty"),
        (
            "html",
            b"<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head></html>".to_vec(),
            "HTML",
        ),
        (
            "junk",
            vec![0u8, 159, 146, 150, 0, 1, 2, 3, 255, 0, 7],
            "binary",
        ),
        ("truncated", truncated_gzip(), "truncated"),
    ];
    for (name, bytes, needle) in cases {
        let file = dir.path().join(name);
        std::fs::write(&file, bytes).expect("write");
        let output = run(&["normalize", &file.display().to_string()]);
        assert_eq!(output.status.code(), Some(1), "{name}: {}", stderr(&output));
        assert!(output.stdout.is_empty() || name == "truncated", "{name}");
        let text = stderr(&output);
        assert_eq!(text.lines().count(), 1, "{name}: {text}");
        assert!(text.contains(needle), "{name}: {text}");
        assert!(!text.contains("panicked"), "{name}: {text}");
    }
}

fn truncated_gzip() -> Vec<u8> {
    let feed = std::fs::read(fixture("google-rss.xml")).unwrap_or_default();
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    let _ = gz.write_all(&feed.repeat(20));
    let bytes = gz.finish().unwrap_or_default();
    bytes[..bytes.len() / 2].to_vec()
}

#[test]
fn usage_errors_exit_2() {
    let feed = path("adtraction.xml");
    for args in [
        vec!["normalize", "--format", "rss", feed.as_str()],
        vec!["normalize", "--currency", "EURO", feed.as_str()],
        vec!["normalize", "--map", "titel=Name", feed.as_str()],
        vec!["normalize", "--no-such-flag", feed.as_str()],
        vec!["normalize"],
    ] {
        let output = run(&args);
        assert_eq!(
            output.status.code(),
            Some(2),
            "{args:?}: {}",
            stderr(&output)
        );
    }
}

#[test]
fn a_missing_file_exits_1() {
    let output = run(&["normalize", "/no/such/feed.xml"]);
    assert_eq!(output.status.code(), Some(1));
    assert!(stderr(&output).contains("/no/such/feed.xml"));
}

#[test]
fn a_feed_whose_every_record_is_rejected_exits_1_but_writes_its_rejects() {
    let dir = tempfile::tempdir().expect("tempdir");
    let rejects = dir.path().join("rejects.ndjson");
    let output = run(&[
        "normalize",
        "--currency",
        "EUR",
        "--map",
        "price=Price tax excluded",
        "--rejects",
        &rejects.display().to_string(),
        &path("prestashop-semicolon.csv"),
    ]);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    assert!(output.stdout.is_empty());
    let rejected = std::fs::read_to_string(&rejects)
        .expect("rejects")
        .lines()
        .count();
    assert_eq!(rejected, 3);
    assert!(
        stderr(&output).contains("missing_url"),
        "{}",
        stderr(&output)
    );
}
