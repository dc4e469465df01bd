//! Values a record gives but its offer cannot hold: a second, different value for a field that
//! takes one (`variants/price` six times in one JSON product, two `<g:shipping>` prices). The
//! first value of the most preferred key is kept; every other different value of that same key
//! is reported as a `dropped_<field>` warning naming the key and both values, so no figure
//! disappears without a word.
//!
//! Values of less preferred keys are alternatives, not losses (Awin's `store_price` behind
//! `search_price`), and repeating the kept value loses nothing: neither is reported. Fields that
//! keep every value (additional images, Adtraction's extras) are never reported.

use crate::mapping::Field;
use crate::record::RecordWarning;

/// Warns for every value dropped from `mapped`: `(field, rank, key, value)` sorted by field, then
/// rank, in record order within a rank.
pub(super) fn warn_dropped_values(
    mapped: &[(Field, u8, &str, &str)],
    warnings: &mut Vec<RecordWarning>,
) {
    let mut kept: Option<(Field, u8, &str)> = None;
    for &(field, rank, key, value) in mapped {
        if !takes_one_value(field) {
            continue;
        }
        let value = value.trim();
        match kept {
            Some((kept_field, kept_rank, kept_value)) if kept_field == field => {
                if rank == kept_rank && value != kept_value {
                    let detail = format!(
                        "{}: kept {kept_value:?}, dropped {value:?} (another value of {key})",
                        field.name()
                    );
                    warnings.push(RecordWarning {
                        kind: dropped_kind(field),
                        detail,
                    });
                }
            }
            _ => kept = Some((field, rank, value)),
        }
    }
}

fn takes_one_value(field: Field) -> bool {
    !matches!(
        field,
        Field::AdditionalImages | Field::Extras | Field::Ignore
    )
}

/// The warning kind of a value of `field` dropped: `dropped_price`, `dropped_title`…
pub(super) fn dropped_kind(field: Field) -> &'static str {
    match field {
        Field::Sku => "dropped_sku",
        Field::Gtin => "dropped_gtin",
        Field::Mpn => "dropped_mpn",
        Field::Title => "dropped_title",
        Field::Description => "dropped_description",
        Field::Brand => "dropped_brand",
        Field::Category => "dropped_category",
        Field::Price => "dropped_price",
        Field::SalePrice => "dropped_sale_price",
        Field::OldPrice => "dropped_old_price",
        Field::Currency => "dropped_currency",
        Field::Shipping => "dropped_shipping",
        Field::Availability => "dropped_availability",
        Field::StockQuantity => "dropped_stock_quantity",
        Field::DeliveryDays => "dropped_delivery_days",
        Field::ProductUrl => "dropped_product_url",
        Field::TrackingUrl => "dropped_tracking_url",
        Field::ImageUrl => "dropped_image_url",
        Field::AdditionalImages => "dropped_additional_images",
        Field::MerchantId => "dropped_merchant_id",
        Field::MerchantName => "dropped_merchant_name",
        Field::ProgramId => "dropped_program_id",
        Field::UpdatedAt => "dropped_updated_at",
        Field::Extras => "dropped_extras",
        Field::Ignore => "dropped_ignore",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(mapped: &[(Field, u8, &str, &str)]) -> Vec<(&'static str, String)> {
        let mut warnings = Vec::new();
        warn_dropped_values(mapped, &mut warnings);
        warnings.into_iter().map(|w| (w.kind, w.detail)).collect()
    }

    #[test]
    fn every_other_value_of_the_kept_key_is_a_warning() {
        let mapped = [
            (Field::Title, 0, "title", "Shirt"),
            (Field::Price, 0, "variants/price", "10.00"),
            (Field::Price, 0, "variants/price", "12.00"),
            (Field::Price, 0, "variants/price", "14.00"),
        ];
        let warnings = kinds(&mapped);
        assert_eq!(warnings.len(), 2, "{warnings:?}");
        assert_eq!(warnings[0].0, "dropped_price");
        assert!(warnings[0].1.contains("\"12.00\"") && warnings[0].1.contains("variants/price"));
        assert!(warnings[1].1.contains("\"14.00\""));
    }

    #[test]
    fn alternatives_repeats_and_list_fields_are_not_losses() {
        let mapped = [
            (Field::Price, 0, "search_price", "10.00"),
            (Field::Price, 0, "search_price", " 10.00 "),
            (Field::Price, 1, "store_price", "11.00"),
            (Field::AdditionalImages, 0, "image", "a.jpg"),
            (Field::AdditionalImages, 0, "image", "b.jpg"),
        ];
        assert!(kinds(&mapped).is_empty());
    }
}
