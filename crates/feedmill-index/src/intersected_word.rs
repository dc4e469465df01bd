//! [`IntersectedWords`]: the words of a query of several, matched through their terms'
//! postings and scored only where all of them match.
//!
//! Two common words intersected the way [`SeekingUnion`](crate::seeking_union) does it cost a
//! seek of every part of one word per candidate of the other: "lundqvist ember" sought 25,000
//! candidates through five parts each to keep 646. Here each word common in a segment (at
//! least 1/[`DENSE_FROM`] of its documents) is read, rarest first, from the postings of the few
//! terms that decide a match (the word in `match_text` and `description`, and its variants),
//! block by block and without scoring: the first marks its documents in a bitset, each next
//! one keeps the marks it also holds. The rare words, and the filters around this query, are
//! then intersected with that bitset by seeking; the scored clauses of the common words (BM25
//! per field) are sought only on the documents the whole query keeps. A rare word keeps the
//! seeking union: a bitset of the segment's size would cost more than its few postings; so
//! does a common word beside a much rarer one, whose few candidates cost fewer seeks than
//! reading all the common word's postings.

use crate::loose_term_query::{Docs, DocsMembership, LooseTermQuery, LooseWeight};
use crate::seeking_union::{Part, SeekingUnionScorer};
use std::sync::Arc;
use tantivy::postings::TermInfo;
use tantivy::query::{
    BitSetDocSet, ConstScorer, EmptyScorer, EnableScoring, Explanation, Query, Scorer, Weight,
    intersect_scorers,
};
use tantivy::schema::IndexRecordOption;
use tantivy::{
    BitSet, DocId, DocSet, InvertedIndexReader, Score, SegmentReader, TERMINATED, TantivyError,
    Term,
};

/// A word matching at least `max_doc / DENSE_FROM` documents of a segment is read into the
/// bitset. Reading costs about a nanosecond per posting, plus the bitset (`max_doc / 8` bytes
/// to zero and scan); seeking costs tens of nanoseconds, times the parts of the word, per
/// candidate.
const DENSE_FROM: u64 = 256;

/// A common word is still sought, not read, when it has this many times the postings of the
/// rarest word: the rarest leads the intersection, and its few candidates cost fewer seeks
/// than reading all the common word's postings.
const MAX_DENSE_OVER_RAREST: u64 = 64;

/// One word: its match terms decide which documents match; its scored clauses rank them.
#[derive(Debug)]
pub(crate) struct IntersectedWord {
    /// The word itself in the fields that decide a match, title, brand and category words
    /// together (`match_text`) and the description.
    match_terms: Vec<Term>,
    /// Its typo and prefix variants.
    loose: Option<LooseTermQuery>,
    /// The clauses that score it (exact per field, boosted); empty for orders without scores.
    scored: Vec<Box<dyn Query>>,
}

impl IntersectedWord {
    /// The word in the `match_terms`, and `loose`; scored by the `scored` clauses and, on its
    /// variants, by `loose` at a constant 1.0.
    pub fn new(
        match_terms: Vec<Term>,
        loose: Option<LooseTermQuery>,
        scored: Vec<Box<dyn Query>>,
    ) -> IntersectedWord {
        IntersectedWord {
            match_terms,
            loose,
            scored,
        }
    }

    fn weight(&self, scoring: EnableScoring<'_>) -> tantivy::Result<WordWeight> {
        let scored = match scoring.is_scoring_enabled() {
            true => self
                .scored
                .iter()
                .map(|clause| clause.weight(scoring))
                .collect::<tantivy::Result<_>>()?,
            false => Vec::new(),
        };
        let loose = self.loose.as_ref().map(LooseTermQuery::loose_weight);
        Ok(WordWeight {
            match_terms: self.match_terms.clone(),
            loose: loose.transpose()?,
            scored,
        })
    }
}

impl Clone for IntersectedWord {
    fn clone(&self) -> IntersectedWord {
        IntersectedWord {
            match_terms: self.match_terms.clone(),
            loose: self.loose.clone(),
            scored: self
                .scored
                .iter()
                .map(|clause| clause.box_clone())
                .collect(),
        }
    }
}

/// Matches the documents that every word matches; the score is the sum of the words'.
#[derive(Debug, Clone)]
pub(crate) struct IntersectedWords {
    words: Vec<IntersectedWord>,
}

impl IntersectedWords {
    pub fn new(words: Vec<IntersectedWord>) -> IntersectedWords {
        IntersectedWords { words }
    }
}

impl Query for IntersectedWords {
    fn weight(&self, scoring: EnableScoring<'_>) -> tantivy::Result<Box<dyn Weight>> {
        let words = self
            .words
            .iter()
            .map(|word| word.weight(scoring))
            .collect::<tantivy::Result<_>>()?;
        Ok(Box::new(IntersectedWordsWeight { words }))
    }

