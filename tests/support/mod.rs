//! Helpers shared by the integration tests: running the binary, finding fixtures.

use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

pub fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/fixtures")
        .join(name)
}

pub fn feedmill() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_feedmill"));
    command.env("RUST_LOG", "warn").stdin(Stdio::null());
    command
}

/// Runs `feedmill ARGS` and returns its output.
pub fn run(args: &[&str]) -> Output {
    feedmill()
        .args(args)
        .output()
        .unwrap_or_else(|err| panic!("failed to run feedmill: {err}"))
}

pub fn stdout_lines(output: &Output) -> Vec<serde_json::Value> {
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(|line| {
            serde_json::from_str(line).unwrap_or_else(|err| panic!("bad json line {line:?}: {err}"))
        })
        .collect()
}

pub fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

pub fn last_stderr_line(output: &Output) -> String {
    stderr(output)
        .lines()
        .last()
        .unwrap_or_default()
        .to_string()
}
