//! Title analysis: word tokens, model codes, units, colours and pack counts.
//!
//! A title is lower-cased and cut into chunks of letters, digits and the separators that live
//! inside model codes (`-` `/` `.` `,`). A chunk gives its parts as word tokens (`tl-sg1016` →
//! `tl`, `sg1016`) and, when it mixes letters and digits, one model code with the separators
//! removed (`tlsg1016`, `9hlf4lbdbe`). A number followed by a unit (`16gb`, `2 tb`, `500ml`) is a
//! [`Unit`], never a model code, so `16GB` and `32GB` stay different products; colour words and
//! pack counts (`2x`, `3-pack`, `6er`) are variants of their own.

/// Stable 64-bit FNV-1a hash: token ids must be the same on every run and machine (std's
/// hasher is randomly seeded), and this is the cheapest hash that spreads short strings well.
pub fn token_hash(bytes: &[u8]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in bytes {
        hash ^= u64::from(*byte);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    hash
}

/// A measured quantity: the canonical unit and the value as written (`16gb` → `gb`, `16`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Unit {
    pub unit: &'static str,
    pub value: String,
}

/// Everything read from one text field.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct TextAnalysis {
    /// Word tokens (parts of chunks) and joined codes, in order, duplicates kept.
    pub tokens: Vec<String>,
    /// Model codes, normalized (lower case, no separators), in order of appearance.
    pub model_codes: Vec<String>,
    pub units: Vec<Unit>,
    /// Bit per colour family of [`COLOURS`].
    pub colours: u32,
    /// Bare numbers (not part of a unit or a code).
    pub numbers: Vec<String>,
}

/// Unit spellings and their canonical form. Several languages; the benchmark offers are
/// multilingual and so are the feeds.
#[rustfmt::skip]
const UNITS: &[(&str, &str)] = &[
    ("gb", "gb"), ("g", "g"), ("gig", "gb"), ("tb", "tb"), ("mb", "mb"), ("kb", "kb"),
    ("ghz", "ghz"), ("mhz", "mhz"), ("hz", "hz"), ("mm", "mm"), ("cm", "cm"), ("m", "m"),
    ("in", "in"), ("inch", "in"), ("zoll", "in"), ("w", "w"), ("kw", "kw"), ("v", "v"),
    ("mah", "mah"), ("ah", "ah"), ("ml", "ml"), ("l", "l"), ("kg", "kg"), ("gr", "g"), ("oz", "oz"),
    ("lb", "lb"), ("lbs", "lb"), ("mp", "mp"), ("fps", "fps"), ("p", "p"), ("k", "k"), ("ft", "ft"),
    ("ms", "ms"), ("db", "db"), ("rpm", "rpm"), ("mbps", "mbps"), ("gbps", "gbps"),
    ("mbit", "mbps"), ("gbit", "gbps"), ("x", "pack"), ("pack", "pack"), ("pk", "pack"),
    ("pcs", "pack"), ("pc", "pack"), ("stk", "pack"), ("st", "pack"), ("er", "pack"),
    ("count", "pack"), ("ct", "pack"), ("gen", "gen"), ("th", "gen"), ("nd", "gen"), ("rd", "gen"),
    ("eu", "size"), ("us", "size"), ("uk", "size"), ("cores", "core"), ("core", "core"),
    ("bit", "bit"), ("mpx", "mp"), ("a", "a"),
];

/// Colour families: a word of any listed language sets the family's bit (words that are also
/// common words elsewhere, such as French `or`, are left out).
#[rustfmt::skip]
pub const COLOURS: &[&[&str]] = &[
    &["black", "schwarz", "noir", "negro", "nero", "zwart", "svart", "preto", "czarny"],
    &["white", "weiss", "weiß", "blanc", "blanco", "bianco", "wit", "vit", "branco", "bialy"],
    &["red", "rot", "rouge", "rojo", "rosso", "rood", "röd"],
    &["blue", "blau", "bleu", "azul", "blu", "blauw", "blå", "navy"],
    &["green", "grün", "gruen", "vert", "verde", "groen", "grön"],
    &["silver", "silber", "argent", "plata", "argento", "zilver"],
    &["grey", "gray", "grau", "gris", "grigio", "grijs", "grå", "graphite", "anthracite"],
    &["gold", "oro", "goud", "dorado"],
    &["pink", "rosa", "rose", "roze"],
    &["yellow", "gelb", "jaune", "amarillo", "giallo", "geel", "gul"],
    &["orange", "naranja", "arancione", "oranje"],
    &["purple", "violet", "lila", "morado", "viola", "paars"],
    &["brown", "braun", "marron", "marrón", "marrone", "bruin", "brun"],
    &["beige", "cream", "ivory", "creme"],
];

