use crate::cli::{CliError, Ctx, Exit};
use std::io::{BufRead, IsTerminal, Write};

pub fn run(ctx: &Ctx, yes: bool) -> Result<Exit, CliError> {
    let config = ctx.load_config().ok();
    super::runtime()?.block_on(async {
        let backend = ctx.backend(config.as_ref());
        let session = match &backend {
            crate::cli::backend::Backend::Snowflake(_) => ctx.session(true).await?,
            _ => None,
        };
        let Some(info) = backend.lock_info(session.as_ref()).await? else {
            eprintln!("The state ({}) is not locked.", backend.describe());
            return Ok(Exit::Ok);
        };
        eprintln!(
            "The state ({}) is locked by {} (pid {}, {} since {}){}.",
            backend.describe(),
            info.holder,
            info.pid,
            info.operation,
            info.time,
            if info.is_stale() { "; that process no longer runs" } else { "" }
        );
        if !yes {
            if !std::io::stdin().is_terminal() {
                return Err(CliError::new("force-unlock asks for confirmation on a terminal, and there is none: pass --yes"));
            }
            eprint!("Remove the lock? A running apply would then share the state with the next one. Only 'yes' is accepted: ");
            let _ = std::io::stderr().flush();
            let mut answer = String::new();
            std::io::stdin().lock().read_line(&mut answer)?;
            if answer.trim() != "yes" {
                return Err(CliError::new("the lock was left in place"));
            }
        }
        backend.force_unlock(session.as_ref()).await?;
        eprintln!("The lock is removed.");
        Ok(Exit::Ok)
    })
}
