//! A [`SearchRequest`] to a tantivy query: forgiving text matching plus exact filters.
//!
//! Every word of the text must match one of title, brand, category or description. A word
//! matches exactly in each field (BM25, the title boosted), and loosely in `match_text` (title,
//! brand and category words together): with one typo when it has five letters or more, and,
//! for the last word, as a prefix (search-as-you-type) with that typo allowance too. A loose
//! match scores a small constant, so exact matches always rank above typos and prefixes
//! ([`LooseTermQuery`]). Several words are intersected among themselves as one clause
//! ([`IntersectedWords`]). Filters score nothing and only narrow the set: the selective ones as
//! query clauses, in stock and the price range as a [`FastFilter`] checked while collecting.

use crate::error::IndexError;
use crate::fast_filter::{FastFilter, FastFilterQuery};
use crate::history_filters::history_filters;
use crate::intersected_word::{IntersectedWord, IntersectedWords};
use crate::loose_term_query::LooseTermQuery;
use crate::offer_document::category_facet;
use crate::schema::{OfferSchema, analyze_words, normalize_keyword};
use crate::seeking_union::SeekingUnion;
use chrono::{DateTime, Utc};
use feedmill_model::{Currency, Network};
use feedmill_search::SearchRequest;
use feedmill_search::normalize_gtin14;
use feedmill_search::price_key;
use tantivy::Term;
use tantivy::query::{
    AllQuery, BooleanQuery, BoostQuery, ConstScoreQuery, Occur, Query, TermQuery,
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

/// What a search runs: the query, the filters checked while collecting, and the score every
/// match gets when the query has no words.
pub(crate) struct BuiltQuery {
    pub query: Box<dyn Query>,
    pub filter: FastFilter,
    /// `Some` when scores do not depend on the document: 1.0 for [`AllQuery`], 0.0 for filters
    /// only. Collectors then need no scoring pass, even for `relevance`.
    pub constant_score: Option<f32>,
    /// No words and no filters: every offer matches, whatever the request's other fields.
    pub match_all: bool,
    /// The time the history filters and `sort=price_drop`'s recency measure from.
    pub now: DateTime<Utc>,
}

/// [`build_query_at`] at the system clock's "now".
#[cfg(test)]
pub(crate) fn build_query(
    schema: &OfferSchema,
    request: &SearchRequest,
) -> Result<BuiltQuery, IndexError> {
    build_query_at(schema, request, Utc::now())
}

/// The query for `request`, validated, its history filters measured from `now`. Word clauses
/// and the selective filters are required clauses of one boolean query, so tantivy intersects
/// them in one pass, led by the rarest; in stock and the price range are a [`FastFilter`].
/// Without words or filters, [`AllQuery`].
pub(crate) fn build_query_at(
    schema: &OfferSchema,
    request: &SearchRequest,
    now: DateTime<Utc>,
) -> Result<BuiltQuery, IndexError> {
    let scored = request.sort.uses_relevance();
    let words = given(&request.query).map(query_words).unwrap_or_default();
    let has_words = !words.is_empty();
    let mut filter = fast_filter(request);
    let mut filters = filters(schema, request)?;
    filters.extend(history_filters(schema, request, now));
    // Scored, a candidate the fast filter drops would cost its BM25 for nothing: the filter
    // joins the query (see `fast_filter.rs`).
    if has_words && scored && !filter.is_empty() {
        filters.push(Box::new(FastFilterQuery(filter)));
        filter = FastFilter::default();
    }
    let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
    if let Some(clause) = words_clause(schema, &words, scored, !filters.is_empty()) {
        clauses.push((Occur::Must, clause));
    }
    for filter in filters {
        clauses.push((Occur::Must, Box::new(ConstScoreQuery::new(filter, 0.0))));
    }
    let match_all = !has_words && clauses.is_empty() && filter.is_empty();
    let (query, constant_score): (Box<dyn Query>, _) = match clauses.len() {
        // Filters alone score 0.0, whichever of them are clauses.
        0 if filter.is_empty() => (Box::new(AllQuery), Some(1.0)),
        0 => (
            Box::new(ConstScoreQuery::new(Box::new(AllQuery), 0.0)),
            Some(0.0),
        ),
        _ => (
            Box::new(BooleanQuery::new(clauses)),
            (!has_words).then_some(0.0),
        ),
    };
    Ok(BuiltQuery {
        query,
        filter,
        constant_score,
        match_all,
        now,
    })
}

fn fast_filter(request: &SearchRequest) -> FastFilter {
    let price = match (request.min_price, request.max_price) {
        (None, None) => None,
        (min, max) => Some((
            min.map_or(i64::MIN, price_key),
            max.map_or(i64::MAX, price_key),
        )),
    };
    FastFilter {
        in_stock: request.in_stock,
        price,
    }
}

/// The words of a query text that count: the first [`MAX_QUERY_WORDS`].
fn query_words(text: &str) -> Vec<String> {
    let mut words = analyze_words(text);
    words.truncate(MAX_QUERY_WORDS);
    words
}

/// The words as one required clause; `None` without words. `scored` builds the ranking form;
/// without it, the cheaper match-only form, for orders that do not use scores. Several words
/// are [`IntersectedWords`]; one word is the union of its clauses, `filtered` when the query
/// has filter clauses too, which the intersection seeks it towards.
fn words_clause(
    schema: &OfferSchema,
    words: &[String],
    scored: bool,
    filtered: bool,
) -> Option<Box<dyn Query>> {
    match words {
        [] => None,
        [word] => {
            let parts = match scored {
                true => scored_word(schema, word, true),
                false => matched_word(schema, word, true),
            };
            Some(word_union(parts, filtered))
        }
        _ => {
            let last = words.len() - 1;
            let words = words
                .iter()
                .enumerate()
                .map(|(i, word)| intersected_word(schema, word, i == last, scored));
            Some(Box::new(IntersectedWords::new(words.collect())))
        }
    }
}

/// The clauses of one word as one: a [`SeekingUnion`] when the word is intersected with
/// filters; tantivy's windowed union, faster to read through, when the word is the whole query.
fn word_union(parts: Vec<Box<dyn Query>>, filtered: bool) -> Box<dyn Query> {
    if filtered {
        Box::new(SeekingUnion::new(parts))
    } else {
        Box::new(BooleanQuery::union(parts))
    }
}

/// A word that ranks: exact in each field (BM25, title boosted), or loose at a constant 1.0.
fn scored_word(schema: &OfferSchema, word: &str, is_last: bool) -> Vec<Box<dyn Query>> {
    let mut variants = exact_scored(schema, word);
    variants.extend(loose_query(schema.match_text, word, is_last));
    variants
}

/// The word exact in each field it is scored in, the title boosted.
fn exact_scored(schema: &OfferSchema, word: &str) -> Vec<Box<dyn Query>> {
    let exact_fields = [
        (schema.title, TITLE_BOOST),
        (schema.brand_text, 1.0),
        (schema.category_text, 1.0),
        (schema.description, 1.0),
    ];
    exact_fields
        .into_iter()
        .map(|(field, boost)| boosted(exact(field, word), boost * EXACT_BOOST))
        .collect()
}

/// One word of several: matched by the terms of [`matched_word`], ranked as [`scored_word`].
fn intersected_word(
    schema: &OfferSchema,
    word: &str,
    is_last: bool,
    scored: bool,
) -> IntersectedWord {
    let match_terms = match_fields(schema)
        .into_iter()
        .map(|field| Term::from_field_text(field, word))
        .collect();
    let scored_clauses = match scored {
        true => exact_scored(schema, word),
        false => Vec::new(),
    };
    let loose = loose_term(schema.match_text, word, is_last);
    IntersectedWord::new(match_terms, loose, scored_clauses)
}

/// A word that only has to match: title, brand and category are all in `match_text`, so the
/// word there and in the description, and its variants, instead of four fields.
fn matched_word(schema: &OfferSchema, word: &str, is_last: bool) -> Vec<Box<dyn Query>> {
    let mut variants: Vec<Box<dyn Query>> = match_fields(schema)
        .into_iter()
        .map(|field| exact(field, word))
        .collect();
    variants.extend(loose_query(schema.match_text, word, is_last));
    variants
}

/// The fields whose words decide whether a word matches: title, brand and category words
/// (together in `match_text`) and the description.
fn match_fields(schema: &OfferSchema) -> [Field; 2] {
    [schema.match_text, schema.description]
}

/// Words over one field (exact or loose), all required, for suggestions.
fn field_words_query(field: Field, text: &str) -> Option<Box<dyn Query>> {
    let words = query_words(text);
    let num_words = words.len();
    let mut clauses: Vec<Box<dyn Query>> = Vec::with_capacity(num_words);
    for (i, word) in words.iter().enumerate() {
        let mut variants = vec![boosted(exact(field, word), EXACT_BOOST)];
        variants.extend(loose_query(field, word, i + 1 == num_words));
        clauses.push(Box::new(BooleanQuery::union(variants)));
    }
    match clauses.len() {
        0 => None,
        1 => clauses.pop(),
        _ => Some(Box::new(BooleanQuery::intersection(clauses))),
    }
}

/// Words over the title only, for suggestions.
pub(crate) fn title_query(schema: &OfferSchema, text: &str) -> Option<Box<dyn Query>> {
    field_words_query(schema.title, text)
}

/// Words over the brand only, for suggestions.
pub(crate) fn brand_query(schema: &OfferSchema, text: &str) -> Option<Box<dyn Query>> {
    field_words_query(schema.brand_text, text)
}

/// A word matched exactly in `field`. (On `match_text`, indexed without frequencies, it is
/// only used where scoring is off, and unscored queries read postings as `Basic`.)
fn exact(field: Field, word: &str) -> Box<dyn Query> {
    let term = Term::from_field_text(field, word);
    Box::new(TermQuery::new(term, IndexRecordOption::WithFreqs))
}

/// One automaton per word: a typo for long words, a prefix (with the same typo allowance) for
/// the last word, nothing for a short word that is not the last. It matches the word's variants
/// only, not the word itself: that is the exact clauses' part.
fn loose_query(field: Field, word: &str, is_last: bool) -> Option<Box<dyn Query>> {
    loose_term(field, word, is_last).map(|loose| Box::new(loose) as Box<dyn Query>)
}

fn loose_term(field: Field, word: &str, is_last: bool) -> Option<LooseTermQuery> {
    let num_chars = word.chars().count();
    let distance = u8::from(num_chars >= MIN_FUZZY_CHARS);
    let term = Term::from_field_text(field, word);
    if is_last && num_chars >= MIN_PREFIX_CHARS {
        Some(LooseTermQuery::new(term, distance, true))
    } else if distance > 0 {
        Some(LooseTermQuery::new(term, distance, false))
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
    let mut brands: Vec<Box<dyn Query>> = request
        .brands
        .iter()
        .map(|brand| normalize_keyword(brand))
        .filter(|brand| !brand.is_empty())
        .map(|brand| term_query(Term::from_field_text(schema.brand, &brand)))
        .collect();
    // A union of term queries: a `TermSetQuery` builds an FST of its terms on every search,
    // which for the few brands of a filter costs more than the whole match.
    match brands.len() {
        0 => {}
        1 => filters.extend(brands.pop()),
        _ => filters.push(Box::new(BooleanQuery::union(brands))),
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
    if let Some(code) = given(&request.currency) {
        let currency = Currency::parse(code)
            .map_err(|err| IndexError::invalid("currency", err.to_string()))?;
        filters.push(term_query(Term::from_field_text(
            schema.currency,
            currency.code(),
        )));
    }
    if let Some(gtin) = given(&request.gtin) {
        let gtin14 = normalize_gtin14(gtin)?;
        filters.push(term_query(Term::from_field_text(schema.gtin14, &gtin14)));
    }
    Ok(filters)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_up_to_the_limit_in_one_clause() {
        let schema = OfferSchema::build();
        assert!(query_words(" !! ").is_empty());
        let long = query_words("a b c d e f g h i j k");
        assert_eq!(long.len(), MAX_QUERY_WORDS);
        assert!(words_clause(&schema, &[], true, false).is_none());
        let one = words_clause(&schema, &query_words("hoodie"), true, true);
        assert!(format!("{one:?}").contains("SeekingUnion"));
        let two = words_clause(&schema, &query_words("grön hoodie"), false, false);
        assert!(format!("{two:?}").contains("IntersectedWords"));
    }

    #[test]
    fn loose_matching_by_word_length_and_position() {
        let schema = OfferSchema::build();
        let field = schema.match_text;
        assert!(
            loose_query(field, "bag", false).is_none(),
            "short, not last"
        );
        assert!(loose_query(field, "h", true).is_none(), "one-letter prefix");
        assert!(loose_query(field, "bag", true).is_some(), "prefix");
        assert!(loose_query(field, "hoodie", false).is_some(), "typo");
    }

    #[test]
    fn an_empty_request_matches_everything() -> Result<(), IndexError> {
        let schema = OfferSchema::build();
        let built = build_query(&schema, &SearchRequest::default())?;
        assert!(format!("{:?}", built.query).contains("AllQuery"));
        assert_eq!(built.constant_score, Some(1.0));
        assert!(built.match_all);
        let filtered = SearchRequest {
            in_stock: true,
            ..SearchRequest::default()
        };
        assert!(!build_query(&schema, &filtered)?.match_all);
        Ok(())
    }
}
