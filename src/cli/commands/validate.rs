use crate::cli::{CliError, Ctx, Exit};
use crate::config;
use crate::render::Format;

pub fn run(ctx: &Ctx) -> Result<Exit, CliError> {
    let (cfg, diags) = config::load(&ctx.global.dir, &ctx.load_options());
    match ctx.global.format {
        Format::Json => println_to!(
            ctx.stdout,
            "{}",
            serde_json::to_string_pretty(&diags).expect("serialisable")
        ),
        _ => {
            for d in diags.iter() {
                println_to!(ctx.stderr, "{}", ctx.paint_diag(d));
            }
        }
    }
    if diags.has_errors() || cfg.is_none() {
        if ctx.global.format != Format::Json {
            println_to!(
                ctx.stderr,
                "{} error(s) found; see above",
                diags.errors().count()
            );
        }
        return Ok(Exit::Error);
    }
    if ctx.global.format != Format::Json {
        let cfg = cfg.as_ref().expect("checked");
        println_to!(
            ctx.stderr,
            "The configuration is valid: {} objects in {} file(s).",
            cfg.objects.len(),
            cfg.files.len()
        );
    }
    ctx.discard(cfg);
    Ok(Exit::Ok)
}
