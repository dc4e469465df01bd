//! The word tables synthetic catalogues are built from: brands, product kinds with their
//! three-level category, model names, colours in four languages, sizes, markets and merchant
//! name parts.
//!
//! Brands and merchants are invented. Non-ASCII letters (å ä ö æ ø ß ü) and `&` appear on
//! purpose: real Nordic and German feeds are full of them, and they exercise escaping on the
//! writing side and decoding on the reading side. Changing a table changes every generated feed,
//! so benchmark figures taken before and after such a change are not comparable.

/// The language a merchant writes its titles and descriptions in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Language {
    En,
    Sv,
    De,
    Da,
}

impl Language {
    /// The word before a size in a title ("Größe M").
    pub fn size_label(self) -> &'static str {
        match self {
            Language::En => "Size",
            Language::Sv => "Storlek",
            Language::De => "Größe",
            Language::Da => "Str.",
        }
    }

    /// The column of [`COLOURS`] in this language.
    pub fn index(self) -> usize {
        match self {
            Language::En => 0,
            Language::Sv => 1,
            Language::De => 2,
            Language::Da => 3,
        }
    }
}

/// Where a merchant sells: country, currency and how prices there are written.
#[derive(Debug, Clone, Copy)]
pub struct Market {
    pub country: &'static str,
    pub currency: &'static str,
    pub language: Language,
    /// Currency units per euro (fixed rates, rounded; they only shape price levels).
    pub per_eur: f64,
    /// Prices are whole units (`699 SEK`) rather than cents (`12.99 EUR`).
    pub whole_units: bool,
    /// Standard shipping in minor units.
    pub shipping: i64,
}

const fn market(
    country: &'static str,
    currency: &'static str,
    language: Language,
    per_eur: f64,
    whole_units: bool,
    shipping: i64,
) -> Market {
    Market {
        country,
        currency,
        language,
        per_eur,
        whole_units,
        shipping,
    }
}

pub const SE: Market = market("SE", "SEK", Language::Sv, 11.5, true, 4900);
pub const NO: Market = market("NO", "NOK", Language::Da, 11.6, true, 6900);
pub const DK: Market = market("DK", "DKK", Language::Da, 7.46, true, 3900);
pub const FI: Market = market("FI", "EUR", Language::Sv, 1.0, false, 495);
pub const DE: Market = market("DE", "EUR", Language::De, 1.0, false, 495);
pub const AT: Market = market("AT", "EUR", Language::De, 1.0, false, 595);
pub const NL: Market = market("NL", "EUR", Language::En, 1.0, false, 395);
pub const UK: Market = market("GB", "GBP", Language::En, 0.86, false, 399);
pub const US: Market = market("US", "USD", Language::En, 1.08, false, 599);
pub const CA: Market = market("CA", "CAD", Language::En, 1.47, false, 999);
pub const PL: Market = market("PL", "PLN", Language::En, 4.3, false, 1499);

/// A product kind: the title word, its category path (root first) and its sizes and prices.
#[derive(Debug, Clone, Copy)]
pub struct Kind {
    pub name: &'static str,
    pub category: [&'static str; 3],
    pub sizes: &'static [&'static str],
    /// Typical price range in euro cents.
    pub price_eur: (i64, i64),
}

const CLOTHING: &[&str] = &["XS", "S", "M", "L", "XL", "XXL"];
#[rustfmt::skip]
const SHOES: &[&str] = &["36", "37", "38", "39", "40", "41", "42", "43", "44", "45", "46"];
const KIDS: &[&str] = &["86/92", "98/104", "110/116", "122/128", "134/140"];
const NO_SIZE: &[&str] = &[];

const fn kind(
    name: &'static str,
    category: [&'static str; 3],
    sizes: &'static [&'static str],
    low: i64,
    high: i64,
) -> Kind {
    Kind {
        name,
        category,
        sizes,
        price_eur: (low, high),
    }
}

const APPAREL: &str = "Apparel & Accessories";
const ELECTRONICS: &str = "Electronics";
const HOME: &str = "Home & Garden";
const SPORT: &str = "Sporting Goods";
const TOYS: &str = "Toys & Games";
const BEAUTY: &str = "Health & Beauty";

