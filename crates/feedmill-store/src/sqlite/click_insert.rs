//! A click's row: the columns, and the insert that keeps the closed days' rollups exact.

use super::click_open_day::{RolledUpKeys, roll_up_inserted};
use crate::click::Click;
use crate::error::StoreResult;
use crate::stored::time_to_stored;
use rusqlite::{Connection, params};

pub(super) const CLICK_COLUMNS: &str = "click_id, time_us, offer_id, source, network, merchant, sub_id, \
     sub_id_2, sub_id_3, sub_id_4, sub_id_5, sub_id_6, referrer, destination";

/// Inserts `click`, keeping the rollups of closed days exact (`click_open_day.rs`); with
/// `skip_existing`, a click id already stored is left alone (returns 0).
pub(super) fn insert_click(
    connection: &Connection,
    click: &Click,
    skip_existing: bool,
) -> StoreResult<u64> {
    let on_conflict = if skip_existing {
        "ON CONFLICT (click_id) DO NOTHING"
    } else {
        ""
    };
    let sql = format!(
        "INSERT INTO clicks ({CLICK_COLUMNS}) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14) {on_conflict}"
    );
    let time_us = time_to_stored(click.time);
    let mut statement = connection.prepare_cached(&sql)?;
    let inserted = statement.execute(params![
        click.click_id.as_str(),
        time_us,
        click.offer_id,
        click.source,
        click.network.map(|n| n.as_str()),
        click.merchant,
        click.sub_id,
        click.sub_id_2,
        click.sub_id_3,
        click.sub_id_4,
        click.sub_id_5,
        click.sub_id_6,
        click.referrer,
        click.destination,
    ])?;
    if inserted > 0 {
        roll_up_inserted(
            connection,
            &RolledUpKeys {
                time_us,
                source: &click.source,
                merchant: click.merchant.as_deref(),
                offer_id: &click.offer_id,
                sub_id: click.sub_id.as_deref(),
            },
        )?;
    }
    Ok(inserted as u64)
}
