//! The store test suite, written once against the [`Store`] traits and run for every store
//! implementation through [`store_suite!`] with a factory of fresh, empty stores.

mod alert_suite;
mod attribution_suite;
mod click_suite;
mod commission_suite;
mod conversion_suite;
mod earnings_rollup_suite;
mod earnings_suite;
mod gtin_low_suite;
mod key_suite;
pub(crate) mod postgres_fixture;
mod price_suite;
mod price_upkeep_suite;
mod product_match_suite;
mod resume_suite;
mod summary_suite;
mod transaction_suite;

pub(crate) use alert_suite::*;
pub(crate) use attribution_suite::*;
pub(crate) use click_suite::*;
pub(crate) use commission_suite::*;
pub(crate) use conversion_suite::*;
pub(crate) use earnings_rollup_suite::*;
pub(crate) use earnings_suite::*;
pub(crate) use gtin_low_suite::*;
pub(crate) use key_suite::*;
pub(crate) use price_suite::*;
pub(crate) use price_upkeep_suite::*;
pub(crate) use product_match_suite::*;
pub(crate) use resume_suite::*;
pub(crate) use summary_suite::*;
pub(crate) use transaction_suite::*;

use crate::click::{Click, ClickId};
use crate::error::StoreResult;
use crate::store::Store;
use chrono::{DateTime, Duration, TimeZone, Utc};
use feedmill_model::Currency;
use rust_decimal::Decimal;
use std::str::FromStr;

/// A fresh store and whatever keeps it alive (its directory, its database).
pub(crate) struct StoreFixture<S: Store> {
    pub store: S,
    pub _keep: Box<dyn std::any::Any>,
}

/// Instantiates every suite test for the store made by `$factory: fn() -> StoreResult<StoreFixture<_>>`.
/// With `optional`, the factory takes the test's name and returns `None` when its store is not
/// available (no server configured): the test then passes having said so.
macro_rules! store_suite {
    ($factory:path) => {
        store_suite!(@names required $factory);
    };
    (optional $factory:path) => {
        store_suite!(@names optional $factory);
    };
    (@names $mode:ident $factory:path) => {
        store_suite!(@tests $mode $factory;
            a_click_keeps_every_field, a_click_id_is_stored_once, clicks_are_visited_in_time_order,
            a_submitted_click_is_acknowledged_once_stored,
            clicks_are_counted_by_group_and_range, an_old_click_log_is_imported_once,
            a_click_log_file_is_imported_if_there_is_one,
            a_malformed_log_line_is_reported_with_its_number,
            a_postback_again_updates_the_same_conversion, amounts_stay_exact_with_their_currency,
            order_status_moves_the_status_and_history_keeps_it,
            the_integration_context_is_stored_and_kept_on_updates,
            an_amount_the_store_cannot_hold_changes_nothing,
            a_transaction_is_upserted_by_network_and_id, transaction_status_history_is_kept,
            a_sale_is_attributed_by_click_id, a_sale_without_click_id_is_attributed_by_sub_id_in_the_window,
            an_unattributable_sale_is_kept_and_listed, a_transaction_is_attributed_by_its_click_ref,
            earnings_are_grouped_with_epc_per_currency, earnings_by_day_use_the_sale_day,
            earnings_count_the_same_clicks_as_the_clicks_for_any_bounds,
            an_unchanged_observation_adds_nothing, a_disappearance_is_a_gap_and_a_return_is_marked,
            the_low_ignores_a_raise_31_days_before_a_sale, a_raise_29_days_before_a_sale_is_seen,
            a_price_that_returns_after_a_gap, an_offer_seen_for_3_days_has_no_low,
            a_currency_change_restarts_the_history, gtin_daily_lows_per_merchant_and_market,
            daily_lows_agree_with_every_observation, daily_lows_agree_when_batches_resume_from_memory,
            pruning_keeps_the_point_in_effect,
            pruning_drops_the_daily_lows_before_the_cut_and_keeps_the_rest,
            a_batch_keeps_the_feed_it_caught_up_to, an_observation_that_cannot_be_stored_is_reported,
            the_schema_version_is_the_latest,
            an_api_key_keeps_every_field, an_api_key_digest_is_stored_once,
            a_deleted_api_key_is_gone,
            commission_rules_are_replaced_per_program, commission_rules_keep_exact_values,
            observed_summaries_agree_with_the_points,
            a_summary_is_computed_for_offers_recorded_without_one,
            a_resumed_batch_answers_as_a_loaded_one,
            states_written_by_another_batch_are_loaded_again,
            an_alert_keeps_its_fields_and_a_secret_of_its_own,
            a_drop_is_delivered_once_until_the_price_goes_back_above,
            an_alert_below_at_its_first_evaluation_fires, an_attempt_moves_only_a_pending_delivery,
            a_claimed_delivery_is_tried_by_its_claim_alone,
            deleting_an_alert_deletes_its_deliveries, a_threshold_the_store_cannot_hold_is_refused,
            a_source_s_decisions_are_replaced_whole,
            model_keys_answer_distinct_gtins_of_every_source,
            a_pin_is_kept_per_offer_and_takes_it_off_the_review_list,
            a_pin_change_stays_pending_until_an_ingest_applied_it,
            an_update_writes_only_what_changed
        );
    };
    (@tests required $factory:path; $($name:ident),* $(,)?) => {
        $(
            #[test]
            fn $name() -> $crate::error::StoreResult<()> {
                let fixture = $factory()?;
                $crate::suite::$name(&fixture.store)
            }
        )*
    };
    (@tests optional $factory:path; $($name:ident),* $(,)?) => {
        $(
            #[test]
            fn $name() -> $crate::error::StoreResult<()> {
                let Some(fixture) = $factory(stringify!($name))? else {
                    return Ok(());
                };
                $crate::suite::$name(&fixture.store)
            }
        )*
    };
}
pub(crate) use store_suite;

