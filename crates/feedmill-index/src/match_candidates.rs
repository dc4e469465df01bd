//! [`MatchCandidates`]: the offers of one index snapshot most like a given offer, by BM25 over
//! title and brand words: what the ingest's product matcher scores an offer without
//! identifiers against.
//!
//! One snapshot serves a whole source replacement, so every offer of the feed is compared with
//! the same catalogue (the one before the replacement), and the searches may run in parallel:
//! a [`Searcher`] is shared read-only.

use crate::error::IndexError;
use crate::offer_index::OfferIndex;
use crate::schema::{BRAND, analyze_words};
use feedmill_model::Offer;
use std::collections::HashSet;
use tantivy::collector::TopDocs;
use tantivy::query::{BooleanQuery, Occur, Query, TermQuery};
use tantivy::schema::IndexRecordOption;
use tantivy::{DocAddress, Searcher, Term};

/// Words of a title asked for; the rest of a long title adds little but cost.
const MAX_QUERY_WORDS: usize = 24;

/// Words a candidate search asks for: the rarest ones of the title and brand. Measured on a
/// full re-match of 200k generated offers: all words 233 s, P 98.3 % R 61.0 %; the rarest
/// six 170 s, P 98.6 % R 60.7 %; the rarest five 126 s, P 98.6 % R 59.2 %.
const RAREST_QUERY_WORDS: usize = 5;

/// One offer of a [`MatchCandidates`] snapshot, found by [`MatchCandidates::similar_hits`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CandidateHit(DocAddress);

/// A snapshot of the index to find match candidates in.
#[derive(Clone)]
pub struct MatchCandidates {
    index: OfferIndex,
    searcher: Searcher,
}

impl std::fmt::Debug for MatchCandidates {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MatchCandidates")
            .field("num_docs", &self.searcher.num_docs())
            .finish()
    }
}

impl OfferIndex {
    /// Candidates from the snapshot searches see now.
    pub fn match_candidates(&self) -> MatchCandidates {
        MatchCandidates {
            index: self.clone(),
            searcher: self.searcher(),
        }
    }
}

impl MatchCandidates {
    /// Offers in the snapshot.
    pub fn num_offers(&self) -> u64 {
        self.searcher.num_docs()
    }

    /// Up to `k` offers other than `offer` (by id) whose title and brand words are most like
    /// its own, best first; none for an offer without words.
    pub fn similar(&self, offer: &Offer, k: usize) -> Result<Vec<Offer>, IndexError> {
        let mut offers = Vec::with_capacity(k);
        for hit in self.similar_hits(offer, k + 1)? {
            let candidate = self.load(hit)?;
            if candidate.id != offer.id && offers.len() < k {
                offers.push(candidate);
            }
        }
        Ok(offers)
    }

    /// The `k` offers whose title and brand words are most like `offer`'s, best first, as
    /// references to [`MatchCandidates::load`]; the offer itself may be among them. Callers
    /// matching many offers load each referenced offer once.
    pub fn similar_hits(&self, offer: &Offer, k: usize) -> Result<Vec<CandidateHit>, IndexError> {
        let schema = &self.index.inner.schema;
        let mut seen = HashSet::new();
        let title_words = analyze_words(&offer.title);
        let brand_words = offer
            .brand
            .as_deref()
            .map(analyze_words)
            .unwrap_or_default();
        let fields = [
            (schema.title, title_words),
            (schema.brand_text, brand_words),
        ];
        let mut terms: Vec<(u64, Term)> = Vec::new();
        for (field, words) in fields {
            for word in words.into_iter().take(MAX_QUERY_WORDS) {
                if seen.insert((field, word.clone())) {
                    let term = Term::from_field_text(field, &word);
                    terms.push((self.searcher.doc_freq(&term)?, term));
                }
            }
        }
        if k == 0 {
            return Ok(Vec::new());
        }
        // The rarest words decide which offers are alike; the common ones (a brand, a colour,
        // a product kind) add little to BM25 but make the union visit most of the catalogue.
        // A word no other offer has finds nothing (the offer itself may be in the snapshot).
        let itself = self
            .searcher
            .doc_freq(&Term::from_field_text(schema.id, &offer.id))?
            .min(1);
        terms.retain(|(doc_freq, _)| *doc_freq > itself);
        terms.sort_by_key(|(doc_freq, _)| *doc_freq);
        terms.truncate(RAREST_QUERY_WORDS);
        if terms.is_empty() {
            return Ok(Vec::new());
        }
        let clauses: Vec<(Occur, Box<dyn Query>)> = terms
            .into_iter()
            .map(|(_, term)| {
                let query: Box<dyn Query> =
                    Box::new(TermQuery::new(term, IndexRecordOption::WithFreqs));
                (Occur::Should, query)
            })
            .collect();
        let query = BooleanQuery::new(clauses);
        let top = TopDocs::with_limit(k).order_by_score();
        let hits = self.searcher.search(&query, &top)?;
        Ok(hits
            .into_iter()
            .map(|(_, address)| CandidateHit(address))
            .collect())
    }

    /// The offer a hit refers to, as stored.
    pub fn load(&self, hit: CandidateHit) -> Result<Offer, IndexError> {
        self.index.load_offer(&self.searcher, hit.0)
    }

    /// Every brand the snapshot's offers name, as written (what the matcher learns its brand
    /// dictionary from).
    pub fn brands(&self) -> Result<Vec<String>, IndexError> {
        let mut brands = HashSet::new();
        for reader in self.searcher.segment_readers() {
            let Some(column) = reader.fast_fields().str(BRAND)? else {
                continue;
            };
            let all_ords: Vec<u64> = (0..column.num_terms() as u64).collect();
            column
                .dictionary()
                .sorted_ords_to_term_cb(&all_ords, |bytes| {
                    brands.insert(String::from_utf8_lossy(bytes).into_owned());
                })
                .map_err(tantivy::TantivyError::from)?;
        }
        let mut brands: Vec<String> = brands.into_iter().collect();
        brands.sort_unstable();
        Ok(brands)
    }
}