    fn query_terms<'a>(&'a self, visitor: &mut dyn FnMut(&'a Term, bool)) {
        for word in &self.words {
            for clause in &word.scored {
                clause.query_terms(visitor);
            }
        }
    }
}

struct WordWeight {
    match_terms: Vec<Term>,
    loose: Option<LooseWeight>,
    /// Empty when scoring is off.
    scored: Vec<Box<dyn Weight>>,
}

/// A match term found in a segment, with the index that reads its postings.
struct SegmentTerm {
    index: Arc<InvertedIndexReader>,
    info: TermInfo,
}

/// What a word holds in one segment: its match terms there and the documents of its variants.
struct SegmentWord<'w> {
    weight: &'w WordWeight,
    terms: Vec<SegmentTerm>,
    loose: Option<Docs>,
    /// Postings to read: the match terms' and the variants' documents.
    cost: u64,
}

impl WordWeight {
    fn in_segment(&self, reader: &SegmentReader) -> tantivy::Result<SegmentWord<'_>> {
        let mut terms = Vec::with_capacity(self.match_terms.len());
        for term in &self.match_terms {
            let index = reader.inverted_index(term.field())?;
            if let Some(info) = index.get_term_info(term)? {
                terms.push(SegmentTerm { index, info });
            }
        }
        let loose = match &self.loose {
            Some(weight) => weight.docs(reader)?,
            None => None,
        };
        let cost = terms
            .iter()
            .map(|t| u64::from(t.info.doc_freq))
            .sum::<u64>()
            + loose.as_ref().map_or(0, Docs::len);
        Ok(SegmentWord {
            weight: self,
            terms,
            loose,
            cost,
        })
    }

    /// The word's scored clauses, to seek on the documents being scored, and its variants at
    /// `boost`; nothing when scoring is off.
    fn score_parts(
        &self,
        reader: &SegmentReader,
        boost: Score,
        loose: Option<Docs>,
    ) -> tantivy::Result<WordScore> {
        let mut parts = Vec::with_capacity(self.scored.len());
        for weight in &self.scored {
            let scorer = weight.scorer(reader, boost)?;
            if scorer.doc() != TERMINATED {
                parts.push(Part::new(scorer));
            }
        }
        let scoring = !self.scored.is_empty();
        let loose = loose
            .filter(|_| scoring)
            .map(|docs| (DocsMembership::new(docs), boost));
        Ok(WordScore { parts, loose })
    }
}

impl SegmentWord<'_> {
    /// The seeking union of the word's clauses: the scored ones, or without scores the match
    /// terms' postings; the variants beside them at `boost`.
    fn seeking(self, reader: &SegmentReader, boost: Score) -> tantivy::Result<Box<dyn Scorer>> {
        let mut scorers: Vec<Box<dyn Scorer>> = Vec::new();
        if self.weight.scored.is_empty() {
            for term in &self.terms {
                let postings = term
                    .index
                    .read_postings_from_terminfo(&term.info, IndexRecordOption::Basic)?;
                scorers.push(Box::new(ConstScorer::new(postings, boost)));
            }
        } else {
            for weight in &self.weight.scored {
                scorers.push(weight.scorer(reader, boost)?);
            }
        }
        scorers.extend(self.loose.map(|docs| docs.into_scorer(boost)));
        scorers.retain(|scorer| scorer.doc() != TERMINATED);
        Ok(Box::new(SeekingUnionScorer::new(scorers)))
    }

    /// Calls `each` with every document of the word, some more than once.
    fn for_each_doc(&self, mut each: impl FnMut(DocId)) -> tantivy::Result<()> {
        for term in &self.terms {
            let mut postings = term
                .index
                .read_block_postings_from_terminfo(&term.info, IndexRecordOption::Basic)?;
            while !postings.docs().is_empty() {
                for doc in postings.docs() {
                    each(*doc);
                }
                postings.advance();
            }
        }
        if let Some(docs) = &self.loose {
            docs.for_each(each);
        }
        Ok(())
    }
}

struct IntersectedWordsWeight {
    words: Vec<WordWeight>,
}