/// A fresh SQLite store in a temporary directory.
pub(crate) fn sqlite_fixture() -> StoreResult<StoreFixture<crate::SqliteStore>> {
    let dir = tempfile::tempdir()?;
    let store = crate::SqliteStore::open(&dir.path().join("store.sqlite"))?;
    Ok(StoreFixture {
        store,
        _keep: Box::new(dir),
    })
}

mod sqlite {
    super::store_suite!(crate::suite::sqlite_fixture);
}

mod postgres {
    super::store_suite!(optional crate::suite::postgres_fixture::postgres_fixture);
}

/// Noon UTC of day `day` of the test calendar (day 0 = 2026-01-01).
pub(crate) fn day(day: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 1, 1, 12, 0, 0)
        .single()
        .unwrap_or_default()
        + Duration::days(day)
}

pub(crate) fn dec(text: &str) -> Decimal {
    Decimal::from_str(text).unwrap_or_else(|_| panic!("bad test decimal {text}"))
}

pub(crate) fn currency(code: &str) -> Currency {
    Currency::parse(code).unwrap_or_else(|_| panic!("bad test currency {code}"))
}

/// A click of `offer` at `time` with first sub-id `sub_id`.
pub(crate) fn click(offer: &str, time: DateTime<Utc>, sub_id: Option<&str>) -> StoreResult<Click> {
    Ok(Click {
        click_id: ClickId::random()?,
        time,
        offer_id: offer.into(),
        source: "shop".into(),
        network: Some(feedmill_model::Network::Awin),
        merchant: Some("Acme".into()),
        sub_id: sub_id.map(Into::into),
        sub_id_2: None,
        sub_id_3: None,
        sub_id_4: None,
        sub_id_5: None,
        sub_id_6: None,
        referrer: None,
        destination: format!("https://t.example/{offer}"),
    })
}
