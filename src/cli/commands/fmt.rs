use crate::cli::{CliError, Ctx, Exit};
use crate::config;

pub fn run(ctx: &Ctx, check: bool) -> Result<Exit, CliError> {
    let changed = match config::format_dir(&ctx.global.dir, check) {
        Ok(c) => c,
        Err(diags) => {
            for d in diags.iter() {
                println_to!(ctx.stderr, "{}", ctx.paint_diag(d));
            }
            return Err(CliError::new(
                "nothing was formatted: fix the errors above first",
            ));
        }
    };
    for f in &changed {
        println_to!(ctx.stdout, "{}", f.display());
    }
    Ok(if check && !changed.is_empty() {
        Exit::Error
    } else {
        Exit::Ok
    })
}
