//! The synthetic catalogue: products (brand, kind, model, colour, size, GTIN), the merchants that
//! sell them, and one merchant's offer of one product as an [`OfferRecord`] ready to be written
//! in any feed format.
//!
//! Everything about product `p` comes from the random stream `(seed, PRODUCT, p)` and everything
//! about its `j`-th offer from `(seed, OFFER, p, j)`, so a record never depends on the records
//! before it: generating is stateless apart from the order (see [`crate::schedule`]).

use crate::gen_format::GenFormat;
use crate::rng::{SplitMix64, Zipf};
use crate::vocabulary::{
    AT, BRANDS, CA, COLOURS, DE, DK, FEATURES, FI, KINDS, Kind, MERCHANT_FIRST, MERCHANT_SECOND,
    MODEL_SUFFIXES, MODELS, Market, NL, NO, PL, SE, UK, US,
};

/// Merchants per feed; prime, so `base + j * stride` visits distinct merchants for every `j`.
pub const NUM_MERCHANTS: u64 = 97;
/// Products of deliberately bad records are numbered from here, apart from the good ones (whose
/// numbers stay below it for any feed under ~1.8 billion offers).
pub const BAD_PRODUCT_BASE: u64 = 900_000_000;
/// GS1 country prefixes GTINs start with (DE, SE, NO, DK, FI, GB, NL, PL).
const GTIN_PREFIXES: &[&str] = &[
    "400", "430", "731", "735", "700", "570", "641", "501", "871",
];
/// Brand popularity: Zipf exponent (≈ 1 in real catalogues).
const BRAND_ZIPF: f64 = 1.05;
/// 2025-01-01T00:00:00Z: update times fall in the 90 days after it.
const EPOCH: i64 = 1_735_689_600;

const STREAM_MARKET: u64 = 1;
const STREAM_PRODUCT: u64 = 2;
const STREAM_OFFER: u64 = 3;

/// A shop selling in one market.
#[derive(Debug, Clone)]
pub struct Merchant {
    /// Network-wide merchant id (Awin `merchant_id`, Adtraction program id).
    pub id: u32,
    pub name: String,
    /// ASCII host name, e.g. `nordsport-se.example`.
    pub host: String,
    /// ASCII code used in SKUs and PartnerBoost's `mcid`, e.g. `nordsport`.
    pub code: String,
    pub market: Market,
    /// How this merchant words its titles (0..3).
    pub style: u8,
}

/// One merchant's offer of one product: the fields every format writes, in neutral form.
#[derive(Debug, Clone)]
pub struct OfferRecord<'a> {
    /// 0-based position of the record in the feed.
    pub position: u64,
    pub product: u64,
    /// Which of the product's offers this is (0-based).
    pub offer: u64,
    pub merchant: &'a Merchant,
    pub sku: String,
    /// 13 digits with a valid check digit, or the placeholder `0000000000000`.
    pub gtin: String,
    pub mpn: String,
    pub brand: &'static str,
    pub title: String,
    pub description: String,
    pub category: [&'static str; 3],
    pub colour: &'static str,
    /// Empty when the kind has no sizes.
    pub size: &'static str,
    /// Price to pay, in minor units; `None` = no price at all (a bad record).
    pub price: Option<i64>,
    /// The regular price when the offer is on sale.
    pub old_price: Option<i64>,
    /// ISO-4217: the merchant's market's, unless a price-change schedule moved it.
    pub currency: &'static str,
    pub shipping: i64,
    pub in_stock: bool,
    pub stock_quantity: u32,
    /// `None` = the record has no URL at all (a bad record).
    pub product_url: Option<String>,
    pub image_url: String,
    /// Unix seconds.
    pub updated_at: i64,
}

/// The per-feed tables: the brand law and the merchants.
#[derive(Debug, Clone)]
pub struct Catalogue {
    seed: u64,
    brands: Zipf,
    merchants: Vec<Merchant>,
}

impl Catalogue {
    pub fn new(format: GenFormat, seed: u64) -> Catalogue {
        let markets = markets_of(format);
        let merchants = (0..NUM_MERCHANTS)
            .map(|m| {
                let mut rng = SplitMix64::derive(seed, &[STREAM_MARKET, m]);
                merchant(m, *rng.pick(markets))
            })
            .collect();
        Catalogue {
            seed,
            brands: Zipf::new(BRANDS.len(), BRAND_ZIPF),
            merchants,
        }
    }

