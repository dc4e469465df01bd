//! Tests of what only the Postgres store has: its migrations between processes, its writes
//! from several processes at once, what survives a process, and the refresh lease. They run on
//! the server `FEEDMILL_TEST_POSTGRES_URL` names and say so and pass without one.

use super::migrations::MIGRATIONS;
use crate::click::TimeRange;
use crate::conversion::ConversionInput;
use crate::error::{StoreError, StoreResult};
use crate::store::{
    ClickStore, ConversionStore, EarningsStore, Migrations, PriceHistoryStore, TransactionStore,
};
use crate::suite::postgres_fixture::store_in_new_schema;
use crate::suite::{click, currency, day, dec};
use crate::transaction::TransactionInput;
use feedmill_model::Network;
use std::time::{Duration, Instant};

#[test]
fn stores_opened_at_once_migrate_once_and_a_newer_schema_is_refused() -> StoreResult<()> {
    let Some((store, schema)) = store_in_new_schema("postgres_migrations")? else {
        return Ok(());
    };
    drop(store);
    let opened: Vec<StoreResult<u32>> = std::thread::scope(|scope| {
        let opening: Vec<_> = (0..4)
            .map(|_| scope.spawn(|| schema.open_store()?.schema_version()))
            .collect();
        opening
            .into_iter()
            .map(|thread| thread.join().unwrap_or(Err(StoreError::WriterStopped)))
            .collect()
    });
    for version in opened {
        assert_eq!(version?, MIGRATIONS.len() as u32);
    }
    let mut client = schema.config().connect(postgres::NoTls)?;
    client.execute("UPDATE feedmill_schema SET version = version + 1", &[])?;
    let refused = schema.open_store();
    assert!(
        matches!(refused, Err(StoreError::PostgresSchemaTooNew { found, .. }) if found == MIGRATIONS.len() as u32 + 1),
        "{refused:?}"
    );
    Ok(())
}

/// Clicks, a conversion, a transaction and a price batch written by one process are there,
/// attributed, for the next one: nothing lives in the process.
#[test]
fn what_one_process_wrote_another_reads() -> StoreResult<()> {
    let Some((first, schema)) = store_in_new_schema("postgres_survives")? else {
        return Ok(());
    };
    let clicked = click("o1", day(0), Some("nl"))?;
    first.record_click(&clicked)?;
    let sale = ConversionInput {
        program_id: "p".into(),
        order_id: "A1".into(),
        click_id: Some(clicked.click_id.as_str().into()),
        amount: Some(dec("19.99")),
        ..ConversionInput::default()
    };
    first.upsert_conversion(&sale, currency("EUR"), day(1))?;
    let transaction = TransactionInput {
        network: Network::Awin,
        transaction_id: "T1".into(),
        status: crate::ConversionStatus::Approved,
        sale_amount: dec("40.00"),
        commission_amount: dec("2.50"),
        currency: currency("EUR"),
        transaction_time: day(1),
        program_id: None,
        merchant: None,
        click_ref: Some(clicked.click_id.as_str().into()),
        sub_ids: Default::default(),
    };
    first.upsert_transaction(&transaction, day(1))?;
    let observation = crate::PriceObservation {
        offer_id: "o1".into(),
        price: dec("10.00"),
        old_price: None,
        currency: currency("EUR"),
        availability: feedmill_model::Availability::InStock,
        gtin: None,
        merchant: None,
    };
    first.record_prices("shop", day(0), std::slice::from_ref(&observation))?;
    drop(first);
    let second = schema.open_store()?;
    assert_eq!(second.click(&clicked.click_id)?, Some(clicked.clone()));
    let stored = second.conversion("p", "A1")?;
    assert_eq!(
        stored.and_then(|c| c.attribution.click_id),
        Some(clicked.click_id.clone())
    );
    let stored = second.transaction(Network::Awin, "T1")?;
    assert_eq!(stored.map(|t| t.commission_amount), Some(dec("2.50")));
    assert_eq!(second.price_points("shop", "o1", day(-1))?.len(), 1);
    assert_eq!(second.visit_clicks(TimeRange::all(), &mut |_| Ok(()))?, 1);
    Ok(())
}

/// Two processes upserting the same orders at once: one conversion per order, one id, and a
/// history entry per status change, as one process would leave them.
#[test]
fn replicas_upserting_one_order_keep_one_conversion() -> StoreResult<()> {
    let Some((first, schema)) = store_in_new_schema("postgres_replicas")? else {
        return Ok(());
    };
    let second = schema.open_store()?;
    let order = |n: u32| ConversionInput {
        program_id: "p".into(),
        order_id: format!("O{n}"),
        amount: Some(dec("5.00")),
        ..ConversionInput::default()
    };
    let receipts: Vec<StoreResult<Vec<String>>> = std::thread::scope(|scope| {
        [&first, &second]
            .map(|store| {
                scope.spawn(move || {
                    (0..20)
                        .map(|n| {
                            let r = store.upsert_conversion(&order(n), currency("EUR"), day(1))?;
                            Ok(r.conversion_id)
                        })
                        .collect::<StoreResult<Vec<String>>>()
                })
            })
            .into_iter()
            .map(|thread| thread.join().unwrap_or(Err(StoreError::WriterStopped)))
            .collect()
    });
    let mut ids = receipts.into_iter();
    let (Some(a), Some(b)) = (ids.next(), ids.next()) else {
        panic!("two writers");
    };
    assert_eq!(
        a?, b?,
        "both replicas answered the same conversion per order"
    );
    for n in 0..20 {
        let stored = first.conversion("p", &format!("O{n}"))?;
        let Some(stored) = stored else {
            panic!("order O{n} missing");
        };
        assert_eq!(first.conversion_history(&stored.conversion_id)?.len(), 1);
    }
    Ok(())
}

