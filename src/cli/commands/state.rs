//! state init | list | show | rm | mv | in-progress | forget: read and change the state in the configured backend (the local
//! file, or the table in the account through the connection).

use crate::cli::args::StateCommand;
use crate::cli::backend::{Backend, Sink};
use crate::cli::{CliError, Ctx, Exit};
use crate::model::Address;

pub fn run(ctx: &Ctx, cmd: StateCommand) -> Result<Exit, CliError> {
    let config = ctx.load_config().ok();
    super::runtime(ctx)?.block_on(async {
        let backend = ctx.backend(config.as_ref());
        let session = match &backend {
            Backend::Snowflake(_) => ctx.session(true).await?,
            Backend::Local(_) => None,
        };
        let session = session.as_ref();
        // `rm`, `mv` and `forget` read the state under the lock; `init` reads nothing.
        let state = match cmd {
            StateCommand::Rm { .. }
            | StateCommand::Mv { .. }
            | StateCommand::Forget { .. }
            | StateCommand::Init => None,
            _ => backend.load(session, &ctx.stderr).await?,
        };
        match cmd {
            StateCommand::Init => println_to!(ctx.stderr, "{}", backend.init(session).await?),
            StateCommand::List => {
                for (addr, r) in state.iter().flat_map(|s| s.resources.iter()) {
                    let line = format!("{addr}\t{}\t{}", r.kind, r.name);
                    println_to!(ctx.stdout, "{}", ctx.redact(&line));
                }
            }
            StateCommand::Show { address } => {
                let addr = Address::parse(&address)?;
                let record = state
                    .as_ref()
                    .and_then(|s| s.resources.get(&addr))
                    .ok_or_else(|| {
                        CliError::new(format!(
                            "{addr} is not in the state; `snowform state list` shows what is"
                        ))
                    })?;
                // The state holds sensitive values; what is printed from it does not.
                let shown = crate::render::Redactor::new(
                    config
                        .as_ref()
                        .map(|c| c.sensitive.clone())
                        .unwrap_or_default(),
                )
                .to_json_value(record);
                println_to!(ctx.stdout, "{}", serde_json::to_string_pretty(&shown)?);
            }
            StateCommand::InProgress => {
                for e in state.iter().flat_map(|s| s.in_progress.iter()) {
                    let first = e.statement.lines().next().unwrap_or("");
                    let owed = match &e.after {
                        Some(id) => format!("owed after {id}"),
                        None => "sent or owed".to_string(),
                    };
                    let line = format!("{}\t{}\t{owed}\t{first}", e.request_id, e.started_at);
                    println_to!(
                        ctx.stdout,
                        "{}",
                        ctx.redact(&crate::render::printable(&line))
                    );
                }
            }
            StateCommand::Forget { request_id } => {
                let lock = ctx.lock_info("state forget");
                backend.lock(session, &lock).await?;
                let work = async {
                    let mut state = backend
                        .load(session, &ctx.stderr)
                        .await?
                        .ok_or_else(|| CliError::new("there is no state yet"))?;
                    let forgotten = crate::apply::recover::forget(&mut state, &request_id);
                    if forgotten.is_empty() {
                        return Err(CliError::new(format!(
                            "no statement with request id {request_id:?} is in progress; `snowform state in-progress` lists them"
                        )));
                    }
                    crate::apply::commit(&mut state, &mut Sink::new(&backend, session, &lock))
                        .await?;
                    for sql in &forgotten {
                        let first = sql.lines().next().unwrap_or("");
                        println_to!(
                            ctx.stderr,
                            "Forgot {}",
                            ctx.redact(&crate::render::printable(first))
                        );
                    }
                    println_to!(
                        ctx.stderr,
                        "Nothing was run, and the state ({}) no longer says whether it took effect. If it did, and the object is one snowform manages, `snowform plan` shows what remains; an object it made and the state does not record is adopted with `snowform import`.",
                        backend.describe()
                    );
                    Ok(())
                };
                let (result, released) = backend.hold(session, &lock, work, &ctx.stderr).await;
                released?;
                result?;
            }
            StateCommand::Mv { from, to } => {
                let from = Address::parse(&from)?;
                let to = Address::parse(&to)?;
                let lock = ctx.lock_info("state mv");
                backend.lock(session, &lock).await?;
                let work = async {
                    let mut state = backend
                        .load(session, &ctx.stderr)
                        .await?
                        .ok_or_else(|| CliError::new("there is no state yet"))?;
                    state.move_record(&from, &to)?;
                    crate::apply::commit(&mut state, &mut Sink::new(&backend, session, &lock))
                        .await?;
                    println_to!(
                        ctx.stderr,
                        "Moved {from} to {to} in the state ({}). Nothing in the account changed.",
                        backend.describe()
                    );
                    Ok(())
                };
                let (result, released) = backend.hold(session, &lock, work, &ctx.stderr).await;
                released?;
                result?;
            }
            StateCommand::Rm { address } => {
                let addr = Address::parse(&address)?;
                let lock = ctx.lock_info("state rm");
                backend.lock(session, &lock).await?;
                // Read again under the lock: another process may have written since.
                let work = async {
                    let mut state = backend
                        .load(session, &ctx.stderr)
                        .await?
                        .ok_or_else(|| CliError::new("there is no state yet"))?;
                    if state.resources.remove(&addr).is_none() {
                        return Err(CliError::new(format!(
                            "{addr} is not in the state; `snowform state list` shows what is"
                        )));
                    }
                    crate::apply::commit(&mut state, &mut Sink::new(&backend, session, &lock))
                        .await?;
                    println_to!(
                        ctx.stderr,
                        "Removed {addr} from the state ({}). The object itself was not dropped.",
                        backend.describe()
                    );
                    Ok(())
                };
                let (result, released) = backend.hold(session, &lock, work, &ctx.stderr).await;
                released?;
                result?;
            }
        }
        Ok(Exit::Ok)
    })
}
