//! One raw record → one [`Offer`], or a [`Rejection`] saying which field failed and why.
//!
//! Pure and thread-safe: the driver calls it from rayon workers. The rules:
//! - title, price (≥ 0) and at least one URL (product or tracking) are required;
//! - the currency comes from the currency field, else the price string (`15.00 USD`), else the
//!   run's default (`--currency`); none of them → rejected;
//! - a sale price below the price becomes the price, the regular price becomes `old_price`;
//! - a sale price above the price is no sale: the price is kept, the sale price goes to `extra`
//!   with a `sale_price_above_price` warning (see [`prices`]);
//! - a URL field without an http(s) URL is a `bad_url` warning; an image cell holding a list of
//!   URLs gives the main image and additional ones (see [`images`]);
//! - optional fields that do not parse are dropped with a warning, never costing the record;
//! - a field that takes one value but got several different ones from its key (`variants/price`
//!   six times) keeps the first and warns `dropped_<field>` for every other (see [`dropped`]).

use crate::clean_url::clean_url;
use crate::mapping::{Field, ResolvedMapping, extra_key};
use crate::record::{RawRecord, RecordWarning};
use crate::text::{category_path, is_placeholder};
use crate::timestamp::parse_timestamp;
use feedmill_links::landing_page;
use feedmill_model::{
    Currency, Decimal, Gtin, GtinError, Network, Offer, OfferId, RejectReason, Rejection,
};
use std::collections::BTreeMap;
use std::sync::Arc;

mod availability;
mod dropped;
mod images;
mod prices;
mod report;
#[cfg(test)]
mod tests;
mod values;

use prices::{Prices, optional_price, price_of};
use report::{Reject, warn};
use values::Values;

/// What stays the same for every record of one feed.
#[derive(Debug, Clone)]
pub struct NormalizeContext {
    pub source: String,
    pub network: Network,
    pub default_currency: Option<Currency>,
}

/// The outcome for one record: an offer or a rejection, plus repaired problems.
#[derive(Debug, Clone)]
pub struct Normalized {
    pub number: u64,
    pub outcome: Result<Offer, Rejection>,
    pub warnings: Vec<RecordWarning>,
}

/// Normalizes one record. `names` is the key table the record's ids point into.
pub fn normalize_record(
    record: &RawRecord,
    names: &[Arc<str>],
    mapping: &ResolvedMapping,
    ctx: &NormalizeContext,
) -> Normalized {
    let values = Values::collect(record, names, mapping);
    let mut warnings = record.warnings.clone();
    dropped::warn_dropped_values(&values.mapped, &mut warnings);
    let outcome = build_offer(&values, ctx, &mut warnings).map_err(|(field, reason, message)| {
        let excerpt = record.excerpt_with(|id| names.get(id.0 as usize).map_or("?", |n| n));
        Rejection::new(record.number, field, reason, message, &excerpt)
    });
    Normalized {
        number: record.number,
        outcome,
        warnings,
    }
}

fn build_offer(
    values: &Values,
    ctx: &NormalizeContext,
    warnings: &mut Vec<RecordWarning>,
) -> Result<Offer, Reject> {
    let title = values.first_text(Field::Title).ok_or((
        "title",
        RejectReason::MissingTitle,
        "record has no title".to_string(),
    ))?;
    let (currency_field, currency_field_error) = currency_from_field(values);
    let hint = currency_field.or(ctx.default_currency);
    let Prices {
        price,
        old_price_from_sale,
        price_currency,
        sale_set_aside,
    } = price_of(values, hint, warnings)?;
    let currency = currency_field
        .or(price_currency)
        .or(ctx.default_currency)
        .ok_or_else(|| missing_currency(currency_field_error.clone()))?;
    if let Some(error) = currency_field_error {
        warn(
            warnings,
            "bad_currency",
            format!("{error}; kept {currency}"),
        );
    }
    if let (Some(field), Some(in_price)) = (currency_field, price_currency)
        && field != in_price
    {
        let detail = format!("currency field says {field}, price says {in_price}; kept {field}");
        warn(warnings, "currency_conflict", detail);
    }
    let (product_url, tracking_url) = urls_of(values, warnings);
    let url_for_id = product_url.as_deref().or(tracking_url.as_deref()).ok_or((
        "product_url",
        RejectReason::MissingUrl,
        "record has no product or tracking url".to_string(),
    ))?;
    let sku = values
        .first(Field::Sku)
        .map(str::trim)
        .filter(|s| !is_placeholder(s))
        .map(str::to_string);
    let merchant_id = plain(values.first(Field::MerchantId));
    let program_id = plain(values.first(Field::ProgramId));
    let merchant_key = merchant_id.as_deref().or(program_id.as_deref());
    let id = match &sku {
        Some(sku) => OfferId::from_sku(&ctx.source, merchant_key, sku),
        None => OfferId::from_url(&ctx.source, merchant_key, url_for_id),
    };
    let (image_url, additional_images) = images::images_of(values, warnings);
    let old_price =
        old_price_from_sale.or_else(|| optional_price(values, Field::OldPrice, hint, warnings));
    let mut extra = BTreeMap::new();
    spread_extras(values, &mut extra);
    if sale_set_aside && let Some((key, value)) = values.first_entry(Field::SalePrice) {
        add_extra(&mut extra, extra_key(key), value.trim());
    }
    for (name, value) in &values.unmapped {
        add_extra(&mut extra, extra_key(name), value.trim());
    }
    Ok(Offer {
        id,
        source: ctx.source.clone(),
        network: ctx.network,
        merchant_id,
        merchant_name: values.first_text(Field::MerchantName),
        program_id,
        sku,
        gtin: gtin_of(values, warnings),
        mpn: plain(values.first(Field::Mpn)),
        title,
        description: values.first_text(Field::Description),
        brand: values.first_text(Field::Brand),
        category: values.all(Field::Category).find_map(category_path),
        price,
        old_price: old_price.filter(|old| *old > Decimal::ZERO && *old != price),
        currency,
        shipping: optional_price(values, Field::Shipping, hint, warnings),
        availability: availability::availability_of(values, warnings),
        product_url,
        tracking_url,
        image_url,
        additional_images,
        updated_at: updated_at_of(values, warnings),
        extra,
        product_id: None,
        product_match: None,
    })
}

