//! [`LooseTermQuery`]: a word matched with a typo or as a prefix, at a constant score.
//!
//! Same automaton as tantivy's `FuzzyTermQuery` (its Levenshtein DFA, transpositions costing
//! one), same score, but the word itself is left out: the variants are the other words the
//! automaton accepts. Every loose clause stands beside the exact clauses of the same word,
//! which match the word itself (and score it higher); reading its postings again here would
//! double the work of the commonest case, a correctly spelt word whose only variant is itself.
//!
//! The other difference is how a segment's matches are held:
//! `FuzzyTermQuery` marks them in a bitset of the segment's size (125 KB to allocate, zero and
//! scan per million offers, per word, per search), although the variants of a typical word
//! match a few hundred offers. Here matches under 1/[`SPARSE_BELOW`] of the segment are kept
//! as a sorted list; only larger ones use the bitset.

use std::sync::Arc;
use tantivy::query::{
    BitSetDocSet, ConstScorer, DfaWrapper, EmptyScorer, EnableScoring, Explanation, FuzzyTermQuery,
    Query, Scorer, Weight,
};
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::{BitSet, DocId, DocSet, Score, SegmentReader, TERMINATED, TantivyError, Term};

/// Matches below `max_doc / SPARSE_BELOW` are listed rather than marked in a bitset. Listing
/// costs a sort (n log n); the bitset costs clearing and scanning max_doc / 8 bytes. They cost
/// the same around n = max_doc / 500 for segments of 100k to 1M offers.
const SPARSE_BELOW: u64 = 512;

/// The words within one edit of a word (for words long enough), optionally as a prefix, the
/// word itself excluded.
#[derive(Debug, Clone)]
pub(crate) struct LooseTermQuery {
    term: Term,
    distance: u8,
    prefix: bool,
}

impl LooseTermQuery {
    pub fn new(term: Term, distance: u8, prefix: bool) -> LooseTermQuery {
        LooseTermQuery {
            term,
            distance,
            prefix,
        }
    }

    /// The weight itself, for queries that read its documents rather than score them.
    pub fn loose_weight(&self) -> tantivy::Result<LooseWeight> {
        Ok(LooseWeight {
            field: self.term.field(),
            word: self.term.serialized_value_bytes().to_vec(),
            automaton: Arc::new(self.automaton()?),
        })
    }

    fn automaton(&self) -> tantivy::Result<DfaWrapper> {
        let fuzzy = match self.prefix {
            true => FuzzyTermQuery::new_prefix(self.term.clone(), self.distance, true),
            false => FuzzyTermQuery::new(self.term.clone(), self.distance, true),
        };
        fuzzy.automaton()
    }
}

impl Query for LooseTermQuery {
    fn weight(&self, _scoring: EnableScoring<'_>) -> tantivy::Result<Box<dyn Weight>> {
        Ok(Box::new(self.loose_weight()?))
    }
}

pub(crate) struct LooseWeight {
    field: Field,
    /// The word as the term dictionary holds it: the one term the automaton accepts that is
    /// not a variant.
    word: Vec<u8>,
    automaton: Arc<DfaWrapper>,
}

impl LooseWeight {
    /// The segment's documents that hold a variant of the word; `None` when none does.
    pub fn docs(&self, reader: &SegmentReader) -> tantivy::Result<Option<Docs>> {
        let index = reader.inverted_index(self.field)?;
        let mut terms = index
            .terms()
            .search(self.automaton.as_ref())
            .into_stream()?;
        let word = self.word.as_slice();
        let mut matched = Vec::new();
        let mut num_postings = 0u64;
        while terms.advance() {
            if terms.key() == word {
                continue;
            }
            num_postings += u64::from(terms.value().doc_freq);
            matched.push(terms.value().clone());
        }
        if matched.is_empty() {
            return Ok(None);
        }
        let sparse = num_postings * SPARSE_BELOW < u64::from(reader.max_doc());
        let mut docs = Docs::new(sparse, reader.max_doc());
        for term in &matched {
            let mut postings =
                index.read_block_postings_from_terminfo(term, IndexRecordOption::Basic)?;
            while !postings.docs().is_empty() {
                docs.extend(postings.docs());
                postings.advance();
            }
        }
        Ok(Some(docs.sorted()))
    }
}

