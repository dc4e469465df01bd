//! `feedmill match`: train the matcher model, evaluate it on labelled pairs, group offers
//! into products, and the operator's review list and pins.

mod cluster;
mod pins;

use crate::commands::UsageError;
use crate::match_args::{EvalArgs, MatchArgs, MatchCommand, TrainArgs};
use anyhow::Context;
use feedmill_match::MatcherModel;
use feedmill_match::eval_report::{EvalReport, evaluate};
use feedmill_match::gbdt::BoostingParams;
use feedmill_match::pair_file::{LabelledPair, read_pairs};
use feedmill_match::training::{PairSet, train_model};
use std::fs::File;
use std::io::{BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

pub fn run(args: MatchArgs) -> anyhow::Result<ExitCode> {
    match args.command {
        MatchCommand::Train(args) => train(args),
        MatchCommand::Eval(args) => eval(args),
        MatchCommand::Cluster(args) => cluster::run(args),
        MatchCommand::Review(args) => pins::review(args),
        MatchCommand::Pins(args) => pins::pins(args),
        MatchCommand::Pin(args) => pins::pin(args),
        MatchCommand::Unpin(args) => pins::unpin(args),
    }
}

fn read_pair_file(path: &Path) -> anyhow::Result<Vec<LabelledPair>> {
    let file = File::open(path).with_context(|| format!("failed to open {}", path.display()))?;
    read_pairs(BufReader::new(file))
        .with_context(|| format!("failed to read pairs from {}", path.display()))
}

/// A pair file's name in reports: its folder and file name (`computers/valid.txt.medium`).
fn set_name(path: &Path) -> String {
    let file = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    match path.parent().and_then(Path::file_name) {
        Some(folder) => format!("{}/{file}", folder.to_string_lossy()),
        None => file,
    }
}

fn read_sets(paths: &[PathBuf]) -> anyhow::Result<Vec<PairSet>> {
    paths
        .iter()
        .map(|p| {
            Ok(PairSet {
                name: set_name(p),
                pairs: read_pair_file(p)?,
            })
        })
        .collect()
}

pub fn load_model(path: Option<&Path>) -> anyhow::Result<MatcherModel> {
    match path {
        Some(path) => {
            let json = std::fs::read_to_string(path)
                .with_context(|| format!("failed to read {}", path.display()))?;
            MatcherModel::from_json(&json)
                .with_context(|| format!("failed to load model {}", path.display()))
        }
        None => Ok(MatcherModel::bundled()?),
    }
}

fn train(args: TrainArgs) -> anyhow::Result<ExitCode> {
    if args.trees == 0 || args.depth == 0 {
        return Err(UsageError("--trees and --depth must be at least 1".into()).into());
    }
    let train_sets = read_sets(&args.pairs)?;
    let valid_sets = read_sets(&args.valid)?;
    let params = BoostingParams {
        num_trees: args.trees,
        max_depth: args.depth,
        ..BoostingParams::default()
    };
    let model = train_model(&train_sets, &valid_sets, &params)?;
    std::fs::write(&args.out, model.to_json() + "\n")
        .with_context(|| format!("failed to write {}", args.out.display()))?;
    eprintln!(
        "match threshold {:.4}, auto-group threshold {:.4}",
        model.match_threshold, model.auto_group_threshold
    );
    for set in &model.validation {
        eprintln!(
            "{:<40} P {:.3} R {:.3} F1 {:.3} | auto-group P {:.3} F1 {:.3}",
            set.set, set.precision, set.recall, set.f1, set.auto_group_precision, set.auto_group_f1
        );
    }
    Ok(ExitCode::SUCCESS)
}

fn eval(args: EvalArgs) -> anyhow::Result<ExitCode> {
    let model = load_model(args.model.as_deref())?;
    let pairs = read_pair_file(&args.pairs)?;
    if pairs.is_empty() {
        return Err(UsageError(format!("{} has no pairs", args.pairs.display())).into());
    }
    let report = evaluate(&model, &pairs);
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    if args.json {
        writeln!(out, "{}", serde_json::to_string(&report)?)?;
    } else {
        write_text_report(&mut out, &report)?;
    }
    Ok(ExitCode::SUCCESS)
}

fn write_text_report(out: &mut impl Write, r: &EvalReport) -> std::io::Result<()> {
    writeln!(out, "pairs       {} ({} matches)", r.pairs, r.positives)?;
    writeln!(
        out,
        "match       threshold {:.4}  precision {:.4}  recall {:.4}  f1 {:.4}",
        r.threshold, r.precision, r.recall, r.f1
    )?;
    writeln!(
        out,
        "auto-group  threshold {:.4}  precision {:.4}  recall {:.4}  f1 {:.4}",
        r.auto_group_threshold, r.auto_group_precision, r.auto_group_recall, r.auto_group_f1
    )?;
    match (r.f1_at_precision_98, r.threshold_at_precision_98) {
        (Some(f1), Some(t)) => writeln!(out, "f1 at 98% precision {f1:.4} (threshold {t:.4})")?,
        _ => writeln!(out, "f1 at 98% precision: unreachable on this file")?,
    }
    writeln!(
        out,
        "pairs/s     {:.0} scoring, {:.0} end to end (one thread)",
        r.pairs_per_second, r.pairs_per_second_end_to_end
    )?;
    Ok(())
}
