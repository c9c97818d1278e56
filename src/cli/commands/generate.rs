//! generate: HCL for the live objects of a database (or one schema of it), and for roles
//! named on the command line (roles are account-wide: only those named are written).

use crate::cli::planning::read_live;
use crate::cli::{CliError, Ctx, Exit};
use crate::live::ReadOptions;
use crate::model::{Address, Ident, Kind, Object, ObjectName};
use std::path::PathBuf;

pub fn run(
    ctx: &Ctx,
    database: Option<&str>,
    schema: Option<&str>,
    roles: &[String],
    out: Option<&PathBuf>,
    import_blocks: bool,
) -> Result<Exit, CliError> {
    let roles: Vec<Ident> = roles
        .iter()
        .map(|r| Ident::parse(r))
        .collect::<Result<_, _>>()
        .map_err(|e| CliError::new(e.to_string()))?;
    super::runtime(ctx)?.block_on(async {
        let session = ctx.session(true).await?.expect("required");
        let mut objects = match database {
            Some(db) => database_objects(&session, db, schema).await?,
            None => Vec::new(),
        };
        objects.extend(role_objects(&session, &roles).await?);
        let mut generated = crate::generate::generate(&objects);
        if import_blocks {
            generated
                .hcl
                .push_str(&crate::generate::import_blocks(&generated.imports));
        }
        match out.map(|p| ctx.resolve(p)) {
            Some(path) => {
                crate::state::atomic_write(&path, generated.hcl.as_bytes())?;
                println_to!(
                    ctx.stderr,
                    "Wrote {} block(s) to {}. Record them with:",
                    generated.imports.len(),
                    path.display()
                );
            }
            None => print_to!(ctx.stdout, "{}", generated.hcl),
        }
        if out.is_some() && !import_blocks {
            for (a, n) in &generated.imports {
                println_to!(ctx.stderr, "  {}", crate::model::import_command(a, n));
            }
        }
        Ok(Exit::Ok)
    })
}

/// The live roles named `roles`; a name the account does not show is an error.
async fn role_objects(
    session: &crate::cli::session::Session,
    roles: &[Ident],
) -> Result<Vec<Object>, CliError> {
    if roles.is_empty() {
        return Ok(Vec::new());
    }
    let probes: Vec<Object> = roles
        .iter()
        .map(|r| {
            Object::new(
                Address::new(Kind::Role, r.as_str().to_lowercase()),
                ObjectName::account(r.clone()),
            )
        })
        .collect();
    let refs: Vec<&Object> = probes.iter().collect();
    let read = read_live(session, &refs, &ReadOptions::default()).await?;
    let mut out = Vec::new();
    for p in &probes {
        match read.picture.get(&(Kind::Role, p.name.clone())) {
            Some(o) => out.push(o.clone()),
            None => {
                return Err(CliError::new(format!(
                    "role {} does not exist, or this connection's role cannot see it",
                    p.name
                )))
            }
        }
    }
    Ok(out)
}

/// The live objects of database `database` (or of one schema of it).
async fn database_objects(
    session: &crate::cli::session::Session,
    database: &str,
    schema: Option<&str>,
) -> Result<Vec<Object>, CliError> {
    let db = Ident::parse(database).map_err(|e| CliError::new(e.to_string()))?;
    let only = schema
        .map(Ident::parse)
        .transpose()
        .map_err(|e| CliError::new(e.to_string()))?;
    // First the database and its schemas, then everything in the schemas.
    let probe_db = Object::new(
        Address::new(Kind::Database, "db"),
        ObjectName::account(db.clone()),
    );
    let probe_schema = Object::new(
        Address::new(Kind::Schema, "s"),
        ObjectName::in_database(
            db.clone(),
            only.clone()
                .unwrap_or_else(|| Ident::from_canonical("PUBLIC")),
        ),
    );
    let first = read_live(
        session,
        &[&probe_db, &probe_schema],
        &ReadOptions::default(),
    )
    .await?;
    if !first
        .picture
        .contains_key(&(Kind::Database, probe_db.name.clone()))
    {
        return Err(CliError::new(format!(
            "database {db} does not exist, or this connection's role cannot see it"
        )));
    }
    let schemas: Vec<ObjectName> = first
        .picture
        .keys()
        .filter(|(k, n)| *k == Kind::Schema && n.database.as_ref() == Some(&db))
        .map(|(_, n)| n.clone())
        .filter(|n| only.as_ref().is_none_or(|s| &n.name == s))
        .collect();
    if let Some(s) = &only {
        if schemas.is_empty() {
            return Err(CliError::new(format!(
                "schema {db}.{s} does not exist, or this connection's role cannot see it"
            )));
        }
    }
    let second = read_live(
        session,
        &[],
        &ReadOptions {
            scan_schemas: schemas.clone(),
            ..ReadOptions::default()
        },
    )
    .await?;
    let mut objects: Vec<Object> = Vec::new();
    if only.is_none() {
        objects.extend(
            first
                .picture
                .get(&(Kind::Database, probe_db.name.clone()))
                .cloned(),
        );
    }
    // PUBLIC is created with every database: its objects are written, the schema is not.
    objects.extend(
        schemas
            .iter()
            .filter(|s| s.name.as_str() != "PUBLIC")
            .filter_map(|s| first.picture.get(&(Kind::Schema, s.clone())).cloned()),
    );
    objects.extend(
        second
            .picture
            .values()
            .filter(|o| {
                o.kind() != Kind::Schema
                    && o.kind() != Kind::Database
                    && o.kind() != Kind::Warehouse
            })
            .cloned(),
    );
    Ok(objects)
}