impl Weight for LooseWeight {
    fn scorer(&self, reader: &SegmentReader, boost: Score) -> tantivy::Result<Box<dyn Scorer>> {
        Ok(match self.docs(reader)? {
            None => Box::new(EmptyScorer),
            Some(docs) => docs.into_scorer(boost),
        })
    }

    fn explain(&self, reader: &SegmentReader, doc: DocId) -> tantivy::Result<Explanation> {
        let mut scorer = self.scorer(reader, 1.0)?;
        if scorer.seek(doc) == doc {
            Ok(Explanation::new("LooseTermQuery", 1.0))
        } else {
            Err(TantivyError::InvalidArgument(format!(
                "document {doc} does not match the loose term"
            )))
        }
    }
}

/// A segment's documents holding a variant: a sorted list without repeats when few, a bitset
/// when many.
pub(crate) enum Docs {
    List(Vec<DocId>),
    Bits(BitSet),
}

impl Docs {
    fn new(sparse: bool, max_doc: u32) -> Docs {
        match sparse {
            true => Docs::List(Vec::new()),
            false => Docs::Bits(BitSet::with_max_value(max_doc)),
        }
    }

    fn extend(&mut self, docs: &[DocId]) {
        match self {
            Docs::List(list) => list.extend_from_slice(docs),
            Docs::Bits(bits) => {
                for doc in docs {
                    bits.insert(*doc);
                }
            }
        }
    }

    /// The list sorted and without repeats (a document can hold several variants).
    fn sorted(self) -> Docs {
        match self {
            Docs::List(mut list) => {
                list.sort_unstable();
                list.dedup();
                Docs::List(list)
            }
            bits => bits,
        }
    }

    /// How many documents (for a bitset, its count of marks).
    pub fn len(&self) -> u64 {
        match self {
            Docs::List(list) => list.len() as u64,
            Docs::Bits(bits) => bits.len() as u64,
        }
    }

    /// The documents, each scoring `boost`.
    pub fn into_scorer(self, boost: Score) -> Box<dyn Scorer> {
        match self {
            Docs::List(list) => Box::new(ConstScorer::new(SortedDocs::sorted(list), boost)),
            Docs::Bits(bits) => Box::new(ConstScorer::new(BitSetDocSet::from(bits), boost)),
        }
    }

    /// Calls `each` with every document, in increasing order.
    pub fn for_each(&self, mut each: impl FnMut(DocId)) {
        match self {
            Docs::List(list) => list.iter().for_each(|doc| each(*doc)),
            Docs::Bits(bits) => {
                let mut bucket = bits.first_non_empty_bucket(0);
                while let Some(at) = bucket {
                    let mut set = bits.tinyset(at);
                    while let Some(low) = set.pop_lowest() {
                        each(at * 64 + low);
                    }
                    bucket = bits.first_non_empty_bucket(at + 1);
                }
            }
        }
    }
}

/// Whether documents, asked in increasing order, are among [`Docs`].
pub(crate) struct DocsMembership {
    docs: Docs,
    /// For a list: the first position not below the last document asked.
    cursor: usize,
}

impl DocsMembership {
    pub fn new(docs: Docs) -> DocsMembership {
        DocsMembership { docs, cursor: 0 }
    }

    /// Whether `doc` is among the documents; `doc` is no smaller than the one asked before.
    pub fn contains(&mut self, doc: DocId) -> bool {
        match &self.docs {
            Docs::List(list) => {
                let rest = list.get(self.cursor..).unwrap_or_default();
                self.cursor += rest.partition_point(|d| *d < doc);
                list.get(self.cursor) == Some(&doc)
            }
            Docs::Bits(bits) => doc < bits.max_value() && bits.contains(doc),
        }
    }
}

/// Documents in increasing order, without repeats.
struct SortedDocs {
    docs: Vec<DocId>,
    cursor: usize,
}

impl SortedDocs {
    /// Sorts and dedups `docs` (a document can match several variants of the word).
    #[cfg(test)]
    fn new(mut docs: Vec<DocId>) -> SortedDocs {
        docs.sort_unstable();
        docs.dedup();
        SortedDocs::sorted(docs)
    }

