use crate::cli::{CliError, Ctx, Exit};

pub fn run(ctx: &Ctx, yes: bool) -> Result<Exit, CliError> {
    let config = ctx.load_config().ok();
    super::runtime(ctx)?.block_on(async {
        let backend = ctx.backend(config.as_ref());
        let session = match &backend {
            crate::cli::backend::Backend::Snowflake(_) => ctx.session(true).await?,
            _ => None,
        };
        let Some(info) = backend.lock_info(session.as_ref()).await? else {
            println_to!(ctx.stderr, "The state ({}) is not locked.", backend.describe());
            return Ok(Exit::Ok);
        };
        println_to!(
            ctx.stderr,
            "The state ({}) is locked by {} (pid {}, {} since {}){}.",
            backend.describe(),
            info.holder,
            info.pid,
            info.operation,
            info.time,
            if info.is_stale() { "; that process no longer runs" } else { "" }
        );
        if !yes {
            if !ctx.stdin.is_terminal() {
                return Err(CliError::new("force-unlock asks for confirmation on a terminal, and there is none: pass --yes"));
            }
            print_to!(ctx.stderr, "Remove the lock? A running apply would then share the state with the next one. Only 'yes' is accepted: ");
            let mut answer = String::new();
            ctx.stdin.read_line(&mut answer)?;
            if answer.trim() != "yes" {
                return Err(CliError::new("the lock was left in place"));
            }
        }
        backend.force_unlock(session.as_ref()).await?;
        println_to!(ctx.stderr, "The lock is removed.");
        Ok(Exit::Ok)
    })
}
