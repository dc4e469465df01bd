//! `feedmill normalize` loses nothing silently: every record array of a JSON document is read,
//! every value dropped is a counted warning, and repeated offer ids are named with their records.

use crate::support::{fixture, last_stderr_line, run, stderr, stdout_lines};
use std::path::Path;

fn path(name: &str) -> String {
    fixture(name).display().to_string()
}

fn write(dir: &Path, name: &str, text: &str) -> String {
    let file = dir.join(name);
    std::fs::write(&file, text).expect("write feed");
    file.display().to_string()
}

#[test]
fn every_variant_of_every_product_is_an_offer_inheriting_the_product() {
    let feed = path("json-variants.json");
    let args = [
        "normalize",
        "--currency",
        "EUR",
        "--record",
        "variants",
        "--map",
        "price=variants/amount",
        &feed,
    ];
    let output = run(&args);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let offers = stdout_lines(&output);
    let prices: Vec<&str> = offers.iter().filter_map(|o| o["price"].as_str()).collect();
    assert_eq!(
        prices,
        ["149.00", "159.00", "169.00", "19.90", "21.90", "50.00"]
    );
    assert_eq!(offers[1]["title"], "Trail Jacket");
    assert_eq!(offers[1]["brand"], "Fjällräven");
    assert_eq!(offers[1]["sku"], "1001-M");
    assert_eq!(
        offers[1]["image_url"],
        "https://shop.example/img/trail-jacket.jpg"
    );
    assert_eq!(
        offers[2]["image_url"],
        "https://shop.example/img/trail-jacket-l.jpg"
    );
    assert_eq!(offers[4]["title"], "Wool Socks");
    assert_eq!(
        offers[5]["title"], "Gift Card",
        "a product without variants is one offer"
    );
    assert!(
        offers[4].get("image_url").is_none(),
        "nothing inherited across products"
    );
    assert_eq!(last_stderr_line(&output), "read 6, kept 6, rejected 0");
    assert!(
        !stderr(&output).contains("duplicate"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn a_variant_path_without_record_keeps_the_first_value_and_warns_for_each_other() {
    let feed = path("json-variants.json");
    let args = [
        "normalize",
        "--currency",
        "EUR",
        "--map",
        "price=variants/amount",
        &feed,
    ];
    let output = run(&args);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let offers = stdout_lines(&output);
    assert_eq!(offers.len(), 2, "the gift card has no variants/amount");
    assert_eq!(offers[0]["price"], "149.00");
    let report = stderr(&output);
    assert!(report.contains("warning: dropped_price x3"), "{report}");
    assert!(report.contains("dropped \"159.00\""), "{report}");
}

#[test]
fn a_google_sale_price_above_the_price_keeps_the_price_and_warns() {
    let dir = tempfile::tempdir().expect("tempdir");
    let feed = write(
        dir.path(),
        "google.csv",
        "id,title,link,price,sale_price\n\
         A1,Lamp,https://shop.example/a1,50.00 EUR,60.00 EUR\n\
         A2,Desk,https://shop.example/a2,80.00 EUR,70.00 EUR\n",
    );
    let output = run(&["normalize", &feed]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert!(
        stderr(&output).contains("format: google-csv"),
        "{}",
        stderr(&output)
    );
    let offers = stdout_lines(&output);
    assert_eq!(offers[0]["price"], "50.00");
    assert!(
        offers[0].get("old_price").is_none(),
        "no discount is claimed"
    );
    assert_eq!(offers[0]["extra"]["sale_price"], "60.00 EUR");
    assert_eq!(offers[1]["price"], "70.00");
    assert_eq!(offers[1]["old_price"], "80.00");
    let report = stderr(&output);
    assert!(
        report.contains("warning: sale_price_above_price x1 (e.g. record 1:"),
        "{report}"
    );
}

const DUPLICATES: &str = "sku,title,url,price\n\
    A,One,https://shop.example/a,1.00\n\
    B,Two,https://shop.example/b,2.00\n\
    A,Three,https://shop.example/a3,3.00\n\
    C,Four,https://shop.example/c,4.00\n\
    A,Five,https://shop.example/a5,5.00\n\
    C,Six,https://shop.example/c6,6.00\n";

#[test]
fn duplicate_offer_ids_are_listed_with_their_records() {
    let dir = tempfile::tempdir().expect("tempdir");
    let feed = write(dir.path(), "dupes.csv", DUPLICATES);
    let output = run(&["normalize", "--source", "shop", "--currency", "EUR", &feed]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_eq!(
        stdout_lines(&output).len(),
        6,
        "normalize writes every offer"
    );
    let report = stderr(&output);
    assert!(
        report.contains("warning: duplicate_ids x3 (2 ids"),
        "{report}"
    );
    assert!(
        report.contains("duplicate id \"shop:A\": records 1, 3, 5"),
        "{report}"
    );
    assert!(
        report.contains("duplicate id \"shop:C\": records 4, 6"),
        "{report}"
    );
    assert_eq!(last_stderr_line(&output), "read 6, kept 6, rejected 0");
}

#[test]
fn the_ingest_report_names_duplicate_ids_too() {
    let dir = tempfile::tempdir().expect("tempdir");
    let feed = write(dir.path(), "dupes.csv", DUPLICATES);
    let index = dir.path().join("index").display().to_string();
    let args = [
        "ingest",
        "--index",
        &index,
        "--source",
        "shop",
        "--currency",
        "EUR",
        &feed,
    ];
    let output = run(&args);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let report = stderr(&output);
    assert!(
        report.contains("duplicate id \"shop:A\": records 1, 3, 5"),
        "{report}"
    );
    assert!(report.contains("3 duplicate ids"), "{report}");
}

#[test]
fn a_google_xml_sale_price_above_the_price_is_kept_aside_with_a_warning() {
    let dir = tempfile::tempdir().expect("tempdir");
    let feed = write(
        dir.path(),
        "google.xml",
        r#"<?xml version="1.0"?>
<rss version="2.0" xmlns:g="http://base.google.com/ns/1.0"><channel>
<item><g:id>L1</g:id><g:title>Lamp</g:title><g:link>https://shop.example/l1</g:link>
<g:price>50.00 EUR</g:price><g:sale_price>60.00 EUR</g:sale_price></item>
</channel></rss>"#,
    );
    let output = run(&["normalize", &feed]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let offers = stdout_lines(&output);
    assert_eq!(offers[0]["price"], "50.00");
    assert_eq!(offers[0]["extra"]["sale_price"], "60.00 EUR");
    assert!(stderr(&output).contains("warning: sale_price_above_price x1"));
}