    /// The `offer`-th offer (0-based, < 8) of product `product`, at feed position `position`.
    pub fn offer(&self, product: u64, offer: u64, position: u64) -> OfferRecord<'_> {
        let item = self.product(product);
        let merchant_index = (item.first_merchant + offer * item.stride) % NUM_MERCHANTS;
        let merchant = &self.merchants[merchant_index as usize];
        let mut rng = SplitMix64::derive(self.seed, &[STREAM_OFFER, product, offer]);
        let market = &merchant.market;
        let colour = item.colour[market.language.index()];
        let (price, old_price) = offer_prices(&mut rng, item.base_price, market);
        let in_stock = !rng.chance(0.08);
        let slug = slugify(&format!(
            "{} {} {} {} {}",
            item.brand, item.model, item.kind.name, item.colour[0], item.size
        ));
        OfferRecord {
            position,
            product,
            offer,
            merchant,
            sku: format!("{}-{product:07}", merchant.code),
            gtin: gtin(product, item.brand_index),
            mpn: format!("{}-{:07}", brand_code(item.brand), product % 10_000_000),
            brand: item.brand,
            title: title(&item, merchant, colour),
            description: item.description(colour),
            category: item.kind.category,
            colour,
            size: item.size,
            price: Some(price),
            old_price,
            currency: market.currency,
            shipping: if rng.chance(0.3) { 0 } else { market.shipping },
            in_stock,
            stock_quantity: if in_stock {
                rng.range(1, 250) as u32
            } else {
                0
            },
            product_url: Some(format!("https://www.{}/p/{slug}-{product}", merchant.host)),
            image_url: format!(
                "https://cdn.{}/img/{:03}/{product}.jpg",
                merchant.host,
                product % 1000
            ),
            updated_at: EPOCH + rng.below(90 * 86_400) as i64,
        }
    }

    /// What every merchant's offer of product `product` shares.
    fn product(&self, product: u64) -> Product {
        let mut rng = SplitMix64::derive(self.seed, &[STREAM_PRODUCT, product]);
        let brand_index = self.brands.sample(&mut rng);
        let kind = rng.pick(KINDS);
        let model = format!("{}{}", rng.pick(MODELS), rng.pick(MODEL_SUFFIXES));
        let colour = rng.pick(COLOURS);
        let size = match kind.sizes {
            [] => "",
            sizes => rng.pick(sizes),
        };
        let base_price = log_uniform(&mut rng, kind.price_eur);
        let features = [*rng.pick(FEATURES), *rng.pick(FEATURES)];
        let num_features = rng.range(1, 2) as usize;
        Product {
            brand: BRANDS[brand_index],
            brand_index,
            kind,
            model,
            colour,
            size,
            base_price,
            features,
            num_features,
            first_merchant: rng.below(NUM_MERCHANTS),
            stride: 1 + rng.below(NUM_MERCHANTS - 1),
        }
    }
}

/// One product: its attributes, and which merchants offer it (`first_merchant + j · stride`).
struct Product {
    brand: &'static str,
    brand_index: usize,
    kind: &'static Kind,
    model: String,
    colour: &'static [&'static str; 4],
    size: &'static str,
    /// Euro cents.
    base_price: f64,
    features: [&'static str; 2],
    num_features: usize,
    first_merchant: u64,
    stride: u64,
}

impl Product {
    /// The manufacturer's text every merchant copies, with the colour in the merchant's language.
    fn description(&self, colour: &str) -> String {
        let mut text = format!(
            "{} {} {} in {colour}.",
            self.brand,
            self.model,
            self.kind.name.to_lowercase()
        );
        for feature in &self.features[..self.num_features] {
            text.push(' ');
            text.push_str(feature);
            text.push('.');
        }
        text
    }
}

/// Each format's merchants sell in the markets its network serves.
fn markets_of(format: GenFormat) -> &'static [Market] {
    match format {
        GenFormat::GoogleXml => &[SE, NO, DK, FI, DE, AT, NL, UK, US, PL],
        GenFormat::AwinCsv => &[DE, AT, NL, UK, SE, DK, PL],
        GenFormat::AdtractionXml => &[SE, SE, NO, DK, FI],
        GenFormat::PartnerboostJson => &[US, US, UK, CA, DE],
    }
}

fn merchant(m: u64, market: Market) -> Merchant {
    // (m % 18, (m + m / 18) % 11) is one-to-one for m < 198: merchant names never repeat.
    let first = MERCHANT_FIRST[(m % MERCHANT_FIRST.len() as u64) as usize];
    let second_index = (m + m / MERCHANT_FIRST.len() as u64) % MERCHANT_SECOND.len() as u64;
    let second = MERCHANT_SECOND[second_index as usize];
    let code = slugify(&format!("{first}{second}"));
    Merchant {
        // Distinct for every m: the id is half of the offer key on Awin and PartnerBoost.
        id: 10_000 + m as u32 * 613,
        name: format!("{first} {second}"),
        host: format!("{code}-{}.example", market.country.to_ascii_lowercase()),
        code,
        market,
        style: (m % 3) as u8,
    }
}

/// 13 digits: a GS1 country prefix, the product number scrambled by a bijection of
/// `0..10^9` (so different products never share a GTIN) and the mod-10 check digit.
pub fn gtin(product: u64, brand_index: usize) -> String {
    const SPACE: u64 = 1_000_000_000;
    // 3^18 is coprime to 10^9, so p ↦ p·3^18 + c (mod 10^9) is a bijection.
    let scrambled = (product % SPACE * 387_420_489 + 271_828_182) % SPACE;
    let body = format!(
        "{}{scrambled:09}",
        GTIN_PREFIXES[brand_index % GTIN_PREFIXES.len()]
    );
    let check = check_digit(&body);
    format!("{body}{check}")
}

