//! `feedmill serve`: the HTTP API over the index, with the configured sources ingested into an
//! empty index first and then refreshed in the background on their `every` schedule. Clicks
//! go to the store (`--store`, default `feedmill.db` beside the index), into which an old
//! click log (`--clicks`) is imported at start; every ingest records its prices there too
//! (unless `--no-history` or `[history] enabled = false`). After each committed refresh the
//! price alerts are evaluated and their drops delivered (`feedmill_api::alerts`). The `[auth]`
//! section and `[[key]]` entries turn API keys on; merchants' conversion postbacks are accepted
//! for the file's `[[program]]`s, whose keys come from the environment. The operator endpoints
//! steer the scheduler (`serve_operator`), and `POST /admin/reload` or SIGHUP re-read the
//! config file (keys, programs and sources). `--metrics-listen` serves `/metrics` on an address
//! of its own. The `[[network_account]]`s' transactions are synced on the
//! `[transactions] every` schedule, refreshing the offers' expected commissions. The
//! comparison page at `/` sends the key the sources file's `[web] api_key_env` names, if any.
//! The offers are in the search backend the file's `[search]` section picks (`backend.rs`): the
//! tantivy index in `--index`, or a Typesense cluster (then without product matching and
//! without the history filters, which Typesense refuses).

use super::backend::open_offer_store;
use super::clicks::open_store;
use super::fetch::runtime;
use super::ingest_stages::stages_in;
use super::postback_programs::postback_programs;
use super::price_history::fixed_now;
use super::serve_lease::LEASE_POLL;
use super::serve_operator::{ServeOperator, auth_settings};
use super::store_location::configured_store;
use crate::cli::{MatchingArgs, ServeArgs};
use anyhow::Context;
use feedmill_api::alerts::{AlertEvaluator, AlertingRefreshLog, CallbackPolicy};
use feedmill_api::auth::{Action, AuthMode};
use feedmill_api::{ApiConfig, AppState, LinkNetwork, PageApiKey, SourceLinks};
use feedmill_fetch::{FeedConfig, FetchContext, NetworkConfig, SourceConfig, load_config};
use feedmill_model::RefreshLog;
use feedmill_pipeline::{
    OfferStore, SCHEDULER_TICK, SchedulerHandle, refresh_all, run_scheduler, scheduler_channel,
};
use feedmill_store::Store;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;
use tracing::{info, warn};

pub fn run(args: ServeArgs) -> anyhow::Result<ExitCode> {
    let config = sources_config(&args)?;
    // Opened before the runtime and dropped after it (declared first, dropped last): a
    // Typesense backend's blocking client must not be dropped on an async worker.
    let index = open_offer_store(&args.index, &config.search)?;
    let runtime = runtime()?;
    runtime.block_on(serve(args, config, index.clone()))?;
    drop(runtime);
    Ok(ExitCode::SUCCESS)
}

async fn serve(args: ServeArgs, config: FeedConfig, index: OfferStore) -> anyhow::Result<()> {
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
    api_config.max_connections_per_ip = args.max_connections_per_ip;
    api_config.allow_private_callbacks = config.alerts.allow_private_callbacks;
    // The comparison page's key, from the variable `[web] api_key_env` names.
    api_config.page_api_key = config
        .web
        .page_api_key(|name| std::env::var(name).ok())?
        .map(PageApiKey::new);
    let store_path = configured_store(args.store.as_deref(), &config, args.store_path());
    let store: Arc<dyn Store> = open_store(&store_path)?;
    let matching = MatchingArgs {
        no_match: args.no_match,
        rematch: false,
    };
    let stages = stages_in(&args.history, config.history, &matching, store.clone())?;
    let stages = super::ingest_stages::for_store(stages, &index);
    if let Some(now) = fixed_now(&args.history)?
        && let Some(index) = index.index()
    {
        index.set_search_time(Some(now));
    }
    let state = AppState::new(index.search_backend(), api_config, store.clone())?;
    state.wall_clock().set(fixed_now(&args.history)?);
    let env = |name: &str| std::env::var(name).ok();
    let settings = auth_settings(&config, &env).map_err(anyhow::Error::msg)?;
    state
        .keys()
        .configure(&settings)
        .map_err(|err| anyhow::anyhow!("{}: {err}", args.config.display()))?;
    check_page_key(&state)?;
    state.reload_programs(postback_programs(&config, &env).context("postback programs")?);
    let transactions = super::serve_transactions::start(&state, store, ctx.clone(), &config);
    let board = refresh_log_with_alerts(&state);
    let (scheduler, control) = scheduler_channel(&config.sources);
    let lease = super::serve_lease::follow_lease(&store_path, &scheduler)?;
    if index.num_offers() == 0
        && !config.sources.is_empty()
        && fills_empty_index(&index, lease.is_some(), &scheduler).await
    {
        info!(
            num_sources = config.sources.len(),
            "index is empty: ingesting the configured sources"
        );
        let reports = refresh_all(&index, &ctx, &config.sources, board.as_ref(), &stages).await;
        scheduler.keep_reports(&reports);
    }
    let operator = Arc::new(ServeOperator {
        config_path: args.config.clone(),
        scheduler,
        keys: state.keys().clone(),
        apply_programs: Box::new({
            let state = state.clone();
            move |programs| state.reload_programs(programs)
        }),
        env: Box::new(|name| std::env::var(name).ok()),
    });
    state.attach_operator(operator.clone());
    #[cfg(unix)]
    let hangups = tokio::spawn(super::serve_operator::reload_on_hangup(operator));
    let schedule = tokio::spawn(run_scheduler(
        index.clone(),
        ctx,
        config.sources,
        board,
        SCHEDULER_TICK,
        control,
        stages,
    ));
    let metrics = match &args.metrics_listen {
        Some(addr) => Some(serve_metrics(addr, state.clone()).await?),
        None => None,
    };
    let shutdown = shutdown_signal();
    // Behind a proxy the public address is not the one listened on: say both.
    let listening = match args.public_url {
        Some(_) => format!(", listening on http://{addr}"),
        None => String::new(),
    };
    println!(
        "feedmill serves {} offers at {public_url}  (try {public_url}/search?q=shoes){listening}",
        index.num_offers()
    );
    let served = feedmill_api::serve(listener, state, shutdown).await;
    schedule.abort();
    #[cfg(unix)]
    hangups.abort();
    if let Some(metrics) = metrics {
        metrics.abort();
    }
    transactions.abort();
    if let Some(lease) = lease {
        lease.abort();
    }
    if let Some(index) = index.index() {
        index.release_writer();
    }
    served.context("the HTTP server failed")?;
    info!("shut down");
    Ok(())
}

