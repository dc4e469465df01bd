//! The fields of an offer that matching reads, whatever their source (a feed offer or a
//! benchmark pair).

use rust_decimal::Decimal;

#[derive(Debug, Clone, Default, PartialEq)]
pub struct ProductRecord {
    pub title: String,
    pub brand: Option<String>,
    pub mpn: Option<String>,
    pub gtin: Option<String>,
    pub price: Option<Decimal>,
    pub category: Option<String>,
    /// Description and any other free text.
    pub description: Option<String>,
}

fn non_empty(value: &str) -> Option<String> {
    let value = value.trim();
    (!value.is_empty()).then(|| value.to_string())
}

fn append(slot: &mut Option<String>, value: &str) {
    match (slot.as_mut(), non_empty(value)) {
        (Some(existing), Some(value)) => {
            existing.push(' ');
            existing.push_str(&value);
        }
        (None, value) => *slot = value,
        (Some(_), None) => {}
    }
}

impl ProductRecord {
    /// The matching fields of a normalized offer.
    pub fn from_offer(offer: &feedmill_model::Offer) -> ProductRecord {
        ProductRecord {
            title: offer.title.clone(),
            brand: offer.brand.clone(),
            mpn: offer.mpn.clone(),
            gtin: offer.gtin.as_ref().map(|g| g.as_str().to_string()),
            price: Some(offer.price),
            category: offer.category.clone(),
            description: offer.description.clone(),
        }
    }

    /// Sets one named attribute as the benchmarks and feeds name them: `title`/`name`,
    /// `brand`/`manufacturer`, `modelno`/`mpn`, `gtin`/`ean`/`upc`, `price`, `category`;
    /// anything else (`description`, `specTableContent`, …) is free text. A price that is not a
    /// number is kept as text rather than dropped.
    pub fn set_attribute(&mut self, name: &str, value: &str) {
        match name {
            "title" | "name" => append_title(&mut self.title, value),
            "brand" | "manufacturer" => append(&mut self.brand, value),
            "modelno" | "mpn" => append(&mut self.mpn, value),
            "gtin" | "ean" | "upc" => append(&mut self.gtin, value),
            "category" => append(&mut self.category, value),
            "price" => match value.trim().parse::<Decimal>() {
                Ok(price) if price > Decimal::ZERO => self.price = Some(price),
                _ => append(&mut self.description, value),
            },
            _ => append(&mut self.description, value),
        }
    }
}

fn append_title(title: &mut String, value: &str) {
    let value = value.trim();
    if !value.is_empty() {
        if !title.is_empty() {
            title.push(' ');
        }
        title.push_str(value);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attributes_of_the_benchmarks_map_to_fields() {
        let mut record = ProductRecord::default();
        record.set_attribute("name", "lg dishwasher");
        record.set_attribute("manufacturer", "LG");
        record.set_attribute("modelno", "ldf6920bb");
        record.set_attribute("price", "409.0");
        record.set_attribute("description", "white finish");
        record.set_attribute("price", "call us");
        assert_eq!(record.title, "lg dishwasher");
        assert_eq!(record.brand.as_deref(), Some("LG"));
        assert_eq!(record.mpn.as_deref(), Some("ldf6920bb"));
        assert_eq!(record.price, Some(Decimal::new(4090, 1)));
        assert_eq!(record.description.as_deref(), Some("white finish call us"));
    }
}