impl Weight for IntersectedWordsWeight {
    fn scorer(&self, reader: &SegmentReader, boost: Score) -> tantivy::Result<Box<dyn Scorer>> {
        let max_doc = reader.max_doc();
        let mut words = Vec::with_capacity(self.words.len());
        for weight in &self.words {
            words.push(weight.in_segment(reader)?);
        }
        words.sort_by_key(|word| word.cost);
        let rarest = match words.first() {
            Some(word) if word.cost > 0 => word.cost,
            _ => return Ok(Box::new(EmptyScorer)),
        };
        let (dense, sparse): (Vec<SegmentWord>, Vec<SegmentWord>) = words
            .into_iter()
            .partition(|word| is_read(word.cost, rarest, max_doc));
        let mut scorers: Vec<Box<dyn Scorer>> = Vec::with_capacity(sparse.len() + 1);
        let mut dense_scores = Vec::with_capacity(dense.len());
        if !dense.is_empty() {
            let mut kept: Option<BitSet> = None;
            for word in &dense {
                kept = Some(keep_common(kept.as_ref(), word, max_doc)?);
            }
            let kept = kept.unwrap_or_else(|| BitSet::with_max_value(max_doc));
            scorers.push(Box::new(ConstScorer::new(BitSetDocSet::from(kept), 0.0)));
            for word in dense {
                dense_scores.push(word.weight.score_parts(reader, boost, word.loose)?);
            }
        }
        for word in sparse {
            scorers.push(word.seeking(reader, boost)?);
        }
        Ok(Box::new(IntersectedWordsScorer {
            matches: intersect_scorers(scorers, max_doc),
            dense_scores,
        }))
    }

    fn explain(&self, reader: &SegmentReader, doc: DocId) -> tantivy::Result<Explanation> {
        let mut scorer = self.scorer(reader, 1.0)?;
        if scorer.seek(doc) != doc {
            return Err(TantivyError::InvalidArgument(format!(
                "document {doc} does not match"
            )));
        }
        Ok(Explanation::new("IntersectedWords", scorer.score()))
    }
}

/// Whether a word of `cost` postings in a segment of `max_doc` is read into the bitset, beside
/// a rarest word of `rarest`; if not, it is sought.
fn is_read(cost: u64, rarest: u64, max_doc: u32) -> bool {
    cost * DENSE_FROM >= u64::from(max_doc) && cost <= rarest.saturating_mul(MAX_DENSE_OVER_RAREST)
}

/// The documents of `word` that are also in `kept` (all of them when `kept` is `None`).
fn keep_common(kept: Option<&BitSet>, word: &SegmentWord, max_doc: u32) -> tantivy::Result<BitSet> {
    let mut next = BitSet::with_max_value(max_doc);
    match kept {
        None => word.for_each_doc(|doc| {
            next.insert(doc);
        })?,
        Some(kept) => word.for_each_doc(|doc| {
            if kept.contains(doc) {
                next.insert(doc);
            }
        })?,
    }
    Ok(next)
}

/// How a common word scores the documents the query keeps.
struct WordScore {
    /// Its scored clauses, sought on each scored document; empty when scoring is off.
    parts: Vec<Part>,
    /// Its variants, scoring their constant; `None` when scoring is off.
    loose: Option<(DocsMembership, Score)>,
}

impl WordScore {
    fn score_on(&mut self, doc: DocId) -> Score {
        let mut score = 0.0;
        for part in &mut self.parts {
            score += part.score_on(doc);
        }
        if let Some((loose, boost)) = &mut self.loose
            && loose.contains(doc)
        {
            score += *boost;
        }
        score
    }
}

/// The intersection of the common words' bitset and the rare words' unions; the common words'
/// scores added on the documents scored.
struct IntersectedWordsScorer {
    matches: Box<dyn Scorer>,
    dense_scores: Vec<WordScore>,
}

impl DocSet for IntersectedWordsScorer {
    fn advance(&mut self) -> DocId {
        self.matches.advance()
    }

    fn seek(&mut self, target: DocId) -> DocId {
        self.matches.seek(target)
    }

    fn doc(&self) -> DocId {
        self.matches.doc()
    }

    fn size_hint(&self) -> u32 {
        self.matches.size_hint()
    }

    fn cost(&self) -> u64 {
        self.matches.cost()
    }
}

