//! A [`SearchRequest`] to a tantivy query: forgiving text matching plus exact filters.
//!
//! Every word of the text must match one of title, brand, category or description. A word
//! matches exactly in each field (BM25, the title boosted), and loosely in `match_text` (title,
//! brand and category words together): with one typo when it has five letters or more, and,
//! for the last word, as a prefix (search-as-you-type) with that typo allowance too. A loose
//! match scores a small constant, so exact matches always rank above typos and prefixes. Filters
//! score nothing and only narrow the set.

use crate::error::IndexError;
use crate::offer_document::{category_facet, normalize_gtin14, price_key};
use crate::schema::{OfferSchema, analyze_words, normalize_keyword};
use crate::search_request::SearchRequest;
use feedmill_model::{Currency, Network};
use rust_decimal::Decimal;
use std::ops::Bound;
use tantivy::Term;
use tantivy::query::{
    AllQuery, BooleanQuery, BoostQuery, ConstScoreQuery, FuzzyTermQuery, Occur, Query, RangeQuery,
    TermQuery, TermSetQuery,
};
use tantivy::schema::{Field, IndexRecordOption};

/// The title says what the product is; it outweighs brand, category and description.
const TITLE_BOOST: f32 = 3.0;
/// On top of the field boost for an exact word, so that even a common word (low BM25) matched
/// exactly outscores the constant 1.0 of a typo or prefix match.
const EXACT_BOOST: f32 = 2.0;
/// Shorter words get no typo tolerance: one edit on a 4-letter word matches too much.
const MIN_FUZZY_CHARS: usize = 5;
/// A one-letter prefix expands to a large part of the dictionary for no useful hit.
const MIN_PREFIX_CHARS: usize = 2;
/// Words beyond this are ignored; long queries are pasted titles, and every word costs.
const MAX_QUERY_WORDS: usize = 8;

/// Where the words of a text query are looked for.
struct TextFields {
    /// Fields matched exactly, with their boosts.
    exact: Vec<(Field, f32)>,
    /// The field matched with typos and prefixes.
    loose: Field,
}

/// The query for `request`, validated; [`AllQuery`] when it has neither text nor filters.
pub(crate) fn build_query(
    schema: &OfferSchema,
    request: &SearchRequest,
) -> Result<Box<dyn Query>, IndexError> {
    let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
    if let Some(text) = given(&request.query).and_then(|q| text_query(schema, q)) {
        clauses.push((Occur::Must, text));
    }
    for filter in filters(schema, request)? {
        clauses.push((Occur::Must, Box::new(ConstScoreQuery::new(filter, 0.0))));
    }
    Ok(match clauses.len() {
        0 => Box::new(AllQuery),
        _ => Box::new(BooleanQuery::new(clauses)),
    })
}

/// All words required, each over the text fields; `None` when the text has no words.
pub(crate) fn text_query(schema: &OfferSchema, text: &str) -> Option<Box<dyn Query>> {
    let fields = TextFields {
        exact: vec![
            (schema.title, TITLE_BOOST),
            (schema.brand_text, 1.0),
            (schema.category_text, 1.0),
            (schema.description, 1.0),
        ],
        loose: schema.match_text,
    };
    words_query(&fields, text)
}

/// Words over the title only, for suggestions.
pub(crate) fn title_query(schema: &OfferSchema, text: &str) -> Option<Box<dyn Query>> {
    let fields = TextFields {
        exact: vec![(schema.title, 1.0)],
        loose: schema.title,
    };
    words_query(&fields, text)
}

/// Words over the brand only, for suggestions.
pub(crate) fn brand_query(schema: &OfferSchema, text: &str) -> Option<Box<dyn Query>> {
    let fields = TextFields {
        exact: vec![(schema.brand_text, 1.0)],
        loose: schema.brand_text,
    };
    words_query(&fields, text)
}

/// All words of `text` required over `fields`, the last one also as a prefix.
fn words_query(fields: &TextFields, text: &str) -> Option<Box<dyn Query>> {
    let mut words = analyze_words(text);
    words.truncate(MAX_QUERY_WORDS);
    let last = words.len().checked_sub(1)?;
    let mut clauses: Vec<Box<dyn Query>> = Vec::with_capacity(words.len());
    for (i, word) in words.iter().enumerate() {
        clauses.push(word_query(fields, word, i == last));
    }
    if clauses.len() == 1 {
        return clauses.pop();
    }
    Some(Box::new(BooleanQuery::intersection(clauses)))
}

