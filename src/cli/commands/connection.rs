use crate::cli::{CliError, Ctx, Exit};
use crate::live::Executor;
use crate::privileges;
use crate::render::Format;

pub fn test(ctx: &Ctx) -> Result<Exit, CliError> {
    super::runtime(ctx)?.block_on(async {
        let session = ctx.session(true).await?.expect("required");
        let info = crate::snowflake::connection_test(&session.client)
            .await
            .map_err(|e| CliError::new(e.to_string()))?;
        let ms = info.round_trip.as_secs_f64() * 1000.0;
        let missing = match (&info.role, has_configuration(ctx)) {
            (Some(role), true) => Some(missing_privileges(ctx, &session, role).await?),
            _ => None,
        };
        let role = info.role.clone().unwrap_or_default();
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
                    "missing_privileges": missing.as_ref().map(|m| m.iter().map(|n| serde_json::json!({
                        "privilege": n.privilege,
                        "on": n.on.to_string(),
                        "for": n.for_address,
                        "grant": n.grant_to(&role),
                    })).collect::<Vec<_>>()),
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
                match &missing {
                    Some(m) if m.is_empty() => println_to!(
                        ctx.stdout,
                        "Privileges: the role holds every privilege the configuration needs"
                    ),
                    Some(m) => {
                        println_to!(
                            ctx.stdout,
                            "Privileges: the role lacks {} the configuration needs; run:",
                            m.len()
                        );
                        for n in m {
                            println_to!(
                                ctx.stdout,
                                "  {};  -- {}",
                                n.grant_to(&role),
                                n.for_address
                            );
                        }
                    }
                    None => {}
                }
            }
        }
        Ok(match missing {
            Some(m) if !m.is_empty() => Exit::Error,
            _ => Exit::Ok,
        })
    })
}

/// Whether the configuration directory holds a configuration to check the role against.
fn has_configuration(ctx: &Ctx) -> bool {
    std::fs::read_dir(&ctx.global.dir)
        .map(|d| {
            d.flatten()
                .any(|e| e.path().extension().is_some_and(|x| x == "hcl"))
        })
        .unwrap_or(false)
}

/// The privileges the configuration needs that `role` (with the roles it inherits) lacks:
/// what exists comes from the same metadata read as a plan's, what the role holds from
/// SHOW GRANTS TO ROLE, followed through the roles granted to it.
async fn missing_privileges(
    ctx: &Ctx,
    session: &crate::cli::session::Session,
    role: &str,
) -> Result<Vec<privileges::Need>, CliError> {
    let config = ctx.load_config()?;
    let objects: Vec<&crate::model::Object> = config.objects.iter().collect();
    let read = crate::cli::planning::read_live(session, &objects, &Default::default()).await?;
    let live = |k, n: &crate::model::ObjectName| read.picture.get(&(k, n.clone()));
    let needs = privileges::needed(&config.objects, &live);
    let mut held = privileges::Held::default();
    let mut seen = std::collections::BTreeSet::new();
    let mut todo = vec![role.to_string()];
    while let Some(r) = todo.pop() {
        if !seen.insert(r.clone()) {
            continue;
        }
        todo.extend(held.add_system_role(&r));
        let rows = session
            .client
            .show(&privileges::show_grants_to(&r))
            .await
            .map_err(|e| CliError::new(format!("reading the grants to role {r}: {e}")))?;
        let triples = rows.iter().filter_map(|row| {
            Some((
                rows.raw(row, "privilege")?,
                rows.raw(row, "granted_on")?,
                rows.raw(row, "name")?,
            ))
        });
        todo.extend(held.add_rows(triples));
    }
    Ok(privileges::missing(needs, &held))
}
