//! import: record an existing object under an address of the configuration, after
//! checking that it exists.

use crate::cli::backend::Sink;
use crate::cli::planning::read_live;
use crate::cli::{CliError, Ctx, Exit};
use crate::ddl::natural_cmp;
use crate::diff::{merge_state_only, UNKNOWN};
use crate::kinds::model::VERSIONS;
use crate::live::ReadOptions;
use crate::model::attr;
use crate::model::{
    entity_tag_name, ident::split_parts, Address, Kind, Object, ObjectName, Scope, Value,
};
use crate::plan::Effect;
use crate::state::State;

/// The Snowflake name of an object of `kind` as a user writes it for import.
fn parse_name(kind: Kind, text: &str) -> Result<ObjectName, CliError> {
    let parts = split_parts(text).map_err(|e| CliError::new(e.to_string()))?;
    let name = match (kind.scope(), parts.as_slice()) {
        (Scope::Account, [n]) => ObjectName::account(n.clone()),
        (Scope::Database, [d, n]) => ObjectName::in_database(d.clone(), n.clone()),
        (Scope::Schema, [d, s, n]) => ObjectName::in_schema(d.clone(), s.clone(), n.clone()),
        _ => {
            let form = match kind.scope() {
                Scope::Account => "NAME",
                Scope::Database => "DATABASE.NAME",
                Scope::Schema => "DATABASE.SCHEMA.NAME",
            };
            return Err(CliError::new(format!(
                "{text:?} is not a {} name: write {form}",
                kind.noun()
            )));
        }
    };
    // An entity may be named by its tag or by itself.
    if kind == Kind::Entity && crate::model::entity_of_tag(&name.name).is_none() {
        return Ok(name.with_name(entity_tag_name(&name.name)));
    }
    Ok(name)
}

pub fn run(ctx: &Ctx, address: &str, name: &str) -> Result<Exit, CliError> {
    let config = ctx.load_config()?;
    let addr = Address::parse(address)?;
    let desired = config
        .objects
        .iter()
        .find(|o| o.address == addr)
        .ok_or_else(|| {
            CliError::new(format!(
                "{addr} is not in the configuration: add its block first, then import it"
            ))
        })?;
    let target = parse_name(addr.kind, name)?;
    super::runtime(ctx)?.block_on(async {
        let session = ctx.session(true).await?.expect("required");
        let backend = ctx.backend(Some(&config));
        let lock = ctx.lock_info("import");
        backend.lock(Some(&session), &lock).await?;
        let work = async {
            let mut state = backend.load(Some(&session), &ctx.stderr).await?.unwrap_or_else(|| State::new(&ctx.global.workspace));
            if let Some(r) = state.resources.get(&addr) {
                return Err(CliError::new(format!("{addr} already records {} {}; `snowform state rm {addr}` first to import another object", addr.kind.noun(), r.name)));
            }
            let probe = Object { name: target.clone(), ..desired.clone() };
            let read = read_live(&session, &[&probe], &ReadOptions::default()).await?;
            let Some(live) = read.picture.get(&(addr.kind, target.clone())) else {
                return Err(CliError::new(format!(
                    "{} {target} does not exist, or the role of this connection cannot see it (SHOW lists only objects the role has a privilege on); nothing was recorded",
                    addr.kind.noun()
                )));
            };
            // What SHOW cannot tell (a warehouse's parameters, a model version's files) is
            // taken to be as configured.
            let mut record = merge_state_only(live.clone(), Some(desired));
            let trusted = version_sources(&record);
            record.address = addr.clone();
            record.deps = desired.deps.clone();
            record.lifecycle = desired.lifecycle.clone();
            // An owner the configuration does not manage is not recorded (the plan would
            // otherwise make the record forget it).
            if desired.owner().is_none() {
                record.props.remove(attr::OWNER);
            }
            state.apply_effect(&Effect::Put { object: record });
            crate::apply::commit(&mut state, &mut Sink::new(&backend, Some(&session), &lock))
                .await?;
            println_to!(ctx.stderr, "Imported {} {target} as {addr}. Run `snowform plan` to see how it differs from the configuration.", addr.kind.noun());
            if !trusted.is_empty() {
                println_to!(
                    ctx.stderr,
                    "Snowflake does not show where a model version's files came from; their sources are recorded as configured: {}. If one is wrong, correct it in the configuration, run `snowform state rm {addr}` and import again: changed later, it drops the version and adds it again.",
                    trusted.join(", ")
                );
            }
            Ok(Exit::Ok)
        };
        let (result, released) = backend.hold(Some(&session), &lock, work, &ctx.stderr).await;
        released?;
        result
    })
}

/// `V1 = @stage/path` for each version of an imported model whose source came from the
/// configuration (versions the configuration lacks have none).
fn version_sources(record: &Object) -> Vec<String> {
    if record.kind() != Kind::Model {
        return Vec::new();
    }
    let Some(Value::Map(versions)) = record.get(VERSIONS) else {
        return Vec::new();
    };
    let mut out: Vec<(&String, &str)> = versions
        .iter()
        .filter_map(|(v, f)| {
            let source = f.as_map()?.get(attr::SOURCE)?.as_str()?;
            (source != UNKNOWN).then_some((v, source))
        })
        .collect();
    out.sort_by(|a, b| natural_cmp(a.0, b.0));
    out.iter().map(|(v, s)| format!("{v} = {s}")).collect()
}
