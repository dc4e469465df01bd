//! Junk thrown at the whole pipeline of every format: it may be rejected, it must never panic.

use feedmill_formats::FeedFormat;
use feedmill_formats::driver::{FeedOptions, run_feed};
use feedmill_formats::input::open_reader;
use proptest::prelude::*;

fn run_junk(bytes: Vec<u8>, format: Option<FeedFormat>) {
    let Ok(input) = open_reader(Box::new(std::io::Cursor::new(bytes))) else {
        return;
    };
    let options = FeedOptions {
        source: "junk".into(),
        format,
        ..FeedOptions::default()
    };
    let _ = run_feed(input, &options, |_| Ok(()));
}

fn format_choice() -> impl Strategy<Value = Option<FeedFormat>> {
    prop_oneof![
        Just(None),
        proptest::sample::select(FeedFormat::ALL.to_vec()).prop_map(Some)
    ]
}

/// Feed-shaped prefixes so junk reaches past detection into every reader.
const PREFIXES: &[&str] = &[
    "<?xml version=\"1.0\"?><productFeed><product><Name>",
    "<rss xmlns:g=\"http://base.google.com/ns/1.0\"><channel><item><g:price>",
    "{\"status\":{\"code\":0},\"data\":{\"list\":[{\"name\":",
    "[{\"productName\":",
    "aw_deep_link,product_name,search_price\nhttps://x.example/a,",
    "id\ttitle\tlink\tprice\n1\t",
];

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512), format in format_choice()) {
        run_junk(bytes, format);
    }

    #[test]
    fn feed_shaped_junk_never_panics(prefix in proptest::sample::select(PREFIXES), tail in "\\PC{0,200}", format in format_choice()) {
        run_junk(format!("{prefix}{tail}").into_bytes(), format);
    }
}
