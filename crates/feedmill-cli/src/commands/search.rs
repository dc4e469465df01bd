//! `feedmill search`: the search backend from the command line, as a table or JSON; the
//! backend is the one the sources file's `[search]` section picks (`backend.rs`).

use super::UsageError;
use super::backend::{config_or_default, open_offer_store};
use crate::cli::SearchArgs;
use feedmill_index::{FacetKind, SearchItem, SearchRequest, SearchResponse, parse_day_window};
use feedmill_model::{Decimal, format_price};
use feedmill_pipeline::OfferStore;
use std::process::ExitCode;
use std::str::FromStr;

pub fn run(args: SearchArgs) -> anyhow::Result<ExitCode> {
    let request = search_request(&args)?;
    let config = config_or_default(&args.backend.config)?;
    let response = match open_offer_store(&args.index, &config.search)? {
        OfferStore::Index(index) => index.search(&request)?,
        OfferStore::Backend(backend) => backend.search(&request)?,
    };
    if args.json {
        println!("{}", serde_json::to_string_pretty(&response)?);
    } else {
        print_table(&response);
    }
    Ok(ExitCode::SUCCESS)
}

fn search_request(args: &SearchArgs) -> Result<SearchRequest, UsageError> {
    Ok(SearchRequest {
        query: args.query.clone(),
        brands: args.brands.clone(),
        category: args.category.clone(),
        merchant: args.merchant.clone(),
        network: args.network.clone(),
        source: args.source.clone(),
        min_price: parse_price("--min-price", args.min_price.as_deref())?,
        max_price: parse_price("--max-price", args.max_price.as_deref())?,
        currency: args.currency.clone(),
        in_stock: args.in_stock,
        gtin: args.gtin.clone(),
        sort: args
            .sort
            .parse()
            .map_err(|err| UsageError(format!("--sort: {err}")))?,
        page: args.page,
        per_page: args.per_page,
        facets: match &args.facets {
            Some(list) => {
                FacetKind::parse_list(list).map_err(|err| UsageError(format!("--facets: {err}")))?
            }
            None => Vec::new(),
        },
        group_by_gtin: args.group_by_gtin,
        group_by_product: args.group_by_product,
        // `--sort epc` needs the store's EPCs, which only `serve` computes; the index refuses it.
        merchant_ranks: None,
        dropped_within: day_window("--dropped-within", args.dropped_within.as_deref())?,
        at_lowest: day_window("--at-lowest", args.at_lowest.as_deref())?,
    })
}

fn day_window(flag: &str, value: Option<&str>) -> Result<Option<u32>, UsageError> {
    value
        .map(|v| parse_day_window("days", v).map_err(|err| UsageError(format!("{flag}: {err}"))))
        .transpose()
}

fn parse_price(flag: &str, value: Option<&str>) -> Result<Option<Decimal>, UsageError> {
    value
        .map(|v| {
            Decimal::from_str(v.trim())
                .map_err(|_| UsageError(format!("{flag}: {v:?} is not a number")))
        })
        .transpose()
}

fn print_table(response: &SearchResponse) {
    for item in &response.items {
        match item {
            SearchItem::Offer(hit) => {
                let offer = &hit.offer;
                println!(
                    "{:>10} {}  {}  [{}]  {}",
                    format_price(offer.price),
                    offer.currency,
                    offer.title,
                    offer.merchant_name.as_deref().unwrap_or(&offer.source),
                    offer.id
                );
            }
            SearchItem::Group(group) => {
                let product = group
                    .product_id
                    .as_deref()
                    .map(|id| format!("product {id}"));
                let gtin = group.gtin.as_deref().map(|gtin| format!("gtin {gtin}"));
                let identity: Vec<String> = product.into_iter().chain(gtin).collect();
                println!(
                    "{:>10} {}  {}  ({} offers, up to {})  {}",
                    format_price(group.min_price),
                    group.currency,
                    group.title,
                    group.offer_count,
                    format_price(group.max_price),
                    identity.join("  ")
                );
            }
        }
    }
    let facets = &response.facets;
    let named = [
        ("brand", &facets.brand),
        ("category", &facets.category),
        ("merchant", &facets.merchant),
        ("network", &facets.network),
        ("price", &facets.price),
    ];
    for (kind, values) in named
        .iter()
        .filter_map(|(kind, values)| Some((kind, values.as_ref()?)))
    {
        let shown: Vec<String> = values
            .iter()
            .take(8)
            .map(|v| format!("{} ({})", v.value, v.count))
            .collect();
        println!("{kind}: {}", shown.join(", "));
    }
    println!(
        "{} results, page {}, {} per page, {} ms",
        response.total, response.page, response.per_page, response.took_ms
    );
}