fn canonical_unit(word: &str) -> Option<&'static str> {
    UNITS
        .iter()
        .find(|(spelling, _)| *spelling == word)
        .map(|(_, unit)| *unit)
}

fn colour_bit(word: &str) -> u32 {
    for (index, family) in COLOURS.iter().enumerate() {
        if family.contains(&word) {
            return 1 << index;
        }
    }
    0
}

fn is_code_separator(c: char) -> bool {
    matches!(c, '-' | '/' | '.' | ',')
}

/// Splits `number+unit` (`16gb`, `3.5in`, `2x`) into its parts when the suffix is a unit.
fn split_unit(chunk: &str) -> Option<Unit> {
    let digits_end = chunk
        .char_indices()
        .find(|(_, c)| !(c.is_ascii_digit() || *c == '.' || *c == ','))
        .map(|(i, _)| i)?;
    let (value, suffix) = chunk.split_at(digits_end);
    if value.is_empty() || !value.as_bytes()[0].is_ascii_digit() {
        return None;
    }
    let unit = canonical_unit(suffix)?;
    Some(Unit {
        unit,
        value: value.trim_end_matches(['.', ',']).replace(',', "."),
    })
}

/// Analyses one text field (title, name, MPN): see the module documentation.
pub fn analyse(text: &str) -> TextAnalysis {
    let lower = text.to_lowercase();
    let mut analysis = TextAnalysis::default();
    let chunks: Vec<&str> = lower
        .split(|c: char| !(c.is_alphanumeric() || is_code_separator(c)))
        .map(|chunk| chunk.trim_matches(is_code_separator))
        .filter(|chunk| !chunk.is_empty())
        .collect();
    let mut index = 0;
    while index < chunks.len() {
        let chunk = chunks[index];
        let next_unit = chunks.get(index + 1).and_then(|next| canonical_unit(next));
        let is_number = chunk
            .bytes()
            .all(|b| b.is_ascii_digit() || b == b'.' || b == b',');
        if is_number && let Some(unit) = next_unit {
            analysis.units.push(Unit {
                unit,
                value: chunk.replace(',', "."),
            });
            analysis.tokens.push(chunk.to_string());
            index += 2;
            continue;
        }
        add_chunk(&mut analysis, chunk);
        index += 1;
    }
    analysis
}

fn add_chunk(analysis: &mut TextAnalysis, chunk: &str) {
    if let Some(unit) = split_unit(chunk) {
        analysis.tokens.push(chunk.replace(',', "."));
        analysis.units.push(unit);
        return;
    }
    let parts: Vec<&str> = chunk
        .split(is_code_separator)
        .filter(|p| !p.is_empty())
        .collect();
    let mut index = 0;
    while index < parts.len() {
        let part = parts[index];
        analysis.colours |= colour_bit(part);
        analysis.tokens.push(part.to_string());
        if let Some(unit) = split_unit(part) {
            analysis.units.push(unit);
        } else if part.bytes().all(|b| b.is_ascii_digit()) {
            // `3-pack`: a number and its unit written with a separator.
            match parts.get(index + 1).and_then(|next| canonical_unit(next)) {
                Some(unit) => {
                    analysis.units.push(Unit {
                        unit,
                        value: part.to_string(),
                    });
                    analysis.tokens.push(parts[index + 1].to_string());
                    index += 1;
                }
                None => analysis.numbers.push(part.to_string()),
            }
        }
        index += 1;
    }
    let joined: String = parts.concat();
    if parts.len() > 1 && joined.bytes().any(|b| b.is_ascii_digit()) {
        analysis.tokens.push(joined.clone());
    }
    if is_model_code(&joined, parts.len()) {
        analysis.model_codes.push(joined);
    }
}

