//! Clicks on Postgres: recording, reading, listing (a page at a time, so a visitor runs on the
//! caller's thread without holding every click), counting and importing an old click log.

use super::{Lock, PostgresStore, in_write, rows};
use crate::click::{Click, ClickCount, ClickId, GroupBy, TimeRange};
use crate::click_import::{ImportReport, parse_logged_click};
use crate::error::StoreResult;
use crate::store::{ClickAck, ClickNotTaken, ClickStore};
use crate::stored::time_to_stored;
use postgres::{GenericClient, Row};
use std::io::BufRead;
use std::sync::{Arc, Mutex};

const CLICK_COLUMNS: &str = "click_id, time_us, offer_id, source, network, merchant, sub_id, \
     sub_id_2, sub_id_3, sub_id_4, sub_id_5, sub_id_6, referrer, destination";

/// Log lines imported per write.
const IMPORT_CHUNK: usize = 10_000;
/// Clicks read per round trip while visiting.
const VISIT_PAGE: i64 = 5_000;

impl ClickStore for PostgresStore {
    fn record_click(&self, click: &Click) -> StoreResult<()> {
        let click = click.clone();
        self.write_unlocked(move |transaction| insert_click(transaction, &click, false).map(|_| ()))
    }

    fn submit_click(&self, click: Click, ack: ClickAck) -> Result<(), Box<ClickNotTaken>> {
        // Shared with the job, so a job the queue refuses gives the click back.
        let slot = Arc::new(Mutex::new(Some((click, ack))));
        let taken = slot.clone();
        let job: super::pool::Job = Box::new(move |client| {
            let Some((click, ack)) = taken.lock().ok().and_then(|mut slot| slot.take()) else {
                return;
            };
            let result = match client {
                Some(client) => in_write(client, Lock::Skip, |transaction| {
                    insert_click(transaction, &click, false).map(|_| ())
                }),
                None => Err(crate::StoreError::Postgres(
                    "no connection to the server".into(),
                )),
            };
            ack(result);
        });
        match self.pool.try_submit(job) {
            Ok(()) => Ok(()),
            Err(_) => match slot.lock().ok().and_then(|mut slot| slot.take()) {
                Some((click, ack)) => Err(Box::new(ClickNotTaken { click, ack })),
                None => Ok(()),
            },
        }
    }

    fn click(&self, click_id: &ClickId) -> StoreResult<Option<Click>> {
        let click_id = click_id.as_str().to_owned();
        self.read(move |transaction| {
            let sql = format!("SELECT {CLICK_COLUMNS} FROM clicks WHERE click_id = $1");
            let row = transaction.query_opt(&sql, &[&click_id])?;
            row.as_ref().map(click_from_row).transpose()
        })
    }

    fn visit_clicks(
        &self,
        range: TimeRange,
        visit: &mut dyn FnMut(&Click) -> StoreResult<()>,
    ) -> StoreResult<u64> {
        let (from, to) = range.stored_bounds();
        let mut after: Option<(i64, String)> = None;
        let mut num_clicks = 0;
        loop {
            let last = after.clone();
            let page = self.read(move |transaction| click_page(transaction, from, to, last))?;
            let Some(last) = page.last() else {
                return Ok(num_clicks);
            };
            after = Some((time_to_stored(last.time), last.click_id.as_str().to_owned()));
            for click in &page {
                visit(click)?;
                num_clicks += 1;
            }
        }
    }

    fn count_clicks(&self, range: TimeRange, group_by: GroupBy) -> StoreResult<Vec<ClickCount>> {
        let (from, to) = range.stored_bounds();
        let mut counts = self.read(move |transaction| {
            let key = group_by.click_key_sql();
            let sql = format!(
                "SELECT {key} AS key, COUNT(*) FROM clicks c \
                 WHERE c.time_us >= $1 AND c.time_us < $2 GROUP BY 1"
            );
            let mut counts = Vec::new();
            for row in transaction.query(&sql, &[&from, &to])? {
                counts.push(ClickCount {
                    key: rows::group_key(group_by, &row)?,
                    num_clicks: rows::count(&row, 1)?,
                });
            }
            Ok(counts)
        })?;
        // In SQLite's order: no key first, then keys byte by byte (whatever the collation).
        counts.sort_by(|a, b| a.key.cmp(&b.key));
        Ok(counts)
    }

