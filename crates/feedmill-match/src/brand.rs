//! A brand dictionary learned from the brand fields of offers.
//!
//! Spellings are folded (`Hewlett-Packard`, `hewlett packard`, `HewlettPackard` are one key),
//! corporate suffixes dropped (`Speck Products`, `Sony Inc.`), and a multi-word brand whose first
//! word is itself a known brand becomes an alias of it (`Elite Screens` → `elite`). The
//! dictionary then finds a brand in a title when an offer's brand field is empty.

use std::collections::HashMap;

/// Words that name the company form, not the brand.
const CORPORATE_SUFFIXES: &[&str] = &[
    "inc",
    "ltd",
    "llc",
    "gmbh",
    "corp",
    "corporation",
    "co",
    "ag",
    "sa",
    "products",
    "company",
];

/// Longest brand name looked up in titles, in words.
const MAX_BRAND_WORDS: usize = 3;

#[derive(Debug, Default, Clone)]
pub struct BrandDictionary {
    /// Folded spelling (words joined by one space, or all words run together) → canonical brand.
    aliases: HashMap<String, String>,
}

/// The words of a brand name: lower case, letters and digits, corporate suffixes removed.
fn brand_words(raw: &str) -> Vec<String> {
    let lower = raw.to_lowercase();
    let mut words: Vec<String> = lower
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_string)
        .collect();
    while words.len() > 1
        && words
            .last()
            .is_some_and(|w| CORPORATE_SUFFIXES.contains(&w.as_str()))
    {
        words.pop();
    }
    words
}

impl BrandDictionary {
    /// Learns the dictionary from brand field values (empty values are ignored).
    pub fn learn<'a>(brand_fields: impl IntoIterator<Item = &'a str>) -> BrandDictionary {
        let mut canonical: Vec<Vec<String>> = Vec::new();
        let mut seen = std::collections::HashSet::new();
        for raw in brand_fields {
            let words = brand_words(raw);
            let usable = words.first().is_some_and(|w| w.chars().count() >= 2);
            if usable && seen.insert(words.join(" ")) {
                canonical.push(words);
            }
        }
        // Shorter names first, so that `elite` exists before `elite screens` looks for it.
        canonical.sort_by(|a, b| a.len().cmp(&b.len()).then_with(|| a.cmp(b)));
        let mut dictionary = BrandDictionary::default();
        for words in canonical {
            let spaced = words.join(" ");
            let target = match dictionary.aliases.get(&words[0]) {
                Some(shorter) if words.len() > 1 => shorter.clone(),
                _ => spaced.clone(),
            };
            dictionary
                .aliases
                .entry(words.concat())
                .or_insert_with(|| target.clone());
            dictionary.aliases.entry(spaced).or_insert(target);
        }
        dictionary
    }

    pub fn is_empty(&self) -> bool {
        self.aliases.is_empty()
    }

    /// The canonical brand of a brand field value; unknown brands are folded the same way, so
    /// two unknown spellings of one name still compare equal.
    pub fn canonical(&self, raw: &str) -> Option<String> {
        let words = brand_words(raw);
        if words.is_empty() {
            return None;
        }
        let spaced = words.join(" ");
        let known = self
            .aliases
            .get(&spaced)
            .or_else(|| self.aliases.get(&words.concat()));
        Some(known.cloned().unwrap_or(spaced))
    }

    /// The first known brand in a title's words (longest name at the earliest position).
    pub fn find_in_title(&self, words: &[&str]) -> Option<String> {
        if self.aliases.is_empty() {
            return None;
        }
        for start in 0..words.len() {
            for len in (1..=MAX_BRAND_WORDS.min(words.len() - start)).rev() {
                let spaced = words[start..start + len].join(" ");
                if let Some(brand) = self.aliases.get(&spaced) {
                    return Some(brand.clone());
                }
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spellings_fold_to_one_brand() {
        let brands = BrandDictionary::learn(["Hewlett-Packard", "Sony Inc.", ""]);
        assert_eq!(
            brands.canonical("hewlett packard").as_deref(),
            Some("hewlett packard")
        );
        assert_eq!(
            brands.canonical("HewlettPackard").as_deref(),
            Some("hewlett packard")
        );
        assert_eq!(brands.canonical("SONY").as_deref(), Some("sony"));
        assert_eq!(brands.canonical("  "), None);
    }

    #[test]
    fn longer_names_become_aliases_of_a_known_first_word() {
        let brands = BrandDictionary::learn(["Elite Screens", "Elite", "Speck Products", "Speck"]);
        assert_eq!(brands.canonical("Elite Screens").as_deref(), Some("elite"));
        assert_eq!(brands.canonical("speck products").as_deref(), Some("speck"));
    }

    #[test]
    fn a_brand_is_found_in_a_title_when_the_field_is_empty() {
        let brands = BrandDictionary::learn(["Western Digital", "Canon"]);
        let title = ["buy", "western", "digital", "red", "2tb"];
        assert_eq!(
            brands.find_in_title(&title).as_deref(),
            Some("western digital")
        );
        assert_eq!(
            brands.find_in_title(&["new", "canon", "eos"]).as_deref(),
            Some("canon")
        );
        assert_eq!(brands.find_in_title(&["no", "brand", "here"]), None);
        assert_eq!(BrandDictionary::default().find_in_title(&["canon"]), None);
    }
}
