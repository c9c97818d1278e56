use crate::cli::{CliError, Ctx, Exit};
use crate::render::Format;

pub fn test(ctx: &Ctx) -> Result<Exit, CliError> {
    super::runtime(ctx)?.block_on(async {
        let session = ctx.session(true).await?.expect("required");
        let info = crate::snowflake::connection_test(&session.client)
            .await
            .map_err(|e| CliError::new(e.to_string()))?;
        let ms = info.round_trip.as_secs_f64() * 1000.0;
        match ctx.global.format {
            Format::Json => println_to!(
                ctx.stdout,
                "{}",
                serde_json::json!({
                    "connection": session.describe,
                    "account": info.account,
                    "user": info.user,
                    "role": info.role,
                    "warehouse": info.warehouse,
                    "round_trip_ms": (ms * 10.0).round() / 10.0,
                })
            ),
            _ => {
                println_to!(ctx.stdout, "Connected: {}", session.describe);
                println_to!(ctx.stdout, "  account    {}", info.account);
                println_to!(ctx.stdout, "  user       {}", info.user);
                println_to!(
                    ctx.stdout,
                    "  role       {}",
                    info.role.as_deref().unwrap_or("(none)")
                );
                println_to!(
                    ctx.stdout,
                    "  warehouse  {}",
                    info.warehouse.as_deref().unwrap_or("(none)")
                );
                println_to!(ctx.stdout, "  round trip {ms:.1} ms");
            }
        }
        Ok(Exit::Ok)
    })
}