/// The landing page and the click URL. A feed without a tracking field often puts the click URL
/// where the product URL belongs (Tradedoubler's `productUrl`, Partner-ads' `vareurl`): a product
/// URL that carries a landing page is that click URL.
fn urls_of(values: &Values, warnings: &mut Vec<RecordWarning>) -> (Option<String>, Option<String>) {
    // The network is not known here, so every network's landing parameter counts.
    let landing_of = |url: &str| landing_page(url, None).and_then(|page| clean_url(&page));
    let tracking_url = url_or_warn(values, Field::TrackingUrl, warnings);
    let product_url = url_or_warn(values, Field::ProductUrl, warnings);
    match (product_url, tracking_url) {
        (Some(product), None) => match landing_of(&product) {
            Some(landing) => (Some(landing), Some(product)),
            None => (Some(product), None),
        },
        (None, Some(tracking)) => (landing_of(&tracking), Some(tracking)),
        (product, tracking) => (product, tracking),
    }
}

/// The first value of `field` that is an http(s) URL; when the field has values but none is one
/// (`/img/1.jpg`, `n/a`), a `bad_url` warning names the field and the first value.
fn url_or_warn(values: &Values, field: Field, warnings: &mut Vec<RecordWarning>) -> Option<String> {
    let url = values.first_url(field);
    if url.is_none()
        && let Some(raw) = values.first(field)
    {
        let detail = format!("{} {raw:?} is no http(s) URL: dropped", field.name());
        warn(warnings, "bad_url", detail);
    }
    url
}

fn plain(value: Option<&str>) -> Option<String> {
    value
        .map(str::trim)
        .filter(|v| !is_placeholder(v))
        .map(str::to_string)
}

/// The currency field, parsed; an unknown code is remembered for the rejection message.
fn currency_from_field(values: &Values) -> (Option<Currency>, Option<String>) {
    match values.first(Field::Currency) {
        Some(raw) => match Currency::parse(raw) {
            Ok(currency) => (Some(currency), None),
            Err(err) => (None, Some(err.to_string())),
        },
        None => (None, None),
    }
}

fn missing_currency(field_error: Option<String>) -> Reject {
    match field_error {
        Some(message) => ("currency", RejectReason::BadCurrency, message),
        None => (
            "currency",
            RejectReason::MissingCurrency,
            "record has no currency and no default currency was given (--currency)".into(),
        ),
    }
}

/// The first valid GTIN among the candidates; invalid ones are dropped with a warning.
fn gtin_of(values: &Values, warnings: &mut Vec<RecordWarning>) -> Option<Gtin> {
    for raw in values.all(Field::Gtin) {
        match Gtin::parse(raw) {
            Ok(gtin) => return Some(gtin),
            Err(GtinError::Empty) => {}
            Err(err @ GtinError::Placeholder(_)) => {
                warn(warnings, "placeholder_gtin", err.to_string())
            }
            Err(err) => warn(warnings, "invalid_gtin", err.to_string()),
        }
    }
    None
}

fn updated_at_of(
    values: &Values,
    warnings: &mut Vec<RecordWarning>,
) -> Option<chrono::DateTime<chrono::Utc>> {
    let raw = values.first(Field::UpdatedAt)?;
    let parsed = parse_timestamp(raw);
    if parsed.is_none() {
        warn(
            warnings,
            "bad_updated_at",
            format!("updated_at {raw:?} dropped"),
        );
    }
    parsed
}

/// Adtraction's `{SIZE#86 92}{COLOUR#Grön}` → `extra.SIZE = "86 92"`, `extra.COLOUR = "Grön"`.
fn spread_extras(values: &Values, extra: &mut BTreeMap<String, String>) {
    for raw in values.all(Field::Extras) {
        for item in raw
            .split('}')
            .map(|part| part.trim().trim_start_matches('{'))
        {
            if let Some((key, value)) = item.split_once('#')
                && !key.trim().is_empty()
                && !value.trim().is_empty()
            {
                extra.insert(key.trim().to_string(), value.trim().to_string());
            }
        }
    }
}

/// Repeated keys (`tags` twice) keep every value, joined with `, `.
fn add_extra(extra: &mut BTreeMap<String, String>, key: &str, value: &str) {
    match extra.get_mut(key) {
        Some(existing) => {
            existing.push_str(", ");
            existing.push_str(value);
        }
        None => {
            extra.insert(key.to_string(), value.to_string());
        }
    }
}
