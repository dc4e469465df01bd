//! Clicks in SQLite: recording, reading, listing, counting and importing an old click log.

use super::SqliteStore;
use super::click_insert::{CLICK_COLUMNS, insert_click};
use super::rows;
use crate::click::{Click, ClickCount, ClickId, GroupBy, TimeRange};
use crate::click_import::{ImportReport, parse_logged_click};
use crate::error::{StoreError, StoreResult};
use crate::store::{ClickAck, ClickNotTaken, ClickStore};
use crate::stored::date_of_day;
use rusqlite::Row;
use rusqlite::types::Value;
use std::io::BufRead;

/// Log lines imported per write: bounds memory and the writer's hold on the file.
const IMPORT_CHUNK: usize = 10_000;

impl ClickStore for SqliteStore {
    fn record_click(&self, click: &Click) -> StoreResult<()> {
        let click = click.clone();
        self.write(move |connection| insert_click(connection, &click, false).map(|_| ()))
    }

    fn submit_click(&self, click: Click, ack: ClickAck) -> Result<(), Box<ClickNotTaken>> {
        if let Some(journal) = &self.journal {
            return journal.submit(click, ack);
        }
        self.writer
            .try_write_then(
                click,
                |connection, click| insert_click(connection, click, false).map(|_| ()),
                ack,
            )
            .map_err(|(click, ack)| Box::new(ClickNotTaken { click, ack }))
    }

    fn click(&self, click_id: &ClickId) -> StoreResult<Option<Click>> {
        self.settle_clicks();
        self.read(|connection| {
            let sql = format!("SELECT {CLICK_COLUMNS} FROM clicks WHERE click_id = ?1");
            let mut statement = connection.prepare_cached(&sql)?;
            let mut rows = statement.query([click_id.as_str()])?;
            rows.next()?.map(click_from_row).transpose()
        })
    }

    fn visit_clicks(
        &self,
        range: TimeRange,
        visit: &mut dyn FnMut(&Click) -> StoreResult<()>,
    ) -> StoreResult<u64> {
        let (from, to) = range.stored_bounds();
        self.settle_clicks();
        self.read(|connection| {
            let sql = format!(
                "SELECT {CLICK_COLUMNS} FROM clicks WHERE time_us >= ?1 AND time_us < ?2 \
                 ORDER BY time_us, click_id"
            );
            let mut statement = connection.prepare_cached(&sql)?;
            let mut rows = statement.query([from, to])?;
            let mut num_clicks = 0;
            while let Some(row) = rows.next()? {
                visit(&click_from_row(row)?)?;
                num_clicks += 1;
            }
            Ok(num_clicks)
        })
    }

    fn count_clicks(&self, range: TimeRange, group_by: GroupBy) -> StoreResult<Vec<ClickCount>> {
        let (from, to) = range.stored_bounds();
        self.settle_clicks();
        self.read(|connection| {
            let key = group_by.click_key_sql();
            let sql = format!(
                "SELECT {key} AS key, COUNT(*) FROM clicks c \
                 WHERE c.time_us >= ?1 AND c.time_us < ?2 GROUP BY key ORDER BY key"
            );
            let mut statement = connection.prepare_cached(&sql)?;
            let mut rows = statement.query([from, to])?;
            let mut counts = Vec::new();
            while let Some(row) = rows.next()? {
                counts.push(ClickCount {
                    key: group_key(group_by, row.get(0)?)?,
                    num_clicks: row.get(1)?,
                });
            }
            Ok(counts)
        })
    }

    fn import_click_log(&self, log: &mut dyn BufRead) -> StoreResult<ImportReport> {
        let mut report = ImportReport::default();
        let mut chunk = Vec::with_capacity(IMPORT_CHUNK);
        let mut line = String::new();
        loop {
            line.clear();
            let read = log.read_line(&mut line)?;
            if read == 0 {
                break;
            }
            report.num_lines += 1;
            match parse_logged_click(report.num_lines, line.trim_end_matches(['\n', '\r'])) {
                Ok(Some(click)) => chunk.push(click),
                Ok(None) => {}
                Err(malformed) => report.note_malformed(malformed),
            }
            if chunk.len() == IMPORT_CHUNK {
                self.import_chunk(std::mem::take(&mut chunk), &mut report)?;
            }
        }
        self.import_chunk(chunk, &mut report)?;
        Ok(report)
    }
}

impl SqliteStore {
    fn import_chunk(&self, chunk: Vec<Click>, report: &mut ImportReport) -> StoreResult<()> {
        if chunk.is_empty() {
            return Ok(());
        }
        let num_clicks = chunk.len() as u64;
        let num_inserted = self.write(move |connection| {
            let mut num_inserted = 0;
            for click in &chunk {
                num_inserted += insert_click(connection, click, true)?;
            }
            Ok(num_inserted)
        })?;
        report.num_imported += num_inserted;
        report.num_already_present += num_clicks - num_inserted;
        Ok(())
    }
}

pub(super) fn click_from_row(row: &Row<'_>) -> StoreResult<Click> {
    Ok(Click {
        click_id: rows::click_id(row, "click_id")?,
        time: rows::time(row, "time_us")?,
        offer_id: row.get("offer_id")?,
        source: row.get("source")?,
        network: rows::optional_network(row, "network")?,
        merchant: row.get("merchant")?,
        sub_id: row.get("sub_id")?,
        sub_id_2: row.get("sub_id_2")?,
        sub_id_3: row.get("sub_id_3")?,
        sub_id_4: row.get("sub_id_4")?,
        sub_id_5: row.get("sub_id_5")?,
        sub_id_6: row.get("sub_id_6")?,
        referrer: row.get("referrer")?,
        destination: row.get("destination")?,
    })
}

/// A group key as text: a day number becomes `YYYY-MM-DD`, a missing attribute `None`.
pub(super) fn group_key(group_by: GroupBy, value: Value) -> StoreResult<Option<String>> {
    match value {
        Value::Null => Ok(None),
        Value::Integer(day) if group_by == GroupBy::Day => {
            Ok(Some(date_of_day("day", day)?.to_string()))
        }
        Value::Integer(number) => Ok(Some(number.to_string())),
        Value::Text(text) => Ok(Some(text)),
        other => Err(StoreError::Corrupt {
            column: "group key",
            value: format!("{other:?}"),
        }),
    }
}
