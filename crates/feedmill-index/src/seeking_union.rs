//! [`SeekingUnion`]: the union of one word's clauses (its fields, its variants), for a word that
//! is intersected with filters, or is rare among several words ([`crate::intersected_word`]).
//!
//! tantivy's union of scorers buffers windows of 4,096 documents: a `seek` beyond the window
//! clears its 16 KB of scores and refills the next window, reading and scoring every posting
//! of every part in it. That suits a union that is read from end to end, but an intersection
//! led by a rarer clause seeks it once per candidate, so each word costs the BM25 of all its
//! postings, whatever the intersection keeps. This union seeks its parts instead (each by its
//! skip list) and scores only the documents the intersection lands on, summing the scores of
//! the parts on that document, as tantivy's union does.

use tantivy::query::{EnableScoring, Explanation, Query, Scorer, Weight};
use tantivy::{DocId, DocSet, Score, SegmentReader, TERMINATED, TantivyError};

/// Matches what any of its clauses matches; the score is the sum of theirs.
#[derive(Debug)]
pub(crate) struct SeekingUnion {
    clauses: Vec<Box<dyn Query>>,
}

impl SeekingUnion {
    pub fn new(clauses: Vec<Box<dyn Query>>) -> SeekingUnion {
        SeekingUnion { clauses }
    }
}

impl Clone for SeekingUnion {
    fn clone(&self) -> SeekingUnion {
        SeekingUnion {
            clauses: self
                .clauses
                .iter()
                .map(|clause| clause.box_clone())
                .collect(),
        }
    }
}

impl Query for SeekingUnion {
    fn weight(&self, scoring: EnableScoring<'_>) -> tantivy::Result<Box<dyn Weight>> {
        let weights = self
            .clauses
            .iter()
            .map(|clause| clause.weight(scoring))
            .collect::<tantivy::Result<_>>()?;
        Ok(Box::new(SeekingUnionWeight { weights }))
    }

    fn query_terms<'a>(&'a self, visitor: &mut dyn FnMut(&'a tantivy::Term, bool)) {
        for clause in &self.clauses {
            clause.query_terms(visitor);
        }
    }
}

struct SeekingUnionWeight {
    weights: Vec<Box<dyn Weight>>,
}

impl Weight for SeekingUnionWeight {
    fn scorer(&self, reader: &SegmentReader, boost: Score) -> tantivy::Result<Box<dyn Scorer>> {
        let mut parts = Vec::with_capacity(self.weights.len());
        for weight in &self.weights {
            let part = weight.scorer(reader, boost)?;
            if part.doc() != TERMINATED {
                parts.push(part);
            }
        }
        Ok(Box::new(SeekingUnionScorer::new(parts)))
    }

    fn explain(&self, reader: &SegmentReader, doc: DocId) -> tantivy::Result<Explanation> {
        let parts: Vec<Explanation> = self
            .weights
            .iter()
            .filter_map(|weight| weight.explain(reader, doc).ok())
            .collect();
        if parts.is_empty() {
            return Err(TantivyError::InvalidArgument(format!(
                "document {doc} does not match"
            )));
        }
        let mut explanation =
            Explanation::new("sum of", parts.iter().map(Explanation::value).sum());
        for part in parts {
            explanation.add_detail(part);
        }
        Ok(explanation)
    }
}

/// One clause's scorer and the document it is on (kept here: reading it back is a virtual
/// call, and the union compares every part's document at every step).
pub(crate) struct Part {
    scorer: Box<dyn Scorer>,
    doc: DocId,
}

impl Part {
    pub fn new(scorer: Box<dyn Scorer>) -> Part {
        Part {
            doc: scorer.doc(),
            scorer,
        }
    }

    /// The part's score on `doc`, seeking it there; 0.0 when it does not match `doc`. Documents
    /// are asked in increasing order.
    pub fn score_on(&mut self, doc: DocId) -> Score {
        if self.doc < doc {
            self.doc = self.scorer.seek(doc);
        }
        if self.doc == doc {
            self.scorer.score()
        } else {
            0.0
        }
    }
}

/// The parts, each positioned on or after the current document; the current document is the
/// smallest of theirs.
pub(crate) struct SeekingUnionScorer {
    parts: Vec<Part>,
    doc: DocId,
}

impl SeekingUnionScorer {
    pub fn new(scorers: Vec<Box<dyn Scorer>>) -> SeekingUnionScorer {
        let parts = scorers.into_iter().map(Part::new).collect();
        let mut scorer = SeekingUnionScorer {
            parts,
            doc: TERMINATED,
        };
        scorer.settle();
        scorer
    }

    /// Takes the smallest document of the parts, dropping the finished ones.
    fn settle(&mut self) -> DocId {
        let mut smallest = TERMINATED;
        let mut finished = false;
        for part in &self.parts {
            smallest = smallest.min(part.doc);
            finished |= part.doc == TERMINATED;
        }
        if finished {
            self.parts.retain(|part| part.doc != TERMINATED);
        }
        self.doc = smallest;
        smallest
    }
}