impl Scorer for IntersectedWordsScorer {
    fn score(&mut self) -> Score {
        let doc = self.matches.doc();
        let mut score = self.matches.score();
        for word in &mut self.dense_scores {
            score += word.score_on(doc);
        }
        score
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tantivy::collector::{Count, TopDocs};
    use tantivy::query::{BooleanQuery, TermQuery};
    use tantivy::schema::{Field, STORED, Schema, TEXT};
    use tantivy::{DocAddress, Index, Searcher, doc};

    /// Titles and bodies with "red" and "shoe" in many documents, "mid" in 33, "rare" in 3,
    /// and the typos "rod" and "shoes".
    fn index() -> tantivy::Result<(Searcher, Field, Field)> {
        let mut schema = Schema::builder();
        let title = schema.add_text_field("title", TEXT | STORED);
        let body = schema.add_text_field("body", TEXT);
        let index = Index::create_in_ram(schema.build());
        let mut writer = index.writer_with_num_threads(1, 15_000_000)?;
        let texts = [
            ("red shoe", "a shoe"),
            ("red hat", "warm"),
            ("blue shoes", "red laces"),
            ("green", "nothing"),
            ("shoe", "shoe shoe"),
            ("rod", "red shoe"),
        ];
        for i in 0..300 {
            for (t, b) in texts {
                writer.add_document(doc!(title => t, body => b))?;
            }
            if i % 10 == 0 {
                writer.add_document(doc!(title => "mid red shoe", body => "mid"))?;
            }
            if i % 100 == 0 {
                writer.add_document(doc!(title => "rare red shoe", body => "rare mid"))?;
            }
        }
        writer.commit()?;
        Ok((index.reader()?.searcher(), title, body))
    }

    fn term_query(field: Field, word: &str) -> Box<dyn Query> {
        let term = Term::from_field_text(field, word);
        Box::new(TermQuery::new(term, IndexRecordOption::WithFreqs))
    }

    fn loose(field: Field, word: &str) -> LooseTermQuery {
        LooseTermQuery::new(Term::from_field_text(field, word), 1, false)
    }

    /// `word` in both fields, with its one-typo variants in the title.
    fn ours(fields: [Field; 2], word: &str) -> IntersectedWord {
        let terms = fields.map(|f| Term::from_field_text(f, word)).to_vec();
        let scored = Vec::from(fields.map(|f| term_query(f, word)));
        IntersectedWord::new(terms, Some(loose(fields[0], word)), scored)
    }

    fn theirs(fields: [Field; 2], word: &str) -> Box<dyn Query> {
        let mut parts = Vec::from(fields.map(|f| term_query(f, word)));
        parts.push(Box::new(loose(fields[0], word)));
        Box::new(BooleanQuery::union(parts))
    }

    fn scored_hits(
        searcher: &Searcher,
        query: &dyn Query,
    ) -> tantivy::Result<Vec<(f32, DocAddress)>> {
        let mut hits = searcher.search(query, &TopDocs::with_limit(5000).order_by_score())?;
        hits.sort_by_key(|(_, address)| *address);
        Ok(hits)
    }

    /// The same matches and scores as tantivy's intersection of unions: for common words
    /// (read into the bitset), words read and sought together, and no match at all.
    #[test]
    fn matches_and_scores_like_an_intersection_of_unions() -> tantivy::Result<()> {
        let (searcher, title, body) = index()?;
        let fields = [title, body];
        for words in [
            &["red", "shoe"][..],
            &["shoe", "red", "rare"],
            &["mid", "rare", "red"],
            &["red", "purple"],
            &["green", "shoe"],
        ] {
            let ours = IntersectedWords::new(words.iter().map(|w| ours(fields, w)).collect());
            let theirs =
                BooleanQuery::intersection(words.iter().map(|w| theirs(fields, w)).collect());
            let (ours, theirs) = (
                scored_hits(&searcher, &ours)?,
                scored_hits(&searcher, &theirs)?,
            );
            assert_eq!(ours.len(), theirs.len(), "{words:?}");
            for ((score, doc), (their_score, their_doc)) in ours.iter().zip(&theirs) {
                assert_eq!(doc, their_doc, "{words:?}");
                assert!(
                    (score - their_score).abs() < 1e-4,
                    "{words:?}: {score} vs {their_score}"
                );
            }
        }
        let count = |words: &[&str]| {
            let query = IntersectedWords::new(words.iter().map(|w| ours(fields, w)).collect());
            searcher.search(&query, &Count)
        };
        // Both words (or one typo away: "shoes", "rod") in the 1st, 3rd and 6th texts, and in
        // the mid and rare documents.
        assert_eq!(count(&["red", "shoe"])?, 3 * 300 + 30 + 3);
        assert_eq!(count(&["red", "shoe", "rare"])?, 3);
        assert_eq!(count(&["mid", "rare", "red"])?, 3);
        assert_eq!(count(&["red", "purple"])?, 0);
        Ok(())
    }

    /// Beside "rare", "mid" is read into the bitset and "red", 40 times as common, is sought;
    /// "rare" itself is too rare to read. The matches are the same either way (above).
    #[test]
    fn reads_common_words_and_seeks_rare_ones() -> tantivy::Result<()> {
        let (searcher, title, body) = index()?;
        let reader = searcher.segment_reader(0);
        let scoring = EnableScoring::disabled_from_searcher(&searcher);
        let mut costs = Vec::new();
        for word in ["rare", "mid", "red"] {
            let weight = ours([title, body], word).weight(scoring)?;
            costs.push(weight.in_segment(reader)?.cost);
        }
        let read: Vec<bool> = costs
            .iter()
            .map(|cost| is_read(*cost, costs[0], reader.max_doc()))
            .collect();
        assert_eq!(read, [false, true, false], "costs {costs:?}");
        Ok(())
    }
}
