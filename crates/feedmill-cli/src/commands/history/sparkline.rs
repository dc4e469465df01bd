//! Terminal charts of prices: one line of Unicode blocks per series (`▁▂▃▄▅▆▇█`), one block
//! per day — or per few days when the window is wider than [`MAX_WIDTH`], each block then the
//! lowest price of its days — and a blank where there was no price. Levels are computed with
//! exact decimals: the lowest price of the series is `▁`, the highest `█`.

use chrono::NaiveDate;
use feedmill_model::Decimal;

/// Blocks in the widest chart: fits an 80-column terminal beside its label.
pub const MAX_WIDTH: usize = 60;
const BLOCKS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];

/// One value (or none) per day, from `first_day` on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DailySeries {
    pub first_day: NaiveDate,
    pub values: Vec<Option<Decimal>>,
}

impl DailySeries {
    /// The series' lowest and highest values, if it has any.
    pub fn range(&self) -> Option<(Decimal, Decimal)> {
        let mut known = self.values.iter().flatten();
        let first = *known.next()?;
        Some(known.fold((first, first), |(lo, hi), v| (lo.min(*v), hi.max(*v))))
    }

    /// The chart line.
    pub fn render(&self) -> String {
        let Some((low, high)) = self.range() else {
            return " ".repeat(self.values.len().min(MAX_WIDTH));
        };
        let per_block = self.values.len().div_ceil(MAX_WIDTH).max(1);
        self.values
            .chunks(per_block)
            .map(|days| match days.iter().flatten().min() {
                Some(value) => BLOCKS[level(*value, low, high)],
                None => ' ',
            })
            .collect()
    }
}

/// The block index of `value` between `low` and `high`, rounded to the nearest level.
fn level(value: Decimal, low: Decimal, high: Decimal) -> usize {
    let top = BLOCKS.len() - 1;
    if high <= low {
        return top / 2;
    }
    let scaled = (value - low) * Decimal::from(top) / (high - low);
    i64::try_from(scaled.round())
        .ok()
        .and_then(|level| usize::try_from(level).ok())
        .map_or(0, |level| level.min(top))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn series(values: &[Option<i64>]) -> DailySeries {
        DailySeries {
            first_day: NaiveDate::default(),
            values: values.iter().map(|v| v.map(Decimal::from)).collect(),
        }
    }

    #[test]
    fn the_lowest_is_the_lowest_block_and_a_gap_is_blank() {
        let chart = series(&[Some(99), Some(99), None, Some(79), Some(89)]).render();
        assert_eq!(chart, "██ ▁▅");
        assert_eq!(series(&[Some(5), Some(5)]).render(), "▄▄");
        assert_eq!(series(&[None, None]).render(), "  ");
    }

    #[test]
    fn a_long_window_is_folded_into_the_width_keeping_each_blocks_low() {
        let mut values = vec![Some(100); 400];
        values[399] = Some(10);
        let chart = series(&values).render();
        assert_eq!(chart.chars().count(), 58, "400 days in blocks of 7");
        assert!(chart.ends_with('▁') && chart.starts_with('█'), "{chart}");
    }
}
