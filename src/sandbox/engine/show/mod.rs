//! SHOW: which objects a statement's scope covers, the shared filters, and one renderer
//! per kind with Snowflake's columns, order and value formats.

mod columns;
mod filter;
mod render;

pub(crate) use filter::{like as like_pattern, Cap, Key};

use super::catalog::SYSTEM_ROLES;
use super::errors;
use super::exec::{Exec, INFORMATION_SCHEMA};
use super::parse::ast::{Show, ShowScope, ShowWhat};
use crate::sandbox::{ResultSet, SqlError};

/// The containers a schema-level SHOW covers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Containers {
    Account,
    Database(String),
    Schema(String, String),
}

impl Containers {
    fn covers(&self, db: &str, schema: &str) -> bool {
        match self {
            Containers::Account => true,
            Containers::Database(d) => d == db,
            Containers::Schema(d, s) => d == db && s == schema,
        }
    }
}

fn scope(exec: &Exec, show: &Show) -> Result<Containers, SqlError> {
    Ok(match &show.scope {
        None => match exec.session_database() {
            Some(d) => Containers::Database(d.to_string()),
            None => Containers::Account,
        },
        Some(ShowScope::Account) => Containers::Account,
        Some(ShowScope::Database(None)) => match exec.session_database() {
            Some(d) => Containers::Database(d.to_string()),
            None => Containers::Account,
        },
        Some(ShowScope::Database(Some(d))) => {
            exec.database(d)?;
            Containers::Database(d.clone())
        }
        Some(ShowScope::Schema(None)) => match (exec.session_database(), exec.session_schema()) {
            (Some(d), Some(sc)) => Containers::Schema(d.to_string(), sc.to_string()),
            (Some(d), None) => Containers::Database(d.to_string()),
            _ => Containers::Account,
        },
        Some(ShowScope::Schema(Some(name))) => {
            let (d, sc) = exec.resolve_schema(name, "SHOW")?;
            if sc != INFORMATION_SCHEMA {
                exec.schema(&d, &sc)?;
            } else {
                exec.database(&d)?;
            }
            Containers::Schema(d, sc)
        }
        Some(_) => return Err(errors::syntax(1, 0, "unexpected 'IN'.")),
    })
}