fn word_query(fields: &TextFields, word: &str, is_last: bool) -> Box<dyn Query> {
    let mut variants: Vec<Box<dyn Query>> = Vec::with_capacity(fields.exact.len() + 1);
    for (field, boost) in &fields.exact {
        let term = Term::from_field_text(*field, word);
        let exact = TermQuery::new(term, IndexRecordOption::WithFreqs);
        variants.push(boosted(Box::new(exact), boost * EXACT_BOOST));
    }
    if let Some(loose) = loose_query(fields.loose, word, is_last) {
        variants.push(loose);
    }
    if variants.len() == 1 {
        if let Some(only) = variants.pop() {
            return only;
        }
    }
    Box::new(BooleanQuery::union(variants))
}

/// One automaton per word: a typo for long words, a prefix (with the same typo allowance) for
/// the last word, nothing for a short word that is not the last.
fn loose_query(field: Field, word: &str, is_last: bool) -> Option<Box<dyn Query>> {
    let num_chars = word.chars().count();
    let distance = u8::from(num_chars >= MIN_FUZZY_CHARS);
    let term = Term::from_field_text(field, word);
    if is_last && num_chars >= MIN_PREFIX_CHARS {
        Some(Box::new(FuzzyTermQuery::new_prefix(term, distance, true)))
    } else if distance > 0 {
        Some(Box::new(FuzzyTermQuery::new(term, distance, true)))
    } else {
        None
    }
}

fn boosted(query: Box<dyn Query>, boost: f32) -> Box<dyn Query> {
    if boost == 1.0 {
        query
    } else {
        Box::new(BoostQuery::new(query, boost))
    }
}

/// A filter's value, or `None` when absent or blank (`?brand=` on the API).
fn given(value: &Option<String>) -> Option<&str> {
    value.as_deref().map(str::trim).filter(|v| !v.is_empty())
}

fn term_query(term: Term) -> Box<dyn Query> {
    Box::new(TermQuery::new(term, IndexRecordOption::Basic))
}

fn filters(
    schema: &OfferSchema,
    request: &SearchRequest,
) -> Result<Vec<Box<dyn Query>>, IndexError> {
    let mut filters: Vec<Box<dyn Query>> = Vec::new();
    let brands: Vec<Term> = request
        .brands
        .iter()
        .map(|brand| normalize_keyword(brand))
        .filter(|brand| !brand.is_empty())
        .map(|brand| Term::from_field_text(schema.brand, &brand))
        .collect();
    if !brands.is_empty() {
        filters.push(Box::new(TermSetQuery::new(brands)));
    }
    if let Some(path) = given(&request.category) {
        let facet = category_facet(path)
            .ok_or_else(|| IndexError::invalid("category", format!("{path:?} has no steps")))?;
        filters.push(term_query(Term::from_facet(schema.category, &facet)));
    }
    if let Some(merchant) = given(&request.merchant) {
        let term = Term::from_field_text(schema.merchant, &normalize_keyword(merchant));
        filters.push(term_query(term));
    }
    if let Some(network) = given(&request.network) {
        let network: Network = network
            .parse()
            .map_err(|reason: String| IndexError::invalid("network", reason))?;
        filters.push(term_query(Term::from_field_text(
            schema.network,
            network.as_str(),
        )));
    }
    if let Some(source) = given(&request.source) {
        filters.push(term_query(Term::from_field_text(schema.source, source)));
    }
    if let Some(range) = price_range(schema, request.min_price, request.max_price) {
        filters.push(range);
    }
    if let Some(code) = given(&request.currency) {
        let currency = Currency::parse(code)
            .map_err(|err| IndexError::invalid("currency", err.to_string()))?;
        filters.push(term_query(Term::from_field_text(
            schema.currency,
            currency.code(),
        )));
    }
    if request.in_stock {
        filters.push(term_query(Term::from_field_bool(schema.in_stock, true)));
    }
    if let Some(gtin) = given(&request.gtin) {
        let gtin14 = normalize_gtin14(gtin)?;
        filters.push(term_query(Term::from_field_text(schema.gtin14, &gtin14)));
    }
    Ok(filters)
}

/// Inclusive bounds on `price_minor`, the fast column, so no postings are read.
fn price_range(
    schema: &OfferSchema,
    min: Option<Decimal>,
    max: Option<Decimal>,
) -> Option<Box<dyn Query>> {
    let bound = |price: Option<Decimal>| match price {
        Some(price) => Bound::Included(Term::from_field_i64(schema.price_minor, price_key(price))),
        None => Bound::Unbounded,
    };
    if min.is_none() && max.is_none() {
        return None;
    }
    Some(Box::new(RangeQuery::new(bound(min), bound(max))))
}