#[rustfmt::skip]
pub const KINDS: &[Kind] = &[
    kind("Hoodie", [APPAREL, "Clothing", "Hoodies & Sweatshirts"], CLOTHING, 2_900, 12_900),
    kind("T-Shirt", [APPAREL, "Clothing", "T-Shirts"], CLOTHING, 900, 4_900),
    kind("Rain Jacket", [APPAREL, "Clothing", "Outerwear"], CLOTHING, 5_900, 34_900),
    kind("Down Jacket", [APPAREL, "Clothing", "Outerwear"], CLOTHING, 9_900, 49_900),
    kind("Jeans", [APPAREL, "Clothing", "Trousers"], CLOTHING, 3_900, 14_900),
    kind("Merino Base Layer", [APPAREL, "Clothing", "Underwear"], CLOTHING, 3_900, 11_900),
    kind("Kids' Overall", [APPAREL, "Baby & Kids", "Outerwear"], KIDS, 2_900, 8_900),
    kind("Beanie", [APPAREL, "Accessories", "Hats"], NO_SIZE, 900, 3_900),
    kind("Running Shoe", [APPAREL, "Shoes", "Athletic Shoes"], SHOES, 5_900, 21_900),
    kind("Sneaker", [APPAREL, "Shoes", "Sneakers"], SHOES, 4_900, 17_900),
    kind("Hiking Boot", [APPAREL, "Shoes", "Boots"], SHOES, 8_900, 27_900),
    kind("Headphones", [ELECTRONICS, "Audio", "Headphones"], NO_SIZE, 2_900, 44_900),
    kind("Bluetooth Speaker", [ELECTRONICS, "Audio", "Speakers"], NO_SIZE, 2_900, 29_900),
    kind("Smartwatch", [ELECTRONICS, "Wearables", "Smartwatches"], NO_SIZE, 9_900, 59_900),
    kind("USB-C Charger", [ELECTRONICS, "Accessories", "Chargers"], NO_SIZE, 1_500, 6_900),
    kind("Laptop Sleeve", [ELECTRONICS, "Accessories", "Laptop Bags"], NO_SIZE, 1_900, 5_900),
    kind("Frying Pan", [HOME, "Kitchen", "Cookware"], NO_SIZE, 2_500, 14_900),
    kind("Chef's Knife", [HOME, "Kitchen", "Knives"], NO_SIZE, 2_900, 19_900),
    kind("Coffee Grinder", [HOME, "Kitchen", "Small Appliances"], NO_SIZE, 3_900, 24_900),
    kind("Kettle", [HOME, "Kitchen", "Small Appliances"], NO_SIZE, 2_900, 12_900),
    kind("Duvet", [HOME, "Bedroom", "Bedding"], NO_SIZE, 4_900, 29_900),
    kind("Cushion Cover", [HOME, "Living Room", "Textiles"], NO_SIZE, 900, 3_900),
    kind("Table Lamp", [HOME, "Living Room", "Lighting"], NO_SIZE, 3_900, 24_900),
    kind("Yoga Mat", [SPORT, "Fitness", "Yoga"], NO_SIZE, 1_900, 8_900),
    kind("Backpack 30 L", [SPORT, "Outdoor", "Backpacks"], NO_SIZE, 4_900, 19_900),
    kind("Tent", [SPORT, "Outdoor", "Tents"], NO_SIZE, 9_900, 69_900),
    kind("Sleeping Bag", [SPORT, "Outdoor", "Sleeping Bags"], NO_SIZE, 5_900, 34_900),
    kind("Water Bottle", [SPORT, "Outdoor", "Drinkware"], NO_SIZE, 900, 3_900),
    kind("Building Set", [TOYS, "Toys", "Building Toys"], NO_SIZE, 1_900, 14_900),
    kind("Jigsaw Puzzle 1000", [TOYS, "Games", "Puzzles"], NO_SIZE, 900, 2_900),
    kind("Face Cream", [BEAUTY, "Skin Care", "Moisturisers"], NO_SIZE, 900, 6_900),
    kind("Shampoo", [BEAUTY, "Hair Care", "Shampoo"], NO_SIZE, 500, 2_900),
];

