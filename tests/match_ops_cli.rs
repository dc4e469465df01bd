//! Product matching inside `feedmill ingest`, and the operator's `feedmill match review | pins
//! | pin | unpin` on the store it writes: two shops' offers meet in one product, a pin takes
//! effect at the next ingest of an unchanged feed, and mistakes are errors that say why.

use crate::support::{run, stderr};
use serde_json::Value;
use std::path::PathBuf;

const HEADER: &str = "id,title,brand,mpn,gtin,price,currency,link\n";
const SHOP_A: &str = "\
a1,WD Red Plus 2TB NAS hard drive WD20EFRX,Western Digital,WD20EFRX,4006381333931,899.00,SEK,https://a.example/1
a2,Sony WH-1000XM4 wireless noise cancelling headphones black,Sony,,,2990.00,SEK,https://a.example/2
";
const SHOP_B: &str = "\
b1,Western Digital Red Plus 2 TB,Western Digital,,04006381333931,879.00,SEK,https://b.example/1
b2,WD Red Plus NAS 2TB 3.5 inch,Western Digital,WD20EFRX,,869.00,SEK,https://b.example/2
";

struct Shop {
    _dir: tempfile::TempDir,
    dir: PathBuf,
}

impl Shop {
    fn new() -> Shop {
        let dir = tempfile::tempdir().unwrap_or_else(|err| panic!("tempdir: {err}"));
        let path = dir.path().to_path_buf();
        Shop {
            _dir: dir,
            dir: path,
        }
    }

    fn index(&self) -> String {
        self.dir.join("index").display().to_string()
    }

    fn ingest(&self, source: &str, rows: &str) -> std::process::Output {
        self.ingest_with(source, rows, &[])
    }

    fn ingest_with(&self, source: &str, rows: &str, extra: &[&str]) -> std::process::Output {
        let feed = self.dir.join(format!("{source}.csv"));
        std::fs::write(&feed, format!("{HEADER}{rows}")).unwrap_or_else(|err| panic!("{err}"));
        let feed = feed.display().to_string();
        let index = self.index();
        let mut args = vec![
            "ingest", "--index", &index, "--source", source, "--format", "csv",
        ];
        args.extend_from_slice(extra);
        args.push(&feed);
        let output = run(&args);
        assert!(output.status.success(), "{}", stderr(&output));
        output
    }

    fn matching(&self, args: &[&str]) -> std::process::Output {
        let index = self.index();
        let mut all = vec!["match"];
        all.extend_from_slice(args);
        all.extend_from_slice(&["--index", &index]);
        run(&all)
    }

    /// Offer id → its JSON, from `feedmill search --json`.
    fn offer(&self, id: &str) -> Value {
        let index = self.index();
        let output = run(&["search", "--index", &index, "--json", "--per-page", "50"]);
        assert!(output.status.success(), "{}", stderr(&output));
        let answer: Value = serde_json::from_slice(&output.stdout).unwrap_or_default();
        let items = answer["items"].as_array().cloned().unwrap_or_default();
        items
            .into_iter()
            .find(|item| item["id"] == id)
            .unwrap_or_else(|| panic!("{id} not found"))
    }
}

fn json(output: &std::process::Output) -> Value {
    assert!(output.status.success(), "{}", stderr(output));
    serde_json::from_slice(&output.stdout).unwrap_or_else(|err| panic!("not json: {err}"))
}

#[test]
fn ingest_matches_two_shops_and_a_pin_holds_on_an_unchanged_feed() {
    let shop = Shop::new();
    shop.ingest("shopa", SHOP_A);
    shop.ingest("shopb", SHOP_B);
    let drive = shop.offer("shopa:a1")["product_id"].clone();
    assert!(drive.is_string());
    assert_eq!(shop.offer("shopb:b1")["product_id"], drive);
    assert_eq!(shop.offer("shopb:b1")["match"]["method"], "gtin");
    assert_eq!(shop.offer("shopb:b2")["product_id"], drive);
    assert_eq!(shop.offer("shopb:b2")["match"]["method"], "model");

    let pinned = shop.matching(&["pin", "shopb:b2", "--split", "--json"]);
    assert_eq!(json(&pinned)["split"], true);
    let pins = json(&shop.matching(&["pins", "--json"]));
    assert_eq!(pins[0]["offer_id"], "shopb:b2");
    assert_eq!(pins[0]["source"], "shopb");
    // The feed is unchanged, but the pin waits: the ingest runs and applies it.
    let again = shop.ingest("shopb", SHOP_B);
    assert!(!stderr(&again).contains("skipped"), "{}", stderr(&again));
    let split = shop.offer("shopb:b2");
    assert_eq!(split["match"]["pinned"], true);
    assert_ne!(split["product_id"], drive);
    let once_more = shop.ingest("shopb", SHOP_B);
    assert!(
        stderr(&once_more).contains("skipped"),
        "{}",
        stderr(&once_more)
    );

    let unpinned = shop.matching(&["unpin", "shopb:b2"]);
    assert!(unpinned.status.success(), "{}", stderr(&unpinned));
    shop.ingest("shopb", SHOP_B);
    assert_eq!(shop.offer("shopb:b2")["product_id"], drive);
    assert_eq!(
        json(&shop.matching(&["review", "--json"])),
        Value::Array(vec![])
    );
}

#[test]
fn pin_mistakes_are_errors_that_say_why() {
    let shop = Shop::new();
    shop.ingest("shopa", SHOP_A);
    let cases: [(&[&str], &str); 4] = [
        (&["pin", "shopa:none", "--split"], "no offer"),
        (&["pin", "shopa:a1", "--product", "P12"], "no product id"),
        (
            &["pin", "shopa:a1", "--product", "pffffffffffff"],
            "no offer has product id",
        ),
        (&["unpin", "shopa:a1"], "has no pin"),
    ];
    for (args, says) in cases {
        let output = shop.matching(args);
        assert!(!output.status.success(), "{args:?} succeeded");
        assert!(
            stderr(&output).contains(says),
            "{args:?}: {}",
            stderr(&output)
        );
    }
    let neither = shop.matching(&["pin", "shopa:a1"]);
    assert!(!neither.status.success());
    assert!(
        json(&shop.matching(&["pins", "--json"]))
            .as_array()
            .is_some_and(Vec::is_empty)
    );
}

#[test]
fn no_match_indexes_offers_without_products() {
    let shop = Shop::new();
    let output = shop.ingest_with("shopa", SHOP_A, &["--no-match"]);
    assert!(
        !stderr(&output).contains("products:"),
        "{}",
        stderr(&output)
    );
    let offer = shop.offer("shopa:a1");
    assert!(offer.get("product_id").is_none(), "{offer}");
    assert!(offer.get("match").is_none(), "{offer}");
}