    /// Documents already sorted, without repeats.
    fn sorted(docs: Vec<DocId>) -> SortedDocs {
        SortedDocs { docs, cursor: 0 }
    }
}

impl DocSet for SortedDocs {
    fn advance(&mut self) -> DocId {
        self.cursor = (self.cursor + 1).min(self.docs.len());
        self.doc()
    }

    fn seek(&mut self, target: DocId) -> DocId {
        let rest = self.docs.get(self.cursor..).unwrap_or_default();
        self.cursor += rest.partition_point(|doc| *doc < target);
        self.doc()
    }

    fn doc(&self) -> DocId {
        self.docs.get(self.cursor).copied().unwrap_or(TERMINATED)
    }

    fn size_hint(&self) -> u32 {
        self.docs.len() as u32
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The titles that `LooseTermQuery::new(word, distance, prefix)` matches, in an index of
    /// one title per document.
    fn loose_matches(titles: &[&str], word: &str, distance: u8, prefix: bool) -> Vec<String> {
        use tantivy::collector::DocSetCollector;
        use tantivy::schema::{STORED, Schema, TEXT, Value};
        use tantivy::{Index, TantivyDocument, doc};
        let mut schema = Schema::builder();
        let title = schema.add_text_field("title", TEXT | STORED);
        let index = Index::create_in_ram(schema.build());
        let mut writer = index
            .writer_with_num_threads(1, 15_000_000)
            .expect("writer");
        for text in titles {
            writer.add_document(doc!(title => *text)).expect("add");
        }
        writer.commit().expect("commit");
        let searcher = index.reader().expect("reader").searcher();
        let query = LooseTermQuery::new(Term::from_field_text(title, word), distance, prefix);
        let addresses = searcher.search(&query, &DocSetCollector).expect("search");
        let mut found: Vec<String> = addresses
            .into_iter()
            .filter_map(|address| searcher.doc::<TantivyDocument>(address).ok())
            .filter_map(|doc| {
                doc.get_first(title)
                    .and_then(|v| v.as_str())
                    .map(String::from)
            })
            .collect();
        found.sort();
        found
    }

    #[test]
    fn variants_leave_the_word_itself_to_the_exact_clauses() {
        let titles = [
            "hoodie",
            "hoodies",
            "hoodle",
            "hood",
            "hoodie hoodis",
            "jacket",
        ];
        assert_eq!(
            loose_matches(&titles, "hoodie", 1, false),
            ["hoodie hoodis", "hoodies", "hoodle"]
        );
        assert_eq!(
            loose_matches(&titles, "hood", 0, true),
            ["hoodie", "hoodie hoodis", "hoodies", "hoodle"]
        );
        assert!(loose_matches(&titles, "jacket", 1, true).is_empty());
    }

    #[test]
    fn membership_in_a_list_and_in_a_bitset() {
        let mut bits = BitSet::with_max_value(100);
        for doc in [3, 7, 64, 99] {
            bits.insert(doc);
        }
        for docs in [Docs::List(vec![3, 7, 64, 99]), Docs::Bits(bits)] {
            let mut listed = Vec::new();
            docs.for_each(|doc| listed.push(doc));
            assert_eq!(listed, [3, 7, 64, 99]);
            assert_eq!(docs.len(), 4);
            let mut members = DocsMembership::new(docs);
            let asked: Vec<bool> = [0, 3, 5, 7, 64, 65, 99, 100]
                .iter()
                .map(|doc| members.contains(*doc))
                .collect();
            assert_eq!(asked, [false, true, false, true, true, false, true, false]);
        }
    }

    #[test]
    fn sorted_docs_advance_and_seek() {
        let mut docs = SortedDocs::new(vec![9, 3, 7, 3, 12]);
        assert_eq!(docs.doc(), 3);
        assert_eq!(docs.advance(), 7);
        assert_eq!(docs.seek(8), 9);
        assert_eq!(docs.seek(9), 9);
        assert_eq!(docs.seek(13), TERMINATED);
        assert_eq!(docs.advance(), TERMINATED);
        assert_eq!(SortedDocs::new(Vec::new()).doc(), TERMINATED);
    }
}