/// Invented brands, most popular first (they are drawn by a Zipf law over this order).
#[rustfmt::skip]
pub const BRANDS: &[&str] = &[
    "Fjällvind", "Nordkap", "Ærø Outdoor", "Björk & Berg", "Polarljus", "Größmann",
    "Sølvtind", "Lundqvist", "Northwind", "Kvarn & Co", "Åsgård", "Bluefield", "Vinterhav",
    "Müller & Söhne", "Tindra", "Acorn Audio", "Hålla", "Skogsmark", "Ostseewind", "Fjordlys",
    "Halvøen", "Kernig", "Stillwater", "Brännö", "Grünwald", "Havsörn", "Lysande", "Bergkristall",
    "Redfern", "Nørrebro Design", "Söderberg", "Alpenglühen", "Kustlinje", "Oakhurst", "Tågö",
    "Strömsholm", "Fuchs & Hase", "Blåbär", "Dünenfeld", "Ravnsborg", "Mossfield", "Isbjørn",
    "Lindqvist & Dotter", "Waldläufer", "Saltö", "Kolibri", "Hestehave", "Brightline", "Ödmjuk",
    "Klippan Works", "Sommerfeld", "Granåsen", "Eikeland", "Birchwood", "Sjöbris", "Kräftan",
    "Hagebø", "Weißdorn", "Timberline", "Ulvön",
];

/// Model names; a product's model is one of these plus, often, a generation or line suffix.
#[rustfmt::skip]
pub const MODELS: &[&str] = &[
    "Kestrel", "Aurora", "Fjord", "Nimbus", "Tundra", "Vega", "Skärgård", "Bräcke", "Sølv",
    "Orion", "Lofoten", "Kiruna", "Zephyr", "Halo", "Rügen", "Granit", "Abisko", "Falun",
    "Boreal", "Cirrus", "Drift", "Ember", "Glimt", "Hygge", "Isfjell", "Jötunn", "Kåre", "Lumen",
    "Mörkö", "Nordlys", "Øresund", "Pulse", "Quill", "Runa", "Saga", "Tor", "Ulla", "Värme",
    "Wald", "Ymir",
];

#[rustfmt::skip]
pub const MODEL_SUFFIXES: &[&str] = &[
    "", "", "", " 2", " 3", " 4", " Pro", " Lite", " Max", " II", " Plus", " 2.0", " Air", " GTX",
];

/// Colours: English, Swedish, German, Danish.
pub const COLOURS: &[[&str; 4]] = &[
    ["Black", "Svart", "Schwarz", "Sort"],
    ["White", "Vit", "Weiß", "Hvid"],
    ["Green", "Grön", "Grün", "Grøn"],
    ["Blue", "Blå", "Blau", "Blå"],
    ["Red", "Röd", "Rot", "Rød"],
    ["Grey", "Grå", "Grau", "Grå"],
    ["Navy", "Marinblå", "Marineblau", "Marineblå"],
    ["Beige", "Beige", "Beige", "Beige"],
    ["Yellow", "Gul", "Gelb", "Gul"],
    ["Pink", "Rosa", "Rosa", "Lyserød"],
    ["Olive", "Olivgrön", "Olivgrün", "Olivengrøn"],
    ["Sand", "Sand", "Sand", "Sand"],
];

/// Selling points for descriptions; `&`, `<`, `"` and `,` are there on purpose.
pub const FEATURES: &[&str] = &[
    "Water-resistant & breathable",
    "Weight < 400 g",
    "Made from 100% recycled polyester",
    "Organic cotton, GOTS certified",
    "Dishwasher safe",
    "2-year warranty",
    "Fits \"true to size\"",
    "PFC-free finish",
    "Battery life up to 30 h, USB-C charging",
    "Designed in Sweden, made in Portugal",
    "Certified to EN 13537",
    "Handwash at 30 °C",
    "Lightweight, packable & durable",
    "Free returns within 30 days",
    "Suitable for induction hobs",
    "Vegan formula — no parabens",
];

/// First and second halves of merchant names ("Nord Sport", "Grön Butik", "Ærø Haus").
pub const MERCHANT_FIRST: &[&str] = &[
    "Nord", "Fjäll", "Ærø", "Stad", "Urban", "Grön", "Hav", "Berg", "Sol", "Polar", "Größe", "Blå",
    "Alp", "City", "Lake", "Skog", "Hjem", "Vinter",
];
pub const MERCHANT_SECOND: &[&str] = &[
    "Sport", "Hus", "Shop", "Butik", "Haus", "Outlet", "Store", "Markt", "Handel", "Boden",
    "Direct",
];
