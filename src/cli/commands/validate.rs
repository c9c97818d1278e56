use crate::cli::{CliError, Ctx, Exit};
use crate::config;
use crate::render::Format;

pub fn run(ctx: &Ctx) -> Result<Exit, CliError> {
    let (cfg, diags) = config::load(&ctx.global.dir, &ctx.load_options());
    match ctx.global.format {
        Format::Json => println!(
            "{}",
            serde_json::to_string_pretty(&diags).expect("serialisable")
        ),
        _ => {
            for d in diags.iter() {
                eprintln!("{}", ctx.paint_diag(d));
            }
        }
    }
    if diags.has_errors() || cfg.is_none() {
        if ctx.global.format != Format::Json {
            eprintln!("{} error(s) found; see above", diags.errors().count());
        }
        return Ok(Exit::Error);
    }
    if ctx.global.format != Format::Json {
        let cfg = cfg.expect("checked");
        eprintln!(
            "The configuration is valid: {} objects in {} file(s).",
            cfg.objects.len(),
            cfg.files.len()
        );
    }
    Ok(Exit::Ok)
}
