//! SHOW: which objects a statement's scope covers, the shared filters, and one renderer
//! per kind with Snowflake's columns, order and value formats.

mod columns;
mod filter;
mod render;

pub use filter::{like as like_pattern, Cap, Key};

use super::catalog::SYSTEM_ROLES;
use super::errors;
use super::exec::{Exec, INFORMATION_SCHEMA};
use super::parse::ast::{Show, ShowScope, ShowWhat};
use crate::sandbox::{ResultSet, SqlError};

/// The containers a schema-level SHOW covers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Containers {
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

fn scope(x: &Exec, s: &Show) -> Result<Containers, SqlError> {
    Ok(match &s.scope {
        None => match x.session_database() {
            Some(d) => Containers::Database(d.to_string()),
            None => Containers::Account,
        },
        Some(ShowScope::Account) => Containers::Account,
        Some(ShowScope::Database(None)) => match x.session_database() {
            Some(d) => Containers::Database(d.to_string()),
            None => Containers::Account,
        },
        Some(ShowScope::Database(Some(d))) => {
            x.database(d)?;
            Containers::Database(d.clone())
        }
        Some(ShowScope::Schema(None)) => match (x.session_database(), x.session_schema()) {
            (Some(d), Some(sc)) => Containers::Schema(d.to_string(), sc.to_string()),
            (Some(d), None) => Containers::Database(d.to_string()),
            _ => Containers::Account,
        },
        Some(ShowScope::Schema(Some(name))) => {
            let (d, sc) = x.resolve_schema(name, "SHOW")?;
            if sc != INFORMATION_SCHEMA {
                x.schema(&d, &sc)?;
            } else {
                x.database(&d)?;
            }
            Containers::Schema(d, sc)
        }
        Some(_) => return Err(errors::syntax(1, 0, "unexpected 'IN'.")),
    })
}

pub fn run(x: &Exec, s: &Show) -> Result<ResultSet, SqlError> {
    match s.what {
        ShowWhat::Warehouses | ShowWhat::Databases => {
            if s.scope.is_some() {
                return Err(errors::syntax(1, 0, "unexpected 'IN'."));
            }
            if s.what == ShowWhat::Warehouses {
                let keys = x
                    .catalog
                    .warehouses
                    .keys()
                    .map(|n| account_key(n))
                    .collect();
                let keys = filter::apply(keys, s, Cap::Silent)?;
                Ok(render::warehouses(x, &keys))
            } else {
                let keys = x.catalog.databases.keys().map(|n| account_key(n)).collect();
                let keys = filter::apply(keys, s, Cap::Error)?;
                Ok(render::databases(x, s, &keys))
            }
        }
        ShowWhat::Roles => {
            let keys = SYSTEM_ROLES
                .iter()
                .copied()
                .chain(x.catalog.roles.keys().map(String::as_str))
                .map(account_key)
                .collect::<std::collections::BTreeSet<_>>()
                .into_iter()
                .collect();
            let keys = filter::apply(keys, s, Cap::Error)?;
            Ok(render::roles(x, &keys))
        }
        ShowWhat::Schemas => {
            if matches!(s.scope, Some(ShowScope::Schema(_))) {
                return Err(errors::syntax(1, 0, "unexpected 'SCHEMA'."));
            }
            let sc = scope(x, s)?;
            let mut keys = Vec::new();
            for (d, db) in &x.catalog.databases {
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
            let keys = filter::apply(keys, s, Cap::Error)?;
            Ok(render::schemas(x, s, &keys))
        }
        ShowWhat::Versions => {
            let Some(ShowScope::Model(name)) = &s.scope else {
                return Err(errors::syntax(1, 0, "expected IN MODEL."));
            };
            let f = x.resolve_schema_object(name, "SHOW VERSIONS")?;
            let model = x
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
            let keys = filter::apply(keys, s, Cap::Error)?;
            Ok(render::versions(&f, model, &keys))
        }
        ShowWhat::Columns => {
            let containers = match &s.scope {
                Some(ShowScope::Object(..)) => None,
                _ => Some(scope(x, s)?),
            };
            columns::run(x, s, containers)
        }
        ShowWhat::Parameters => {
            let Some(ShowScope::Object(kind, name)) = &s.scope else {
                return Err(errors::syntax(1, 0, "expected IN <object>."));
            };
            render::parameters(x, s, *kind, name)
        }
        _ => {
            let sc = scope(x, s)?;
            let mut keys = Vec::new();
            for (d, db) in &x.catalog.databases {
                for (sn, schema) in &db.schemas {
                    if !sc.covers(d, sn) {
                        continue;
                    }
                    let key = |n: &String| Key {
                        database: d.clone(),
                        schema: sn.clone(),
                        name: n.clone(),
                    };
                    match s.what {
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
                                .filter(|(_, t)| !s.root_only || t.predecessors.is_empty())
                                .map(|(n, _)| key(n)),
                        ),
                        ShowWhat::Models => keys.extend(schema.models.keys().map(key)),
                        _ => {}
                    }
                }
            }
            let cap = if s.what == ShowWhat::Stages {
                Cap::Silent
            } else {
                Cap::Error
            };
            let keys = filter::apply(keys, s, cap)?;
            Ok(match s.what {
                ShowWhat::Stages => render::stages(x, &keys),
                ShowWhat::Tags => render::tags(x, &keys),
                ShowWhat::Tables => render::tables(x, s, &keys),
                ShowWhat::Views => render::views(x, s, &keys),
                ShowWhat::DynamicTables => render::dynamic_tables(x, s, &keys),
                ShowWhat::Tasks => render::tasks(x, s, &keys),
                _ => render::models(x, &keys),
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
