//! The tantivy schema of an offer, its two analyzers and the field handles the other modules use.
//!
//! The whole [`Offer`](feedmill_model::Offer) is kept as JSON in one stored field (`offer`), so a
//! search returns exactly what was ingested, exact price strings included. Every other field is
//! there to find, filter, sort, count or group offers and is not stored.

use tantivy::schema::{DateOptions, DateTimePrecision};
use tantivy::schema::{
    FAST, FacetOptions, Field, INDEXED, IndexRecordOption, NumericOptions, STORED, STRING, Schema,
    TextFieldIndexing, TextOptions,
};
use tantivy::tokenizer::{
    AsciiFoldingFilter, LowerCaser, RawTokenizer, RemoveLongFilter, SimpleTokenizer, TextAnalyzer,
    TokenizerManager,
};

/// Words: split on anything not a letter or digit, lower-cased, folded to ASCII (`Grön` → `gron`),
/// so a shopper finds `grön` typing `gron` and the other way round.
pub(crate) const TEXT_ANALYZER: &str = "feedmill_text";
/// Whole values (brand, merchant) lower-cased and folded, so filters ignore case and accents.
pub(crate) const KEYWORD_ANALYZER: &str = "feedmill_keyword";
/// Longest word indexed; longer "words" are URLs or garbage and would bloat the dictionary.
const MAX_WORD_BYTES: usize = 40;

pub(crate) const OFFER: &str = "offer";
pub(crate) const ID: &str = "id";
pub(crate) const SOURCE: &str = "source";
pub(crate) const NETWORK: &str = "network";
pub(crate) const MERCHANT: &str = "merchant";
pub(crate) const BRAND: &str = "brand";
pub(crate) const BRAND_TEXT: &str = "brand_text";
pub(crate) const CATEGORY: &str = "category";
pub(crate) const CATEGORY_TEXT: &str = "category_text";
pub(crate) const TITLE: &str = "title";
pub(crate) const DESCRIPTION: &str = "description";
pub(crate) const MATCH_TEXT: &str = "match_text";
pub(crate) const CURRENCY: &str = "currency";
pub(crate) const IN_STOCK: &str = "in_stock";
pub(crate) const GTIN14: &str = "gtin14";
pub(crate) const GTIN_KEY: &str = "gtin_key";
pub(crate) const PRODUCT_KEY: &str = "product_key";
pub(crate) const PRICE_MINOR: &str = "price_minor";
pub(crate) const TOTAL_MINOR: &str = "total_minor";
pub(crate) const DISCOUNT: &str = "discount";
pub(crate) const UPDATED_AT: &str = "updated_at";
pub(crate) const PRICE_FACTS: &str = "price_facts";
pub(crate) const PRICE_DROP: &str = "price_drop";
pub(crate) const PRICE_CHANGED_AT: &str = "price_changed_at";
pub(crate) const LOWEST_SINCE: &str = "lowest_since";

/// Handles of every field, resolved once when the index opens.
#[derive(Debug, Clone)]
pub(crate) struct OfferSchema {
    pub schema: Schema,
    pub offer: Field,
    pub id: Field,
    pub source: Field,
    pub network: Field,
    pub merchant: Field,
    pub brand: Field,
    pub brand_text: Field,
    pub category: Field,
    pub category_text: Field,
    pub title: Field,
    pub description: Field,
    /// Title, brand and category words in one field, for typo and prefix matching: one
    /// automaton per query word instead of one per field.
    pub match_text: Field,
    pub currency: Field,
    pub in_stock: Field,
    pub gtin14: Field,
    pub gtin_key: Field,
    /// The matched product's id as a number: what `group_by=product` groups by and
    /// `/products/{id}` looks up.
    pub product_key: Field,
    pub price_minor: Field,
    pub total_minor: Field,
    pub discount: Field,
    pub updated_at: Field,
    /// The offer's honest numbers as JSON (`PriceFacts`), stored beside the offer when price
    /// history is kept.
    pub price_facts: Field,
    /// Percent below the previous price, when the last change was a drop.
    pub price_drop: Field,
    pub price_changed_at: Field,
    pub lowest_since: Field,
}

