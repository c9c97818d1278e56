use crate::cli::{CliError, Ctx, Exit};
use crate::render::Format;

pub fn test(ctx: &Ctx) -> Result<Exit, CliError> {
    super::runtime()?.block_on(async {
        let session = ctx.session(true).await?.expect("required");
        let info = crate::snowflake::connection_test(&session.client)
            .await
            .map_err(|e| CliError::new(e.to_string()))?;
        let ms = info.round_trip.as_secs_f64() * 1000.0;
        match ctx.global.format {
            Format::Json => println!(
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
                println!("Connected: {}", session.describe);
                println!("  account    {}", info.account);
                println!("  user       {}", info.user);
                println!("  role       {}", info.role.as_deref().unwrap_or("(none)"));
                println!(
                    "  warehouse  {}",
                    info.warehouse.as_deref().unwrap_or("(none)")
                );
                println!("  round trip {ms:.1} ms");
            }
        }
        Ok(Exit::Ok)
    })
}
