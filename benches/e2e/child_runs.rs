//! Runs in child processes: the sizes of `--scaling` and the repeats of `--runs`.
//!
//! Each run is a fresh process of this benchmark (the same executable, `--json-out FILE`), so
//! the peak memory of one size or repeat never includes what an earlier one left allocated.
//! Repeats are reduced to their per-figure median: every number of the results is replaced by
//! the lower median of that number over the repeats (an actual measured value, so counts stay
//! whole). The medians of different figures may come from different repeats.

use crate::options::Options;
use crate::report::RunResults;
use feedmill_benches::measure::BenchResult;
use serde_json::Value;
use std::path::Path;
use std::process::Command;

/// The run of every size (ascending), each the median of `options.runs` repeats.
pub fn run_sizes(options: &Options, sizes: &[u64]) -> BenchResult<Vec<RunResults>> {
    let scratch = tempfile::tempdir()?;
    let mut runs = Vec::new();
    for &size in sizes {
        let mut repeats = Vec::new();
        for repeat in 1..=options.runs {
            eprintln!("\n== {size} offers, run {repeat} of {}", options.runs);
            let json = scratch.path().join(format!("{size}-{repeat}.json"));
            repeats.push(run_child(options, size, &json)?);
        }
        let mut run: RunResults = serde_json::from_value(median(&repeats))?;
        run.num_runs = options.runs;
        runs.push(run);
    }
    Ok(runs)
}

/// One run in a child process; its results as JSON.
fn run_child(options: &Options, size: u64, json: &Path) -> BenchResult<Value> {
    let status = Command::new(std::env::current_exe()?)
        .args(options.child_args(size, json))
        .status()?;
    if !status.success() {
        return Err(format!("the run over {size} offers failed ({status})").into());
    }
    Ok(serde_json::from_slice(&std::fs::read(json)?)?)
}

/// The per-number lower median of values of one shape; strings and flags from the first.
fn median(values: &[Value]) -> Value {
    match values.first() {
        Some(Value::Number(_)) => {
            let mut numbers: Vec<&Value> = values.iter().filter(|v| v.is_number()).collect();
            numbers.sort_by(|a, b| {
                let (a, b) = (a.as_f64().unwrap_or(0.0), b.as_f64().unwrap_or(0.0));
                a.total_cmp(&b)
            });
            numbers
                .get((numbers.len().max(1) - 1) / 2)
                .map_or(Value::Null, |v| (*v).clone())
        }
        Some(Value::Object(first)) => first
            .keys()
            .map(|key| {
                let of_key: Vec<Value> = values.iter().map(|v| v[key].clone()).collect();
                (key.clone(), median(&of_key))
            })
            .collect(),
        Some(Value::Array(first)) => (0..first.len())
            .map(|i| median(&values.iter().map(|v| v[i].clone()).collect::<Vec<_>>()))
            .collect(),
        Some(other) => other.clone(),
        None => Value::Null,
    }
}
