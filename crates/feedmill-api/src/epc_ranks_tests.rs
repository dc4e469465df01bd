use super::*;
use crate::earnings_testing::{dec, seed_merchant};
use crate::testing::fixture_store;

/// Small: SEK 60 over 120 clicks (0.5); Big: SEK 30 over 150 (0.2); Thin: SEK 100 over 10
/// clicks (too few); Euro: EUR 100 over 200 clicks (0.5 EUR).
fn store(dir: &std::path::Path, now: DateTime<Utc>) -> Arc<feedmill_store::SqliteStore> {
    let store = fixture_store(dir);
    seed_merchant(
        &store,
        "Small",
        "s1",
        120,
        &[("SEK", "40.00"), ("SEK", "20.00")],
        now,
    );
    seed_merchant(&store, "Big", "b1", 150, &[("SEK", "30.00")], now);
    seed_merchant(&store, "Thin", "t1", 10, &[("SEK", "100.00")], now);
    seed_merchant(&store, "Euro", "e1", 200, &[("EUR", "100.00")], now);
    store
}

#[test]
fn merchants_rank_by_epc_in_the_main_currency_thin_ones_unranked() -> StoreResult<()> {
    let dir = tempfile::tempdir()?;
    let now = Utc::now();
    let store = store(dir.path(), now);
    let ranks = EpcRanks::default();
    let sek = ranks.ranks_for(store.as_ref(), None, now)?;
    assert_eq!(
        sek.currency().map(|c| c.code()),
        Some("SEK"),
        "most sales are in SEK"
    );
    assert_eq!(sek.epc("Small"), Some(dec("0.5")));
    assert_eq!(sek.place("Small"), Some(0));
    assert_eq!(sek.place("Big"), Some(1));
    assert_eq!(sek.place("Euro"), Some(2), "no SEK sales: EPC 0 in SEK");
    assert_eq!(sek.place("Thin"), None, "10 clicks are under the minimum");
    let eur = ranks.ranks_for(store.as_ref(), Some("eur"), now)?;
    assert_eq!(eur.place("Euro"), Some(0));
    assert_eq!(eur.epc("Big"), Some(Decimal::ZERO));
    let unknown = ranks.ranks_for(store.as_ref(), Some("NOK"), now)?;
    assert_eq!(
        unknown.place("Euro"),
        unknown.place("Small"),
        "nobody sold in NOK"
    );
    assert!(unknown.place("Thin").is_none());
    Ok(())
}

#[test]
fn tables_are_shared_until_invalidated() -> StoreResult<()> {
    let dir = tempfile::tempdir()?;
    let now = Utc::now();
    let store = store(dir.path(), now);
    let ranks = EpcRanks::default();
    let first = ranks.ranks_for(store.as_ref(), None, now)?;
    seed_merchant(&store, "Late", "l1", 300, &[("SEK", "900.00")], now);
    let cached = ranks.ranks_for(store.as_ref(), None, now)?;
    assert!(Arc::ptr_eq(&first, &cached), "not recomputed per request");
    assert_eq!(cached.place("Late"), None);
    ranks.invalidate();
    let fresh = ranks.ranks_for(store.as_ref(), None, now)?;
    assert_ne!(first, fresh);
    assert_eq!(fresh.place("Late"), Some(0));
    Ok(())
}

#[test]
fn clicks_older_than_the_window_do_not_count() -> StoreResult<()> {
    let dir = tempfile::tempdir()?;
    let now = Utc::now();
    let store = store(dir.path(), now - Days::days(EPC_WINDOW_DAYS + 1));
    let table = EpcRanks::default().ranks_for(store.as_ref(), None, now)?;
    assert_eq!(table.num_merchants(), 0);
    Ok(())
}