/// A model code mixes letters and digits (`wd20efrx`, `70d`), or is a long number written with
/// separators (`0-7356-1967-0`); `16gb`-like units never get here.
fn is_model_code(joined: &str, num_parts: usize) -> bool {
    let has_digit = joined.bytes().any(|b| b.is_ascii_digit());
    let has_letter = joined.chars().any(char::is_alphabetic);
    let long_separated_number = !has_letter && num_parts > 1 && joined.len() >= 6;
    (has_digit && has_letter && joined.chars().count() >= 3) || long_separated_number
}

/// The comparison form of a model code or MPN: lower case, letters and digits only
/// (`TL-SG1016` → `tlsg1016`, `9H.LF4LB.DBE` → `9hlf4lbdbe`).
pub fn normalize_code(raw: &str) -> String {
    raw.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn codes(title: &str) -> Vec<String> {
        analyse(title).model_codes
    }

    #[test]
    fn model_codes_are_read_from_titles_and_normalized() {
        assert_eq!(codes("WD Red 2TB WD20EFRX NAS"), vec!["wd20efrx"]);
        assert_eq!(codes("TP-Link TL-SG1016 switch"), vec!["tlsg1016"]);
        assert_eq!(
            codes("Corsair CMK16GX4M4A2400C16 kit"),
            vec!["cmk16gx4m4a2400c16"]
        );
        assert_eq!(codes("BenQ lamp 9H.LF4LB.DBE"), vec!["9hlf4lbdbe"]);
        assert_eq!(codes("tl sg/1016"), vec!["sg1016"]);
    }

    #[test]
    fn separators_and_case_do_not_change_a_code() {
        for spelling in ["TL-SG1016", "tl/sg1016", "TL.SG1016", "tlsg1016"] {
            assert_eq!(normalize_code(spelling), "tlsg1016", "{spelling}");
        }
        assert_eq!(codes("TL-SG1016"), codes("tl.sg1016"));
    }

    #[test]
    fn units_are_not_model_codes_and_keep_their_value() {
        let analysis = analyse("Kingston 16GB DDR4 2 TB 3.5in 500 ml");
        assert!(
            analysis.model_codes.iter().all(|c| c != "16gb"),
            "{analysis:?}"
        );
        assert!(analysis.units.contains(&Unit {
            unit: "gb",
            value: "16".into()
        }));
        assert!(analysis.units.contains(&Unit {
            unit: "tb",
            value: "2".into()
        }));
        assert!(analysis.units.contains(&Unit {
            unit: "in",
            value: "3.5".into()
        }));
        assert!(analysis.units.contains(&Unit {
            unit: "ml",
            value: "500".into()
        }));
        assert_ne!(analyse("16GB").units, analyse("32GB").units);
    }

    #[test]
    fn pack_counts_sizes_and_colours_are_variants() {
        assert_eq!(
            analyse("batteries 4x AA").units[0],
            Unit {
                unit: "pack",
                value: "4".into()
            }
        );
        assert_eq!(
            analyse("socks 3-pack").units[0],
            Unit {
                unit: "pack",
                value: "3".into()
            }
        );
        assert_eq!(
            analyse("shoe 42 EU").units[0],
            Unit {
                unit: "size",
                value: "42".into()
            }
        );
        let black = analyse("iPhone case black").colours;
        let schwarz = analyse("iPhone Hülle Schwarz").colours;
        assert_eq!(black, schwarz);
        assert_ne!(black, analyse("iPhone case white").colours);
        assert_eq!(analyse("iPhone case").colours, 0);
    }

    #[test]
    fn tokens_keep_parts_and_joined_codes() {
        let analysis = analyse("\"Canon EF-S 10-22mm\"@en");
        assert!(analysis.tokens.contains(&"canon".to_string()));
        assert!(analysis.tokens.contains(&"ef".to_string()));
        assert!(analysis.tokens.contains(&"en".to_string()));
        assert_eq!(analyse("ABC").model_codes, Vec::<String>::new());
        assert_eq!(analyse("model 2000").numbers, vec!["2000"]);
    }

    #[test]
    fn token_hash_is_stable() {
        assert_eq!(token_hash(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(token_hash(b"a"), 0xaf63_dc4c_8601_ec8c);
    }
}
