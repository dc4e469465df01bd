//! The attribution rule (see [`crate::attribution`]) as queries over the clicks table.

use crate::attribution::{ATTRIBUTION_WINDOW_DAYS, Attribution, AttributionMethod};
use crate::click::ClickId;
use crate::error::StoreResult;
use crate::stored::MICROS_PER_DAY;
use rusqlite::{Connection, OptionalExtension};

/// The click a sale at `sale_time_us` is credited to: the first of `click_ids` that names a
/// stored click, else the latest click with first sub-id `sub_id` in the window before the sale.
pub(super) fn attribute(
    connection: &Connection,
    click_ids: &[Option<&str>],
    sub_id: Option<&str>,
    sale_time_us: i64,
) -> StoreResult<Attribution> {
    for candidate in click_ids.iter().flatten() {
        let Some(click_id) = ClickId::parse(candidate) else {
            continue;
        };
        let mut statement =
            connection.prepare_cached("SELECT 1 FROM clicks WHERE click_id = ?1")?;
        if statement.exists([click_id.as_str()])? {
            return Ok(Attribution {
                click_id: Some(click_id),
                method: Some(AttributionMethod::ClickId),
            });
        }
    }
    let Some(sub_id) = sub_id else {
        return Ok(Attribution::default());
    };
    let window_start = sale_time_us.saturating_sub(ATTRIBUTION_WINDOW_DAYS * MICROS_PER_DAY);
    let mut statement = connection.prepare_cached(
        "SELECT click_id FROM clicks WHERE sub_id = ?1 AND time_us >= ?2 AND time_us <= ?3 \
         ORDER BY time_us DESC, click_id DESC LIMIT 1",
    )?;
    let found: Option<String> = statement
        .query_row(
            rusqlite::params![sub_id, window_start, sale_time_us],
            |row| row.get(0),
        )
        .optional()?;
    Ok(Attribution {
        method: found.as_ref().map(|_| AttributionMethod::SubIdWindow),
        click_id: found.as_deref().and_then(ClickId::parse),
    })
}
