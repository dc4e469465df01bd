//! `feedmill match review | pins | pin | unpin`: the operator's hand in product matching from
//! the shell, on the store `serve`, `ingest` and `refresh` write (the same as `GET /matches`
//! and `PUT`/`DELETE /offers/{id}/product`). A pin is checked against the index (the offer
//! must be there, and so must the product) and takes effect at the next ingest of the
//! offer's source.

use crate::commands::UsageError;
use crate::commands::clicks::{open_existing_store, open_store};
use crate::match_args::{PinArgs, ReviewArgs, StoreArgs, UnpinArgs};
use anyhow::Context;
use chrono::Utc;
use feedmill_api::{PinView, ReviewEntry};
use feedmill_index::OfferIndex;
use feedmill_model::product_key;
use feedmill_store::{PinTarget, ProductPin, Store};
use std::io::Write;
use std::process::ExitCode;
use std::sync::Arc;

pub fn review(args: ReviewArgs) -> anyhow::Result<ExitCode> {
    let store = existing_store(&args.at)?;
    let total = store.count_match_reviews()?;
    let reviews = store.match_reviews(args.limit, args.offset)?;
    let entries: Vec<ReviewEntry> = reviews.iter().map(ReviewEntry::from).collect();
    let mut out = std::io::stdout().lock();
    if args.at.json {
        return print_json(&mut out, &entries);
    }
    writeln!(out, "{total} offers wait for review")?;
    for e in &entries {
        writeln!(
            out,
            "{:.3}  {}  {:?}\n       nearly joined {} ({}) {:?}",
            e.score,
            e.offer_id,
            e.title,
            e.candidate_product_id,
            e.candidate_offer_id,
            e.candidate_title
        )?;
    }
    Ok(ExitCode::SUCCESS)
}

pub fn pins(args: StoreArgs) -> anyhow::Result<ExitCode> {
    let store = existing_store(&args)?;
    let pins: Vec<PinView> = store.pins()?.iter().map(PinView::from).collect();
    let mut out = std::io::stdout().lock();
    if args.json {
        return print_json(&mut out, &pins);
    }
    writeln!(out, "{} pins", pins.len())?;
    for pin in &pins {
        let target = pin.product_id.as_deref().unwrap_or("split (alone)");
        writeln!(out, "{}  {}  {}", pin.created_at, pin.offer_id, target)?;
    }
    Ok(ExitCode::SUCCESS)
}

pub fn pin(args: PinArgs) -> anyhow::Result<ExitCode> {
    let target = match (&args.product, args.split) {
        (Some(product_id), false) => {
            if product_key(product_id).is_none() {
                let message =
                    format!("--product {product_id:?} is no product id (p and 12 hex digits)");
                return Err(UsageError(message).into());
            }
            PinTarget::Product(product_id.clone())
        }
        (None, true) => PinTarget::Split,
        _ => return Err(UsageError("give --product or --split".into()).into()),
    };
    let index = existing_index(&args.at)?;
    let offer = index.get_offer(&args.offer_id)?.ok_or_else(|| {
        UsageError(format!(
            "no offer {:?} in {}",
            args.offer_id,
            args.at.index.display()
        ))
    })?;
    if let PinTarget::Product(product_id) = &target
        && index.priced_offers_by_product(product_id)?.is_empty()
    {
        return Err(UsageError(format!("no offer has product id {product_id:?}")).into());
    }
    let pin = ProductPin {
        offer_id: offer.id,
        source: offer.source,
        target,
        created_at: Utc::now(),
    };
    open_store(&args.at.store_path())?.set_pin(&pin)?;
    let view = PinView::from(&pin);
    let mut out = std::io::stdout().lock();
    if args.at.json {
        return print_json(&mut out, &view);
    }
    let target = view.product_id.as_deref().unwrap_or("alone");
    writeln!(
        out,
        "pinned {} to {target}; the next ingest or refresh of {} applies it",
        view.offer_id, view.source
    )?;
    Ok(ExitCode::SUCCESS)
}

pub fn unpin(args: UnpinArgs) -> anyhow::Result<ExitCode> {
    let store = existing_store(&args.at)?;
    if !store.remove_pin(&args.offer_id)? {
        return Err(UsageError(format!("offer {:?} has no pin", args.offer_id)).into());
    }
    println!(
        "unpinned {}; the next ingest of its source matches it again",
        args.offer_id
    );
    Ok(ExitCode::SUCCESS)
}

fn existing_store(args: &StoreArgs) -> anyhow::Result<Arc<dyn Store>> {
    open_existing_store(&args.store_path())
}

fn existing_index(args: &StoreArgs) -> anyhow::Result<OfferIndex> {
    if !args.index.join("meta.json").exists() {
        anyhow::bail!(
            "no index at {}: run `feedmill ingest` first",
            args.index.display()
        );
    }
    OfferIndex::open_or_create(&args.index)
        .with_context(|| format!("failed to open the index at {}", args.index.display()))
}

fn print_json(out: &mut impl Write, value: &impl serde::Serialize) -> anyhow::Result<ExitCode> {
    serde_json::to_writer_pretty(&mut *out, value)?;
    writeln!(out)?;
    Ok(ExitCode::SUCCESS)
}
