//! Which feed keys feed which offer field, per network, and the automatic mapping of common
//! names for generic feeds.
//!
//! A [`Mapping`] lists, for each canonical [`Field`], the feed keys that may hold it in order of
//! preference (Awin's GTIN: `product_GTIN`, then `ean`, `upc`, `isbn`). Keys are compared in a
//! normalized form (lower case, letters and digits only, a leading `g:`-style prefix dropped), so
//! `ProductUrl`, `product_url` and `g:product_url` are one key. Keys no field claims go to the
//! offer's `extra`, unless the mapping lists them as noise.

use std::collections::HashMap;

/// The offer fields a feed key can map to (`--map` names them by these `snake_case` names).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Field {
    Sku,
    Gtin,
    Mpn,
    Title,
    Description,
    Brand,
    Category,
    Price,
    SalePrice,
    OldPrice,
    Currency,
    Shipping,
    Availability,
    StockQuantity,
    /// Days until the shop ships (Heureka's `DELIVERY_DATE`), read as availability when the feed
    /// states none.
    DeliveryDays,
    ProductUrl,
    TrackingUrl,
    ImageUrl,
    AdditionalImages,
    MerchantId,
    MerchantName,
    ProgramId,
    UpdatedAt,
    /// Adtraction's `{KEY#value}{KEY#value}` attribute list, spread into `extra`.
    Extras,
    /// Known noise: consumed, never copied to `extra`.
    Ignore,
}

impl Field {
    pub const MAPPABLE: [Field; 23] = [
        Field::Sku,
        Field::Gtin,
        Field::Mpn,
        Field::Title,
        Field::Description,
        Field::Brand,
        Field::Category,
        Field::Price,
        Field::SalePrice,
        Field::OldPrice,
        Field::Currency,
        Field::Shipping,
        Field::Availability,
        Field::StockQuantity,
        Field::DeliveryDays,
        Field::ProductUrl,
        Field::TrackingUrl,
        Field::ImageUrl,
        Field::AdditionalImages,
        Field::MerchantId,
        Field::MerchantName,
        Field::ProgramId,
        Field::UpdatedAt,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Field::Sku => "sku",
            Field::Gtin => "gtin",
            Field::Mpn => "mpn",
            Field::Title => "title",
            Field::Description => "description",
            Field::Brand => "brand",
            Field::Category => "category",
            Field::Price => "price",
            Field::SalePrice => "sale_price",
            Field::OldPrice => "old_price",
            Field::Currency => "currency",
            Field::Shipping => "shipping",
            Field::Availability => "availability",
            Field::StockQuantity => "stock_quantity",
            Field::DeliveryDays => "delivery_days",
            Field::ProductUrl => "product_url",
            Field::TrackingUrl => "tracking_url",
            Field::ImageUrl => "image_url",
            Field::AdditionalImages => "additional_images",
            Field::MerchantId => "merchant_id",
            Field::MerchantName => "merchant_name",
            Field::ProgramId => "program_id",
            Field::UpdatedAt => "updated_at",
            Field::Extras => "extras",
            Field::Ignore => "ignore",
        }
    }

    /// Parses the left side of `--map canonical=source`.
    pub fn from_name(name: &str) -> Option<Field> {
        Field::MAPPABLE
            .into_iter()
            .chain([Field::Extras, Field::Ignore])
            .find(|f| f.name() == name.trim())
    }
}

/// A field's candidate keys, most preferred first.
pub type Candidates = (Field, &'static [&'static str]);

/// A network's field mapping.
#[derive(Debug, Clone)]
pub struct Mapping {
    pub candidates: Vec<(Field, Vec<String>)>,
}

impl Mapping {
    pub fn from_table(table: &[Candidates]) -> Mapping {
        Mapping {
            candidates: table
                .iter()
                .map(|(field, keys)| (*field, keys.iter().map(|k| k.to_string()).collect()))
                .collect(),
        }
    }

