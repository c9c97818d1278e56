use crate::cli::args::StateCommand;
use crate::cli::{CliError, Ctx, Exit};
use crate::model::Address;
use crate::state::LockInfo;

pub fn run(ctx: &Ctx, cmd: StateCommand) -> Result<Exit, CliError> {
    let config = ctx.load_config().ok();
    let backend = ctx.local_backend(config.as_ref());
    let state = backend.load()?;
    match cmd {
        StateCommand::List => {
            for (addr, r) in state.iter().flat_map(|s| s.resources.iter()) {
                println!("{addr}\t{}\t{}", r.kind, r.name);
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
            println!("{}", serde_json::to_string_pretty(record)?);
        }
        StateCommand::Rm { address } => {
            let addr = Address::parse(&address)?;
            let mut state = state.ok_or_else(|| CliError::new("there is no state yet"))?;
            let lock = LockInfo::new("state rm");
            backend.lock(&lock)?;
            let result = (|| {
                if state.resources.remove(&addr).is_none() {
                    return Err(CliError::new(format!("{addr} is not in the state")));
                }
                state.serial += 1;
                backend.save(&state)?;
                eprintln!("Removed {addr} from the state. The object itself was not dropped.");
                Ok(())
            })();
            backend.unlock(&lock)?;
            result?;
        }
    }
    Ok(Exit::Ok)
}