/// Whether this process ingests the configured sources into an empty index at start. A
/// replica's own tantivy index, or a store without a lease: always. A shared search backend (a
/// Typesense cluster) with replicas on one Postgres store: only the replica that holds the
/// refresh lease within one poll of it; the others leave the filling to it and serve what it
/// commits.
async fn fills_empty_index(index: &OfferStore, leased: bool, scheduler: &SchedulerHandle) -> bool {
    if !leased || index.index().is_some() {
        return true;
    }
    let deadline = tokio::time::Instant::now() + LEASE_POLL + Duration::from_secs(1);
    while scheduler.is_standby() && tokio::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let holds = !scheduler.is_standby();
    if !holds {
        info!("the refresh lease is another replica's: it fills the shared search backend");
    }
    holds
}

/// Serves `/metrics` alone on `addr` until aborted.
async fn serve_metrics(addr: &str, state: AppState) -> anyhow::Result<tokio::task::JoinHandle<()>> {
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .with_context(|| format!("failed to listen on {addr} for metrics"))?;
    info!(addr = %listener.local_addr()?, "metrics served without a key");
    Ok(tokio::spawn(async move {
        if let Err(error) = feedmill_api::serve_metrics(listener, state).await {
            warn!(%error, "the metrics listener failed");
        }
    }))
}

/// The status board of `GET /sources`, and after each committed refresh a run of the price
/// alert evaluator (started here, in the background: it also runs once now, for drops and
/// deliveries left from before).
fn refresh_log_with_alerts(state: &AppState) -> Arc<dyn RefreshLog> {
    let policy = CallbackPolicy {
        allow_private: state.config().allow_private_callbacks,
    };
    let evaluator = AlertEvaluator::new(state.index().clone(), state.store().clone(), policy)
        .with_clock(state.wall_clock().clone());
    let trigger = Arc::new(evaluator).spawn();
    Arc::new(AlertingRefreshLog::new(state.sources(), trigger))
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

/// The comparison page publishes its key in its HTML, so with keys on it must be a known key
/// that can only search: a key with any other action is refused at start, and an unknown one is
/// warned about (the page's searches would be refused).
fn check_page_key(state: &AppState) -> anyhow::Result<()> {
    let Some(page_key) = &state.config().page_api_key else {
        return Ok(());
    };
    if state.keys().mode() == AuthMode::Open {
        return Ok(());
    }
    match state
        .keys()
        .authenticate(page_key.as_str(), chrono::Utc::now())
    {
        Ok(caller) if caller.key.actions.iter().all(|a| *a == Action::Search) => Ok(()),
        Ok(caller) => anyhow::bail!(
            "[web] api_key_env gives the page the key {:?}, which may {}: the page publishes its key \
             in its HTML, so give it a key with only the search action",
            caller.key.name,
            caller
                .key
                .actions
                .iter()
                .map(|a| a.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ),
        Err(_) => {
            warn!("[web] api_key_env names no valid key: the page's searches will be refused");
            Ok(())
        }
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

/// Ctrl-C or SIGTERM. The handlers are installed by this call, not when the future is first
/// polled, so a signal sent as soon as the server has answered anything stops it gracefully
/// (`tokio::signal::ctrl_c` registers only on its first poll, which can come after the first
/// answer on a busy machine, and an interrupt before it would kill the process).
fn shutdown_signal() -> impl std::future::Future<Output = ()> {
    #[cfg(unix)]
    let signals = {
        use tokio::signal::unix::{SignalKind, signal};
        (
            signal(SignalKind::interrupt()),
            signal(SignalKind::terminate()),
        )
    };
    async move {
        #[cfg(unix)]
        match signals {
            (Ok(mut interrupt), Ok(mut terminate)) => {
                tokio::select! {
                    _ = interrupt.recv() => {},
                    _ = terminate.recv() => {},
                }
            }
            _ => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
        #[cfg(not(unix))]
        let _ = tokio::signal::ctrl_c().await;
        info!("shutting down");
    }
}