    /// Puts `--map canonical=source` pairs first: each named key becomes the only candidate of
    /// its field.
    pub fn with_overrides(mut self, overrides: &[(Field, String)]) -> Mapping {
        for (field, _) in overrides {
            self.candidates.retain(|(f, _)| f != field);
        }
        let explicit = overrides
            .iter()
            .map(|(field, key)| (*field, vec![key.clone()]));
        self.candidates = explicit.chain(self.candidates).collect();
        self
    }

    /// Resolves the mapping against a feed's key table: for each key id, the field it feeds and
    /// its rank among that field's candidates (0 = most preferred).
    pub fn resolve(&self, names: &[std::sync::Arc<str>]) -> ResolvedMapping {
        let mut by_key: HashMap<String, (Field, u8)> = HashMap::new();
        for (field, keys) in &self.candidates {
            for (rank, key) in keys.iter().enumerate() {
                let rank = u8::try_from(rank).unwrap_or(u8::MAX);
                by_key.entry(normalize_key(key)).or_insert((*field, rank));
            }
        }
        let slots = names
            .iter()
            .map(|name| by_key.get(&normalize_key(name)).copied())
            .collect();
        ResolvedMapping { slots }
    }
}

/// A mapping resolved for one key table: index = [`crate::record::FieldId`].
#[derive(Debug, Clone, Default)]
pub struct ResolvedMapping {
    pub slots: Vec<Option<(Field, u8)>>,
}

impl ResolvedMapping {
    pub fn slot(&self, id: crate::record::FieldId) -> Option<(Field, u8)> {
        self.slots.get(id.0 as usize).copied().flatten()
    }

    /// The fields no key of the feed maps to, for a "cannot find a price column" diagnosis.
    pub fn unmapped_required(&self) -> Vec<Field> {
        let has = |f: Field| self.slots.iter().flatten().any(|(field, _)| *field == f);
        [Field::Title, Field::Price]
            .into_iter()
            .filter(|f| !(has(*f) || (*f == Field::Price && has(Field::SalePrice))))
            .collect()
    }
}

/// `g:Product_URL` → `producturl`; `g:shipping/g:price` → `shippinggprice` (stays distinct).
pub fn normalize_key(key: &str) -> String {
    let key = key.trim();
    let without_prefix = match key.split_once(':') {
        Some((prefix, rest)) if is_namespace_prefix(prefix) => rest,
        _ => key,
    };
    without_prefix
        .chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

fn is_namespace_prefix(prefix: &str) -> bool {
    !prefix.is_empty() && prefix.len() <= 8 && prefix.bytes().all(|b| b.is_ascii_lowercase())
}

/// The key as it appears in `extra`: the Google prefix dropped (`g:color` → `color`).
pub fn extra_key(key: &str) -> &str {
    key.strip_prefix("g:").unwrap_or(key)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[test]
    fn normalizes_keys() {
        assert_eq!(normalize_key("g:Product_URL"), "producturl");
        assert_eq!(normalize_key("Final URL"), "finalurl");
        assert_eq!(normalize_key("Name *"), "name");
        assert_ne!(
            normalize_key("g:shipping/g:price"),
            normalize_key("g:price")
        );
        assert_eq!(normalize_key("Fashion:size"), "fashionsize");
    }

    #[test]
    fn resolves_preference_and_overrides() {
        let mapping = Mapping::from_table(&[
            (Field::Gtin, &["product_GTIN", "ean"]),
            (Field::Title, &["name"]),
        ])
        .with_overrides(&[(Field::Title, "produktnavn".to_string())]);
        let names: Vec<Arc<str>> = ["ean", "product_GTIN", "produktnavn", "name"]
            .into_iter()
            .map(Arc::from)
            .collect();
        let resolved = mapping.resolve(&names);
        assert_eq!(resolved.slots[0], Some((Field::Gtin, 1)));
        assert_eq!(resolved.slots[1], Some((Field::Gtin, 0)));
        assert_eq!(resolved.slots[2], Some((Field::Title, 0)));
        assert_eq!(resolved.slots[3], None);
    }
}
