//! The labelled pair format of the public matching benchmarks (WDC, Magellan):
//! `LEFT<TAB>RIGHT<TAB>LABEL`, each side a sequence of `COL <attribute> VAL <value>` segments,
//! label `1` (same product) or `0`. A malformed line is an error naming its line number.

use crate::MatchError;
use crate::record::ProductRecord;
use std::io::BufRead;

/// One labelled pair.
#[derive(Debug, Clone, PartialEq)]
pub struct LabelledPair {
    pub left: ProductRecord,
    pub right: ProductRecord,
    pub is_match: bool,
}

/// Reads every pair of `reader`; stops at the first malformed line.
pub fn read_pairs(reader: impl BufRead) -> Result<Vec<LabelledPair>, MatchError> {
    let mut pairs = Vec::new();
    for (index, line) in reader.lines().enumerate() {
        let line_number = index + 1;
        let line = line.map_err(|source| MatchError::Read {
            line: line_number,
            source,
        })?;
        let line = line.trim_end_matches('\r');
        if line.trim().is_empty() {
            continue;
        }
        let pair = parse_pair(line).map_err(|reason| MatchError::MalformedPair {
            line: line_number,
            reason,
        })?;
        pairs.push(pair);
    }
    Ok(pairs)
}

/// Parses one line of the pair format.
pub fn parse_pair(line: &str) -> Result<LabelledPair, String> {
    let fields: Vec<&str> = line.split('\t').collect();
    let [left, right, label] = fields[..] else {
        return Err(format!(
            "expected 3 tab-separated fields, found {}",
            fields.len()
        ));
    };
    let is_match = match label.trim() {
        "1" => true,
        "0" => false,
        other => return Err(format!("label must be 0 or 1, found {other:?}")),
    };
    let left = parse_side(left).map_err(|reason| format!("left offer: {reason}"))?;
    let right = parse_side(right).map_err(|reason| format!("right offer: {reason}"))?;
    Ok(LabelledPair {
        left,
        right,
        is_match,
    })
}

/// Parses `COL a VAL x COL b VAL y` into a record.
pub fn parse_side(side: &str) -> Result<ProductRecord, String> {
    let Some(body) = side.strip_prefix("COL ") else {
        return Err("does not start with \"COL <attribute> VAL\"".to_string());
    };
    let mut record = ProductRecord::default();
    for segment in body.split(" COL ") {
        let Some((name, value)) = segment.split_once(" VAL") else {
            return Err(format!(
                "attribute segment {:?} has no VAL",
                truncate(segment)
            ));
        };
        let name = name.trim();
        if name.is_empty() || name.contains(' ') {
            return Err(format!("bad attribute name {:?}", truncate(name)));
        }
        record.set_attribute(name, value);
    }
    Ok(record)
}

fn truncate(text: &str) -> String {
    text.chars().take(40).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_segments_with_empty_values() {
        let line = "COL title VAL  \"WD Red 2TB\"@en COL price VAL  \tCOL title VAL WD20EFRX\t1";
        let pair = parse_pair(line).expect("valid line");
        assert_eq!(pair.left.title, "\"WD Red 2TB\"@en");
        assert_eq!(pair.left.price, None);
        assert_eq!(pair.right.title, "WD20EFRX");
        assert!(pair.is_match);
    }

    #[test]
    fn errors_name_the_line_and_the_reason() {
        let input = "COL title VAL a\tCOL title VAL b\t0\n\nCOL title VAL a\tCOL title VAL b\t2\n";
        let err = read_pairs(input.as_bytes()).expect_err("bad label");
        assert_eq!(err.to_string(), "line 3: label must be 0 or 1, found \"2\"");
        let err = read_pairs("COL title VAL a\t0\n".as_bytes()).expect_err("two fields");
        assert_eq!(
            err.to_string(),
            "line 1: expected 3 tab-separated fields, found 2"
        );
        let err = read_pairs("title a\tCOL title VAL b\t1".as_bytes()).expect_err("no COL");
        assert!(
            err.to_string()
                .starts_with("line 1: left offer: does not start"),
            "{err}"
        );
        let err = read_pairs("COL title VAL a\tCOL title b\t1".as_bytes()).expect_err("no VAL");
        assert!(
            err.to_string().contains("right offer: attribute segment"),
            "{err}"
        );
    }
}
