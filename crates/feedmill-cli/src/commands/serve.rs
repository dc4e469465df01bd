//! `feedmill serve`: the HTTP API over the index, with the configured sources ingested into an
//! empty index first and then refreshed in the background on their `every` schedule. Clicks
//! go to the store (`--store`, default `feedmill.db` beside the index), into which an old
//! click log (`--clicks`) is imported at start. The comparison page at `/` sends the key the
//! sources file's `[web] api_key_env` names, if any.

use super::clicks::open_store;
use super::fetch::runtime;
use crate::cli::ServeArgs;
use anyhow::Context;
use feedmill_api::{ApiConfig, AppState, LinkNetwork, PageApiKey, SourceLinks};
use feedmill_fetch::{FeedConfig, FetchContext, NetworkConfig, SourceConfig, load_config};
use feedmill_index::OfferIndex;
use feedmill_pipeline::{SCHEDULER_TICK, refresh_all, run_schedule};
use std::process::ExitCode;
use std::sync::Arc;
use tracing::{info, warn};

pub fn run(args: ServeArgs) -> anyhow::Result<ExitCode> {
    let runtime = runtime()?;
    runtime.block_on(serve(args))?;
    Ok(ExitCode::SUCCESS)
}

async fn serve(args: ServeArgs) -> anyhow::Result<()> {
    let index = Arc::new(
        OfferIndex::open_or_create(&args.index)
            .with_context(|| format!("failed to open the index at {}", args.index.display()))?,
    );
    let config = sources_config(&args)?;
    // No progress bars: background refreshes would draw them between the log lines.
    let ctx = FetchContext::new(&args.cache).context("failed to set up the HTTP client")?;
    let listener = tokio::net::TcpListener::bind(&args.addr)
        .await
        .with_context(|| format!("failed to listen on {}", args.addr))?;
    let addr = listener.local_addr()?;
    let public_url = args
        .public_url
        .clone()
        .unwrap_or_else(|| format!("http://{addr}"));
    let mut api_config = config.sources.iter().fold(
        ApiConfig::new(public_url.clone(), args.click_log()),
        |api, source| api.with_source(source.name.clone(), source_links(source)),
    );
    api_config.search_cache_bytes = args.search_cache_mb.saturating_mul(1 << 20);
    // The comparison page's key, from the variable `[web] api_key_env` names.
    api_config.page_api_key = config
        .web
        .page_api_key(|name| std::env::var(name).ok())?
        .map(PageApiKey::new);
    let store_path = args.store_path();
    let store = Arc::new(open_store(&store_path)?);
    let state = AppState::new(index.clone(), api_config, store)?;
    let board = state.sources();
    if index.num_offers() == 0 && !config.sources.is_empty() {
        info!(
            num_sources = config.sources.len(),
            "index is empty: ingesting the configured sources"
        );
        refresh_all(&index, &ctx, &config.sources, board.as_ref()).await;
    }
    let schedule = tokio::spawn(run_schedule(
        index.clone(),
        ctx,
        config.sources,
        board,
        SCHEDULER_TICK,
    ));
    println!(
        "feedmill serves {} offers at {public_url}  (try {public_url}/search?q=shoes)",
        index.num_offers()
    );
    let served = feedmill_api::serve(listener, state, shutdown_signal()).await;
    schedule.abort();
    index.release_writer();
    served.context("the HTTP server failed")?;
    info!("shut down");
    Ok(())
}

/// The API's link settings of one configured source: its network's link dialect, the
/// advertiser ids the link builder accepts, and the keys of the source's `links` settings.
fn source_links(source: &SourceConfig) -> SourceLinks {
    let settings = &source.links;
    let (network, advertiser_ids) = match &source.network {
        NetworkConfig::Adtraction(c) => (
            Some(LinkNetwork::Adtraction),
            vec![c.program_id.to_string()],
        ),
        NetworkConfig::Partnerboost(c) => {
            let ids = c.brand_id.iter().chain(c.mcid.iter()).cloned().collect();
            (Some(LinkNetwork::Partnerboost), ids)
        }
        NetworkConfig::Awin(_) => (Some(LinkNetwork::Awin), Vec::new()),
        NetworkConfig::Url(_) | NetworkConfig::File(_) => (None, Vec::new()),
    };
    let named = settings
        .link_network
        .as_deref()
        .and_then(|n| n.parse().ok());
    SourceLinks {
        network: named.or(network),
        deep_link_template: settings.deep_link_template.clone(),
        allow_deep_links: settings.allow_deep_links,
        merchant_hosts: settings.merchant_hosts.clone(),
        advertiser_ids,
    }
}

/// The sources file; a missing default file just means no sources.
fn sources_config(args: &ServeArgs) -> anyhow::Result<FeedConfig> {
    if !args.config.exists() && args.config.as_os_str() == crate::cli::DEFAULT_CONFIG {
        warn!(config = %args.config.display(), "no sources file: serving the index as it is");
        return Ok(FeedConfig::default());
    }
    Ok(load_config(&args.config)?)
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    info!("shutting down");
}