impl OfferSchema {
    pub fn build() -> OfferSchema {
        let mut builder = Schema::builder();
        let number = || NumericOptions::default().set_fast();
        let offer = builder.add_text_field(OFFER, STORED);
        let id = builder.add_text_field(ID, STRING);
        let source = builder.add_text_field(SOURCE, STRING);
        let network = builder.add_text_field(NETWORK, STRING | FAST);
        let merchant = builder.add_text_field(MERCHANT, keyword_with_raw_column());
        let brand = builder.add_text_field(BRAND, keyword_with_raw_column());
        let brand_text = builder.add_text_field(BRAND_TEXT, words());
        let category = builder.add_facet_field(CATEGORY, FacetOptions::default());
        let category_text = builder.add_text_field(CATEGORY_TEXT, words());
        let title = builder.add_text_field(TITLE, words());
        let description = builder.add_text_field(DESCRIPTION, words());
        let match_text = builder.add_text_field(MATCH_TEXT, bare_words());
        let currency = builder.add_text_field(CURRENCY, STRING | FAST);
        let in_stock = builder.add_bool_field(IN_STOCK, INDEXED | FAST);
        let gtin14 = builder.add_text_field(GTIN14, STRING | FAST);
        let gtin_key = builder.add_u64_field(GTIN_KEY, number());
        let product_key = builder.add_u64_field(PRODUCT_KEY, number().set_indexed());
        let price_minor = builder.add_i64_field(PRICE_MINOR, number());
        let total_minor = builder.add_i64_field(TOTAL_MINOR, number());
        let discount = builder.add_f64_field(DISCOUNT, number());
        let date = DateOptions::default()
            .set_fast()
            .set_precision(DateTimePrecision::Seconds);
        let updated_at = builder.add_date_field(UPDATED_AT, date.clone());
        let price_facts = builder.add_text_field(PRICE_FACTS, STORED);
        let price_drop = builder.add_f64_field(PRICE_DROP, number());
        let price_changed_at = builder.add_date_field(PRICE_CHANGED_AT, date.clone());
        let lowest_since = builder.add_date_field(LOWEST_SINCE, date);
        OfferSchema {
            schema: builder.build(),
            offer,
            id,
            source,
            network,
            merchant,
            brand,
            brand_text,
            category,
            category_text,
            title,
            description,
            match_text,
            currency,
            in_stock,
            gtin14,
            gtin_key,
            product_key,
            price_minor,
            total_minor,
            discount,
            updated_at,
            price_facts,
            price_drop,
            price_changed_at,
            lowest_since,
        }
    }
}

/// Searchable words with term frequencies for BM25; no positions, as no query needs phrases.
fn words() -> TextOptions {
    let indexing = TextFieldIndexing::default()
        .set_tokenizer(TEXT_ANALYZER)
        .set_index_option(IndexRecordOption::WithFreqs);
    TextOptions::default().set_indexing_options(indexing)
}

/// Words that only need to match: typo and prefix matches score a constant, no frequencies.
fn bare_words() -> TextOptions {
    let indexing = TextFieldIndexing::default()
        .set_tokenizer(TEXT_ANALYZER)
        .set_index_option(IndexRecordOption::Basic)
        .set_fieldnorms(false);
    TextOptions::default().set_indexing_options(indexing)
}

/// Indexed folded for case-insensitive filters; the fast column keeps the value as written,
/// which is what facet counts show.
fn keyword_with_raw_column() -> TextOptions {
    let indexing = TextFieldIndexing::default()
        .set_tokenizer(KEYWORD_ANALYZER)
        .set_index_option(IndexRecordOption::Basic)
        .set_fieldnorms(false);
    TextOptions::default()
        .set_indexing_options(indexing)
        .set_fast("raw")
}

/// The tokenizers the schema names, on top of tantivy's defaults.
pub(crate) fn tokenizer_manager() -> TokenizerManager {
    let manager = TokenizerManager::default();
    manager.register(TEXT_ANALYZER, text_analyzer());
    manager.register(
        KEYWORD_ANALYZER,
        TextAnalyzer::builder(RawTokenizer::default())
            .filter(LowerCaser)
            .filter(AsciiFoldingFilter)
            .build(),
    );
    manager
}

pub(crate) fn text_analyzer() -> TextAnalyzer {
    TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(MAX_WORD_BYTES))
        .filter(LowerCaser)
        .filter(AsciiFoldingFilter)
        .build()
}

/// The words of `text` as the index holds them.
pub(crate) fn analyze_words(text: &str) -> Vec<String> {
    let mut analyzer = text_analyzer();
    let mut stream = analyzer.token_stream(text);
    let mut words = Vec::new();
    while let Some(token) = stream.next() {
        words.push(token.text.clone());
    }
    words
}

/// A whole value (brand, merchant) as the index holds it: trimmed, lower-cased, folded.
pub(crate) fn normalize_keyword(value: &str) -> String {
    let mut folded = String::new();
    let mut analyzer = TextAnalyzer::builder(RawTokenizer::default())
        .filter(LowerCaser)
        .filter(AsciiFoldingFilter)
        .build();
    let mut stream = analyzer.token_stream(value.trim());
    while let Some(token) = stream.next() {
        folded.push_str(&token.text);
    }
    folded
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_diacritics_and_case() {
        assert_eq!(analyze_words("Grön Hoodie, XL"), ["gron", "hoodie", "xl"]);
        assert_eq!(analyze_words("GRON"), ["gron"]);
        assert_eq!(normalize_keyword("  Björn Borg "), "bjorn borg");
    }

    #[test]
    fn drops_overlong_words() {
        let long = "x".repeat(MAX_WORD_BYTES + 1);
        assert_eq!(analyze_words(&format!("a {long} b")), ["a", "b"]);
    }
}