pub fn run(exec: &Exec, show: &Show) -> Result<ResultSet, SqlError> {
    match show.what {
        ShowWhat::Warehouses | ShowWhat::Databases => {
            if show.scope.is_some() {
                return Err(errors::syntax(1, 0, "unexpected 'IN'."));
            }
            if show.what == ShowWhat::Warehouses {
                let keys = exec
                    .catalog
                    .warehouses
                    .keys()
                    .map(|n| account_key(n))
                    .collect();
                let keys = filter::apply(keys, show, Cap::Silent)?;
                Ok(render::warehouses(exec, &keys))
            } else {
                let keys = exec
                    .catalog
                    .databases
                    .keys()
                    .map(|n| account_key(n))
                    .collect();
                let keys = filter::apply(keys, show, Cap::Error)?;
                Ok(render::databases(exec, show, &keys))
            }
        }
        ShowWhat::Users => {
            let keys = exec.catalog.users.keys().map(|n| account_key(n)).collect();
            let keys = filter::apply(keys, show, Cap::Error)?;
            Ok(render::users(exec, &keys))
        }
        ShowWhat::Roles => {
            let keys = SYSTEM_ROLES
                .iter()
                .copied()
                .chain(exec.catalog.roles.keys().map(String::as_str))
                .map(account_key)
                .collect::<std::collections::BTreeSet<_>>()
                .into_iter()
                .collect();
            let keys = filter::apply(keys, show, Cap::Error)?;
            Ok(render::roles(exec, &keys))
        }
        ShowWhat::Schemas => {
            if matches!(show.scope, Some(ShowScope::Schema(_))) {
                return Err(errors::syntax(1, 0, "unexpected 'SCHEMA'."));
            }
            let sc = scope(exec, show)?;
            let mut keys = Vec::new();
            for (d, db) in &exec.catalog.databases {
                if !sc.covers(d, "") {
                    continue;
                }
                keys.push(Key {
                    database: d.clone(),
                    schema: String::new(),
                    name: INFORMATION_SCHEMA.into(),
                });
                keys.extend(db.schemas.keys().map(|n| Key {
                    database: d.clone(),
                    schema: String::new(),
                    name: n.clone(),
                }));
            }
            let keys = filter::apply(keys, show, Cap::Error)?;
            Ok(render::schemas(exec, show, &keys))
        }
        ShowWhat::Versions => {
            let Some(ShowScope::Model(name)) = &show.scope else {
                return Err(errors::syntax(1, 0, "expected IN MODEL."));
            };
            let f = exec.resolve_schema_object(name, "SHOW VERSIONS")?;
            let model = exec
                .schema(&f.database, &f.schema)
                .ok()
                .and_then(|sc| sc.models.get(&f.name))
                .ok_or_else(|| errors::does_not_exist("Model", &f.dotted()))?;
            let keys = model
                .versions
                .keys()
                .map(|v| Key {
                    database: f.database.clone(),
                    schema: f.schema.clone(),
                    name: v.clone(),
                })
                .collect();
            let keys = filter::apply(keys, show, Cap::Error)?;
            Ok(render::versions(&f, model, &keys))
        }
        ShowWhat::Columns => {
            let containers = match &show.scope {
                Some(ShowScope::Object(..)) => None,
                _ => Some(scope(exec, show)?),
            };
            columns::run(exec, show, containers)
        }
        ShowWhat::Parameters => {
            let Some(ShowScope::Object(kind, name)) = &show.scope else {
                return Err(errors::syntax(1, 0, "expected IN <object>."));
            };
            render::parameters(exec, show, *kind, name)
        }
        _ => {
            let sc = scope(exec, show)?;
            let mut keys = Vec::new();
            for (d, db) in &exec.catalog.databases {
                for (sn, schema) in &db.schemas {
                    if !sc.covers(d, sn) {
                        continue;
                    }
                    let key = |n: &String| Key {
                        database: d.clone(),
                        schema: sn.clone(),
                        name: n.clone(),
                    };
                    match show.what {
                        ShowWhat::Stages => keys.extend(schema.stages.keys().map(key)),
                        ShowWhat::Tags => keys.extend(schema.tags.keys().map(key)),
                        ShowWhat::Tables => {
                            keys.extend(schema.tables.keys().map(key));
                            keys.extend(schema.dynamic_tables.keys().map(key));
                        }
                        ShowWhat::Views => keys.extend(schema.views.keys().map(key)),
                        ShowWhat::DynamicTables => {
                            keys.extend(schema.dynamic_tables.keys().map(key))
                        }
                        ShowWhat::Tasks => keys.extend(
                            schema
                                .tasks
                                .iter()
                                .filter(|(_, t)| !show.root_only || t.predecessors.is_empty())
                                .map(|(n, _)| key(n)),
                        ),
                        ShowWhat::Models => keys.extend(schema.models.keys().map(key)),
                        _ => {}
                    }
                }
            }
            let cap = if show.what == ShowWhat::Stages {
                Cap::Silent
            } else {
                Cap::Error
            };
            let keys = filter::apply(keys, show, cap)?;
            Ok(match show.what {
                ShowWhat::Stages => render::stages(exec, &keys),
                ShowWhat::Tags => render::tags(exec, &keys),
                ShowWhat::Tables => render::tables(exec, show, &keys),
                ShowWhat::Views => render::views(exec, show, &keys),
                ShowWhat::DynamicTables => render::dynamic_tables(exec, show, &keys),
                ShowWhat::Tasks => render::tasks(exec, show, &keys),
                _ => render::models(exec, &keys),
            })
        }
    }
}

fn account_key(name: &str) -> Key {
    Key {
        database: String::new(),
        schema: String::new(),
        name: name.to_string(),
    }
}
