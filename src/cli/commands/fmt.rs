use crate::cli::{CliError, Ctx, Exit};
use crate::config::fmt;

pub fn run(ctx: &Ctx, check: bool) -> Result<Exit, CliError> {
    let outcome = fmt::format_dir(&ctx.global.dir, check).map_err(|d| CliError::new(d.to_string()))?;
    for f in &outcome {
        println!("{}", f.display());
    }
    Ok(if check && !outcome.is_empty() { Exit::Error } else { Exit::Ok })
}