/// Of two processes' leases exactly one is held; when its holder goes, the other takes over
/// within the poll interval (plus the time to notice).
#[test]
fn one_lease_is_held_and_another_takes_over_when_it_goes() -> StoreResult<()> {
    let Some((store, schema)) = store_in_new_schema("postgres_lease")? else {
        return Ok(());
    };
    let other = schema.open_store()?;
    let poll = Duration::from_millis(200);
    let first = store.refresh_lease(poll)?;
    let second = other.refresh_lease(poll)?;
    let both_settled = wait_for(Duration::from_secs(10), || {
        first.is_held() || second.is_held()
    });
    assert!(both_settled, "nobody took the lease");
    std::thread::sleep(poll * 3);
    assert!(first.is_held() != second.is_held(), "exactly one holds it");
    let (holder, waiting) = if first.is_held() {
        (first, second)
    } else {
        (second, first)
    };
    let released = Instant::now();
    drop(holder);
    assert!(
        wait_for(Duration::from_secs(5), || waiting.is_held()),
        "no take-over"
    );
    assert!(released.elapsed() < Duration::from_secs(5));
    Ok(())
}

fn wait_for(limit: Duration, mut done: impl FnMut() -> bool) -> bool {
    let start = Instant::now();
    while start.elapsed() < limit {
        if done() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    done()
}

/// Durable click-outs per second on the test server: one caller, then 16 at once, and the
/// earnings report over them. A measurement, not a check: run it by name with the server
/// (`tests/store/postgres run -- cargo test -p feedmill-store --release -- --ignored
/// --nocapture measure_postgres`).
#[test]
#[ignore = "a measurement, not a check; run it by name"]
fn measure_postgres_click_writes() -> StoreResult<()> {
    const ALONE: usize = 500;
    const CALLERS: usize = 16;
    const PER_CALLER: usize = 100;
    let Some((store, _schema)) = store_in_new_schema("measure_postgres_click_writes")? else {
        return Ok(());
    };
    let started = Instant::now();
    for n in 0..ALONE {
        store.record_click(&click(&format!("o{}", n % 50), day(0), Some("a"))?)?;
    }
    let alone = started.elapsed();
    let store = std::sync::Arc::new(store);
    let started = Instant::now();
    let callers: Vec<_> = (0..CALLERS)
        .map(|caller| {
            let store = store.clone();
            std::thread::spawn(move || -> StoreResult<()> {
                for n in 0..PER_CALLER {
                    store.record_click(&click(&format!("o{caller}-{n}"), day(1), None)?)?;
                }
                Ok(())
            })
        })
        .collect();
    for caller in callers {
        caller.join().unwrap_or(Err(StoreError::WriterStopped))?;
    }
    let together = started.elapsed();
    let started = Instant::now();
    let rows = store.earnings(crate::EarningsQuery {
        range: TimeRange::all(),
        group_by: crate::GroupBy::Offer,
    })?;
    let report = started.elapsed();
    let rate = |n: usize, took: Duration| n as f64 / took.as_secs_f64();
    eprintln!(
        "postgres: {:.0} clicks/s alone ({:.2} ms each), {:.0} clicks/s with {CALLERS} callers, \
         earnings by offer over {} clicks in {:.1} ms ({} rows)",
        rate(ALONE, alone),
        alone.as_secs_f64() * 1000.0 / ALONE as f64,
        rate(CALLERS * PER_CALLER, together),
        ALONE + CALLERS * PER_CALLER,
        report.as_secs_f64() * 1000.0,
        rows.len()
    );
    Ok(())
}

/// The server ends every connection of the store (as a restart does): after a pause the store
/// reconnects before its next calls instead of failing them.
#[test]
fn a_store_reconnects_after_the_server_dropped_its_connections() -> StoreResult<()> {
    let Some((store, schema)) = store_in_new_schema("postgres_reconnects")? else {
        return Ok(());
    };
    store.record_click(&click("o1", day(0), None)?)?;
    let mut admin = schema.config().connect(postgres::NoTls)?;
    let ended = admin.query(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
         WHERE application_name = $1 AND pid <> pg_backend_pid()",
        &[&schema.schema],
    )?;
    assert!(
        !ended.is_empty(),
        "the store's connections were there to end"
    );
    std::thread::sleep(Duration::from_millis(1200));
    for n in 0..8 {
        store.record_click(&click(&format!("after{n}"), day(1), None)?)?;
    }
    assert_eq!(store.visit_clicks(TimeRange::all(), &mut |_| Ok(()))?, 9);
    Ok(())
}
