//! The postback programs of the sources file (`[[program]]`) as the API's table, their keys
//! read from the environment. `feedmill serve` builds it at start and again at every reload
//! (`POST /admin/reload` or `SIGHUP`, see `serve_operator`): the table is replaced whole, so a
//! rotated key stops working without a restart, and a reload that fails (unreadable file, a key
//! variable unset) keeps the programs in effect.

use feedmill_api::{PostbackProgram, PostbackPrograms};
use feedmill_fetch::FeedConfig;

/// The API's program table for `config`, each program's keys from the environment (`env`:
/// a variable's value by name).
pub fn postback_programs(
    config: &FeedConfig,
    env: &(dyn Fn(&str) -> Option<String> + Send + Sync),
) -> anyhow::Result<PostbackPrograms> {
    let mut programs = Vec::with_capacity(config.programs.len());
    for program in &config.programs {
        let keys = program.keys(env)?;
        let program = PostbackProgram::new(program.id.clone(), program.currency, keys)?
            .with_commission_percent(program.commission_percent);
        programs.push(program);
    }
    Ok(PostbackPrograms::new(programs)?)
}