/// The GS1 mod-10 check digit of `body` (digits only).
pub fn check_digit(body: &str) -> u32 {
    feedmill_model::gtin_check_digit(body.as_bytes())
}

/// A price drawn evenly on a log scale between `low` and `high` (euro cents).
fn log_uniform(rng: &mut SplitMix64, (low, high): (i64, i64)) -> f64 {
    let (low, high) = ((low as f64).ln(), (high as f64).ln());
    (low + (high - low) * rng.unit()).exp()
}

/// The merchant's price for a product costing `base` euro cents, and the regular price when the
/// offer is on sale (15 % of offers). Prices end as shops end them: 699 or 349.50 in the Nordic
/// currencies, 12.99 / 12.95 / 13.00 elsewhere.
fn offer_prices(rng: &mut SplitMix64, base: f64, market: &Market) -> (i64, Option<i64>) {
    let jitter = 0.85 + 0.3 * rng.unit();
    let regular = shop_round(rng, base * market.per_eur * jitter, market);
    if rng.chance(0.15) {
        let discount = 0.6 + 0.3 * rng.unit();
        let sale = shop_round(rng, regular as f64 * discount, market);
        if sale < regular {
            return (sale, Some(regular));
        }
    }
    (regular, None)
}

fn shop_round(rng: &mut SplitMix64, minor: f64, market: &Market) -> i64 {
    let units = (minor / 100.0).round().max(1.0) as i64;
    if market.whole_units {
        if rng.chance(0.15) {
            return units * 100 + 50;
        }
        return (units / 10 * 10 + 9) * 100;
    }
    match rng.below(3) {
        0 => units * 100 - 1,
        1 => units * 100 - 5,
        _ => units * 100,
    }
    .max(1)
}

/// The title in the merchant's words: three shops, three ways of writing the same product.
fn title(item: &Product, merchant: &Merchant, colour: &str) -> String {
    let label = merchant.market.language.size_label();
    let (brand, name, model, size) = (item.brand, item.kind.name, &item.model, item.size);
    match (merchant.style, size.is_empty()) {
        (0, true) => format!("{brand} {name} {model} {colour}"),
        (0, false) => format!("{brand} {name} {model} {colour}, {label} {size}"),
        (1, true) => format!("{brand} {model} {name} – {colour}"),
        (1, false) => format!("{brand} {model} {name} – {colour} ({size})"),
        (_, true) => format!("{name} {brand} {model}, {colour}"),
        (_, false) => format!("{name} {brand} {model}, {colour} – {label} {size}"),
    }
}

/// Three upper-case ASCII letters of a brand for MPNs ("Ærø Outdoor" → "AER").
fn brand_code(brand: &str) -> String {
    slugify(brand)
        .chars()
        .filter(char::is_ascii_alphabetic)
        .take(3)
        .collect::<String>()
        .to_ascii_uppercase()
}

/// Lower-case ASCII for URLs: Nordic and German letters folded (ø → o, ß → ss), everything else
/// that is not a letter or digit becomes one `-`.
pub fn slugify(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars().flat_map(char::to_lowercase) {
        let folded = match c {
            'å' | 'ä' | 'á' | 'à' => "a",
            'ö' | 'ø' | 'ó' => "o",
            'æ' => "ae",
            'ü' => "u",
            'é' | 'è' => "e",
            'ß' => "ss",
            c if c.is_ascii_alphanumeric() => {
                out.push(c);
                continue;
            }
            _ => "-",
        };
        if folded == "-" && (out.is_empty() || out.ends_with('-')) {
            continue;
        }
        out.push_str(folded);
    }
    while out.ends_with('-') {
        out.pop();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn check_digits_match_known_gtins() {
        assert_eq!(check_digit("400638133393"), 1);
        assert_eq!(check_digit("455045753526"), 7);
        assert_eq!(check_digit("001234567890"), 5);
    }

    #[test]
    fn slugs_are_ascii() {
        assert_eq!(slugify("Ærø Outdoor Größe M"), "aero-outdoor-grosse-m");
        assert_eq!(slugify("Björk & Berg – Grön (42)"), "bjork-berg-gron-42");
    }

    #[test]
    fn merchants_have_distinct_names() {
        let catalogue = Catalogue::new(GenFormat::GoogleXml, 42);
        let mut names: Vec<&str> = catalogue
            .merchants
            .iter()
            .map(|m| m.name.as_str())
            .collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), NUM_MERCHANTS as usize);
    }

    #[test]
    fn offers_of_one_product_come_from_distinct_merchants() {
        let catalogue = Catalogue::new(GenFormat::AwinCsv, 7);
        for product in 0..200 {
            let mut ids: Vec<u32> = (0..8)
                .map(|j| catalogue.offer(product, j, 0).merchant.id)
                .collect();
            ids.sort_unstable();
            ids.dedup();
            assert_eq!(ids.len(), 8);
            let gtins: Vec<String> = (0..8)
                .map(|j| catalogue.offer(product, j, 0).gtin)
                .collect();
            assert!(gtins.iter().all(|g| *g == gtins[0]));
        }
    }
}
