//! output [NAME] [--raw]: the configuration's output values (render::outputs).

use crate::cli::{CliError, Ctx, Exit};
use crate::render::{outputs, Format};

pub fn run(ctx: &Ctx, name: Option<&str>, raw: bool) -> Result<Exit, CliError> {
    let config = ctx.load_config()?;
    let Some(name) = name else {
        if raw {
            return Err(CliError::new(
                "--raw prints one output: name it, as in `snowform output NAME --raw`",
            ));
        }
        if config.outputs.is_empty() {
            println_to!(
                ctx.stderr,
                "The configuration has no outputs: declare one with output \"NAME\" {{ value = ... }}."
            );
        }
        match ctx.global.format {
            Format::Json => print_to!(
                ctx.stdout,
                "{}",
                crate::render::to_json(&outputs::json(&config.outputs))
            ),
            _ => print_to!(ctx.stdout, "{}", outputs::human(&config.outputs)),
        }
        return Ok(Exit::Ok);
    };
    let Some(output) = config.outputs.iter().find(|o| o.name == name) else {
        let names: Vec<&str> = config.outputs.iter().map(|o| o.name.as_str()).collect();
        let hint = match names.as_slice() {
            [] => "the configuration declares no outputs".to_string(),
            _ => format!("the outputs are: {}", names.join(", ")),
        };
        return Err(CliError::new(format!(
            "there is no output {name:?}; {hint}"
        )));
    };
    if raw {
        print_to!(
            ctx.stdout,
            "{}",
            outputs::raw(output).map_err(CliError::new)?
        );
        return Ok(Exit::Ok);
    }
    match ctx.global.format {
        Format::Json => {
            let all = outputs::json(std::slice::from_ref(output));
            print_to!(ctx.stdout, "{}", crate::render::to_json(&all[name]));
        }
        _ => println_to!(ctx.stdout, "{}", outputs::value(output)),
    }
    Ok(Exit::Ok)
}