    fn import_click_log(&self, log: &mut dyn BufRead) -> StoreResult<ImportReport> {
        let mut report = ImportReport::default();
        let mut chunk = Vec::with_capacity(IMPORT_CHUNK);
        let mut line = String::new();
        loop {
            line.clear();
            if log.read_line(&mut line)? == 0 {
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

impl PostgresStore {
    fn import_chunk(&self, chunk: Vec<Click>, report: &mut ImportReport) -> StoreResult<()> {
        if chunk.is_empty() {
            return Ok(());
        }
        let num_clicks = chunk.len() as u64;
        let num_inserted = self.write_unlocked(move |transaction| {
            let mut num_inserted = 0;
            for click in &chunk {
                num_inserted += insert_click(transaction, click, true)?;
            }
            Ok(num_inserted)
        })?;
        report.num_imported += num_inserted;
        report.num_already_present += num_clicks - num_inserted;
        Ok(())
    }

    /// Stores every click in one transaction; returns once they are durable. Every id must be
    /// new: one taken id fails the whole batch, which then stores nothing.
    pub fn record_clicks(&self, clicks: Vec<Click>) -> StoreResult<u64> {
        self.write_unlocked(move |transaction| {
            let mut num_inserted = 0;
            for click in &clicks {
                num_inserted += insert_click(transaction, click, false)?;
            }
            Ok(num_inserted)
        })
    }
}

/// The clicks of `[from, to)` after `after` (time, id), oldest first, one page.
fn click_page(
    client: &mut impl GenericClient,
    from: i64,
    to: i64,
    after: Option<(i64, String)>,
) -> StoreResult<Vec<Click>> {
    let found = match after {
        None => client.query(
            &format!(
                "SELECT {CLICK_COLUMNS} FROM clicks WHERE time_us >= $1 AND time_us < $2 \
                 ORDER BY time_us, click_id COLLATE \"C\" LIMIT $3"
            ),
            &[&from, &to, &VISIT_PAGE],
        )?,
        Some((time_us, click_id)) => client.query(
            &format!(
                "SELECT {CLICK_COLUMNS} FROM clicks WHERE time_us < $2 AND (time_us > $3 \
                 OR (time_us = $3 AND click_id COLLATE \"C\" > $4)) AND time_us >= $1 \
                 ORDER BY time_us, click_id COLLATE \"C\" LIMIT $5"
            ),
            &[&from, &to, &time_us, &click_id, &VISIT_PAGE],
        )?,
    };
    found.iter().map(click_from_row).collect()
}

/// Inserts `click`; with `skip_existing`, a click id already stored is left alone (returns 0).
pub(super) fn insert_click(
    client: &mut impl GenericClient,
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
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) {on_conflict}"
    );
    let inserted = client.execute(
        &sql,
        &[
            &click.click_id.as_str(),
            &time_to_stored(click.time),
            &click.offer_id,
            &click.source,
            &click.network.map(|n| n.as_str()),
            &click.merchant,
            &click.sub_id,
            &click.sub_id_2,
            &click.sub_id_3,
            &click.sub_id_4,
            &click.sub_id_5,
            &click.sub_id_6,
            &click.referrer,
            &click.destination,
        ],
    )?;
    Ok(inserted)
}

pub(super) fn click_from_row(row: &Row) -> StoreResult<Click> {
    Ok(Click {
        click_id: rows::click_id(row, "click_id")?,
        time: rows::time(row, "time_us")?,
        offer_id: rows::get(row, "offer_id")?,
        source: rows::get(row, "source")?,
        network: rows::optional_network(row, "network")?,
        merchant: rows::get(row, "merchant")?,
        sub_id: rows::get(row, "sub_id")?,
        sub_id_2: rows::get(row, "sub_id_2")?,
        sub_id_3: rows::get(row, "sub_id_3")?,
        sub_id_4: rows::get(row, "sub_id_4")?,
        sub_id_5: rows::get(row, "sub_id_5")?,
        sub_id_6: rows::get(row, "sub_id_6")?,
        referrer: rows::get(row, "referrer")?,
        destination: rows::get(row, "destination")?,
    })
}
