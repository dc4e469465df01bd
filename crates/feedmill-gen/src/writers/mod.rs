//! One module per feed format, each writing a header, one record at a time, and a footer, in the
//! layout and field names of that network's real feeds (see NETWORKS.md and
//! `tests/fixtures/`). Only the notations a format really uses appear: Google `12.99 EUR`,
//! Awin `12.99` beside `EUR12.99`, Adtraction `699` or `349.50`, PartnerBoost `"34.32"`.

mod adtraction_xml;
mod awin_csv;
mod google_xml;
mod partnerboost_json;

use crate::GenFormat;
use crate::catalogue::OfferRecord;
use std::io::{self, Write};

/// What goes before the first record; `num_offers` is the record count (PartnerBoost's `total`).
pub fn write_header<W: Write + ?Sized>(
    format: GenFormat,
    out: &mut W,
    num_offers: u64,
    seed: u64,
) -> io::Result<()> {
    match format {
        GenFormat::GoogleXml => google_xml::header(out, seed),
        GenFormat::AwinCsv => awin_csv::header(out),
        GenFormat::AdtractionXml => adtraction_xml::header(out),
        GenFormat::PartnerboostJson => partnerboost_json::header(out, num_offers),
    }
}

pub fn write_record<W: Write + ?Sized>(
    format: GenFormat,
    out: &mut W,
    record: &OfferRecord,
) -> io::Result<()> {
    match format {
        GenFormat::GoogleXml => google_xml::record(out, record),
        GenFormat::AwinCsv => awin_csv::record(out, record),
        GenFormat::AdtractionXml => adtraction_xml::record(out, record),
        GenFormat::PartnerboostJson => partnerboost_json::record(out, record),
    }
}

pub fn write_footer<W: Write + ?Sized>(format: GenFormat, out: &mut W) -> io::Result<()> {
    match format {
        GenFormat::GoogleXml => out.write_all(b"</channel>\n</rss>\n"),
        GenFormat::AwinCsv => Ok(()),
        GenFormat::AdtractionXml => out.write_all(b"</productFeed>\n"),
        GenFormat::PartnerboostJson => out.write_all(b"\n]}}\n"),
    }
}

/// Minor units as a decimal with two places: `1299` → `12.99`, `-5` → `-0.05`.
pub fn decimal(minor: i64) -> String {
    let sign = if minor < 0 { "-" } else { "" };
    let abs = minor.unsigned_abs();
    format!("{sign}{}.{:02}", abs / 100, abs % 100)
}

/// Adtraction's notation: whole amounts without decimals (`699`), others with two (`349.50`).
pub fn whole_or_decimal(minor: i64) -> String {
    if minor % 100 == 0 {
        (minor / 100).to_string()
    } else {
        decimal(minor)
    }
}

/// Unix seconds as `2025-02-11 10:22:27` (UTC), Awin's `last_updated` notation.
pub fn datetime(unix: i64) -> String {
    let (days, secs) = (unix.div_euclid(86_400), unix.rem_euclid(86_400));
    let (year, month, day) = civil_from_days(days);
    format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02}:{:02}",
        secs / 3600,
        secs / 60 % 60,
        secs % 60
    )
}

/// Days since 1970-01-01 → (year, month, day) in the proleptic Gregorian calendar (Howard
/// Hinnant's `civil_from_days`; hand-written to keep the generator free of a date crate).
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_amounts() {
        assert_eq!(decimal(1299), "12.99");
        assert_eq!(decimal(-5), "-0.05");
        assert_eq!(decimal(69_900), "699.00");
        assert_eq!(whole_or_decimal(69_900), "699");
        assert_eq!(whole_or_decimal(34_950), "349.50");
        assert_eq!(whole_or_decimal(-69_900), "-699");
    }

    #[test]
    fn formats_datetimes() {
        assert_eq!(datetime(0), "1970-01-01 00:00:00");
        assert_eq!(datetime(1_710_122_547), "2024-03-11 02:02:27");
        assert_eq!(datetime(1_735_689_600), "2025-01-01 00:00:00");
        assert_eq!(datetime(951_782_400), "2000-02-29 00:00:00");
    }
}