impl DocSet for SeekingUnionScorer {
    fn advance(&mut self) -> DocId {
        let current = self.doc;
        for part in &mut self.parts {
            if part.doc == current {
                part.doc = part.scorer.advance();
            }
        }
        self.settle()
    }

    fn seek(&mut self, target: DocId) -> DocId {
        if self.doc >= target {
            return self.doc;
        }
        for part in &mut self.parts {
            if part.doc < target {
                part.doc = part.scorer.seek(target);
            }
        }
        self.settle()
    }

    fn doc(&self) -> DocId {
        self.doc
    }

    fn size_hint(&self) -> u32 {
        let hints = self.parts.iter().map(|part| part.scorer.size_hint());
        hints.max().unwrap_or(0)
    }

    fn cost(&self) -> u64 {
        self.parts.iter().map(|part| part.scorer.cost()).sum()
    }
}

impl Scorer for SeekingUnionScorer {
    fn score(&mut self) -> Score {
        let current = self.doc;
        let mut score = 0.0;
        for part in &mut self.parts {
            if part.doc == current {
                score += part.scorer.score();
            }
        }
        score
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tantivy::collector::{Count, TopDocs};
    use tantivy::query::{BooleanQuery, TermQuery};
    use tantivy::schema::{IndexRecordOption, STORED, Schema, TEXT};
    use tantivy::{Index, Term, doc};

    /// Two text fields; documents with "red" or "shoe" in either, in several combinations.
    fn index() -> (Index, tantivy::schema::Field, tantivy::schema::Field) {
        let mut schema = Schema::builder();
        let title = schema.add_text_field("title", TEXT | STORED);
        let body = schema.add_text_field("body", TEXT);
        let index = Index::create_in_ram(schema.build());
        let mut writer = index
            .writer_with_num_threads(1, 15_000_000)
            .expect("writer");
        let texts = [
            ("red shoe", "a shoe"),
            ("red hat", "warm"),
            ("blue shoe", "red laces"),
            ("green", "nothing"),
            ("shoe", "shoe shoe"),
            ("red", "red shoe"),
        ];
        for _ in 0..300 {
            for (t, b) in texts {
                writer
                    .add_document(doc!(title => t, body => b))
                    .expect("add");
            }
        }
        writer.commit().expect("commit");
        (index, title, body)
    }

    fn word(fields: &[tantivy::schema::Field], text: &str) -> Vec<Box<dyn Query>> {
        fields
            .iter()
            .map(|field| {
                let term = Term::from_field_text(*field, text);
                Box::new(TermQuery::new(term, IndexRecordOption::WithFreqs)) as Box<dyn Query>
            })
            .collect()
    }

    /// The same matches and scores as tantivy's union, alone and inside an intersection.
    #[test]
    fn matches_and_scores_like_tantivys_union() -> tantivy::Result<()> {
        let (index, title, body) = index();
        let searcher = index.reader()?.searcher();
        let fields = [title, body];
        let top = || TopDocs::with_limit(2000).order_by_score();
        for (ours, theirs) in [
            (
                Box::new(SeekingUnion::new(word(&fields, "red"))) as Box<dyn Query>,
                Box::new(BooleanQuery::union(word(&fields, "red"))) as Box<dyn Query>,
            ),
            (
                Box::new(BooleanQuery::intersection(vec![
                    Box::new(SeekingUnion::new(word(&fields, "red"))),
                    Box::new(SeekingUnion::new(word(&fields, "shoe"))),
                ])),
                Box::new(BooleanQuery::intersection(vec![
                    Box::new(BooleanQuery::union(word(&fields, "red"))),
                    Box::new(BooleanQuery::union(word(&fields, "shoe"))),
                ])),
            ),
        ] {
            let (mut ours, count) = searcher.search(ours.as_ref(), &(top(), Count))?;
            let (mut theirs, their_count) = searcher.search(theirs.as_ref(), &(top(), Count))?;
            assert_eq!(count, their_count);
            assert!(count > 0);
            ours.sort_by_key(|(_, address)| *address);
            theirs.sort_by_key(|(_, address)| *address);
            for ((score, doc), (their_score, their_doc)) in ours.iter().zip(&theirs) {
                assert_eq!(doc, their_doc);
                assert!(
                    (score - their_score).abs() < 1e-4,
                    "{score} vs {their_score}"
                );
            }
        }
        Ok(())
    }

    #[test]
    fn a_union_of_nothing_matches_nothing() -> tantivy::Result<()> {
        let (index, title, _) = index();
        let searcher = index.reader()?.searcher();
        let query = SeekingUnion::new(word(&[title], "purple"));
        assert_eq!(searcher.search(&query, &Count)?, 0);
        let explained = SeekingUnion::new(word(&[title], "red"))
            .explain(&searcher, tantivy::DocAddress::new(0, 0));
        assert!(explained.is_ok_and(|e| e.value() > 0.0));
        Ok(())
    }
}
