//! Decoding one instance of a resource block into a model [`Object`]: its Snowflake name,
//! its properties in canonical form, a model's versions, and the value other blocks see
//! when they refer to it.

use super::bindings::{eval_in, Ctx};
use super::blocks::ResourceDecl;
use super::functions::describe;
use super::values::{self, text, Invalid};
use crate::diag::{Diagnostic, Diagnostics, Span};
use crate::kinds::model::{VERSIONS, VERSION_ATTRS};
use crate::kinds::table::{COLUMNS as TABLE_COLUMNS, COLUMN_ATTRS};
use crate::model::attr;
use crate::model::ident::{split_parts, MAX_IDENT_LEN};
use crate::model::schema::{Attr, AttrType};
use crate::model::{
    entity_of_tag, entity_tag_name, feature_view_object_name, schema, Address, Ident, Kind,
    Lifecycle, Object, ObjectName, Role, Scope, Value,
};
use hcl::Value as Hcl;
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// The hidden key of a block's value that says which block it is.
pub(crate) const ADDRESS_KEY: &str = "__address";

/// Alias names the Model Registry keeps for itself.
const RESERVED_ALIASES: &[&str] = &["DEFAULT", "FIRST", "LAST"];

/// A decoded instance, with what the cross-object checks need to know about how it was
/// written.
#[derive(Clone, Debug)]
pub(crate) struct Decoded {
    pub object: Object,
    /// Where each attribute's value is written.
    pub spans: BTreeMap<String, Span>,
    /// Objects named by a string rather than a block reference: (kind, name).
    pub named: Vec<(Kind, ObjectName)>,
    /// A feature view's entities, as the names of their tags.
    pub entities: Vec<ObjectName>,
    /// A task's predecessors.
    pub after: Vec<ObjectName>,
}

/// What decoding one instance gives.
pub(crate) struct Outcome {
    /// The object, when its name could be worked out.
    pub(crate) decoded: Option<Decoded>,
    /// What a reference to this instance reads (null when nothing reads the block).
    pub value: Hcl,
    /// Attributes whose value could not be decoded (already reported).
    pub(crate) failed_attrs: BTreeSet<&'static str>,
}

pub struct Input<'b, 'a> {
    pub(crate) decl: &'b ResourceDecl<'a>,
    pub address: Address,
    pub(crate) ctx: &'b Ctx,
    /// Attribute keys (see [`attr_key`]) whose values cannot be known because something they
    /// read failed; they are skipped without a message.
    pub unknown: &'b BTreeSet<String>,
    /// The names of the instances decoded so far.
    pub registry: &'b HashMap<Address, ObjectName>,
    pub lifecycle: Lifecycle,
    /// Whether any expression reads this block: if not, its value is not built.
    pub read: bool,
}

/// The key of an attribute of the block, or of a nested block (`version.1.source`).
pub(crate) fn attr_key(nested: Option<(&str, usize)>, attr: &str) -> String {
    match nested {
        None => attr.to_string(),
        Some((block, i)) => format!("{block}.{i}.{attr}"),
    }
}

/// A block reference or a name, as an attribute of type `Ref` holds it.
enum RefValue {
    Block(Address, ObjectName),
    Name(String),
}

struct Decoder<'b, 'a> {
    input: Input<'b, 'a>,
    diags: &'b mut Diagnostics,
    spans: BTreeMap<String, Span>,
    failed: BTreeSet<&'static str>,
    named: Vec<(Kind, ObjectName)>,
    /// Blocks whose references were resolved: dependencies, whichever way they were reached.
    referenced: Vec<Address>,
}

pub(crate) fn instance(input: Input<'_, '_>, diags: &mut Diagnostics) -> Outcome {
    let mut d = Decoder {
        input,
        diags,
        spans: BTreeMap::new(),
        failed: BTreeSet::new(),
        named: Vec::new(),
        referenced: Vec::new(),
    };
    d.run()
}

impl Decoder<'_, '_> {
    fn kind(&self) -> Kind {
        self.input.decl.kind
    }

    fn error(&mut self, summary: String, hint: Option<String>, at: Span) {
        let mut d = Diagnostic::error(summary);
        if let Some(h) = hint {
            d = d.with_detail(h);
        }
        self.diags.push(d.at(Some(at)));
    }

    fn invalid(&mut self, attr: &str, error: Invalid, at: Span) {
        self.error(
            format!("invalid value for {attr:?}: {}", error.message),
            error.hint,
            at,
        );
    }

    /// Evaluate the attributes of a body that are known; null means "not set".
    fn evaluate(
        &mut self,
        body: &hcl_edit::structure::Body,
        attrs: &'static [Attr],
        nested: Option<(&str, usize)>,
    ) -> BTreeMap<&'static str, (Hcl, Span)> {
        let file = self.input.decl.file;
        let mut out = BTreeMap::new();
        for attr in attrs.iter().filter(|a| a.role != Role::Derived) {
            let Some(a) = body.get_attribute(attr.name) else {
                continue;
            };
            let span = file.span_of(&a.value);
            let key = attr_key(nested, attr.name);
            let unknown = self.input.unknown.contains(&key);
            self.spans.insert(key, span.clone());
            if unknown {
                self.failed.insert(attr.name);
                continue;
            }
            match eval_in(self.input.ctx, &a.value) {
                Ok(Hcl::Null) if attr.required => {
                    self.error(
                        format!("{:?} is required, but its value is null", attr.name),
                        None,
                        span,
                    );
                    self.failed.insert(attr.name);
                }
                Ok(Hcl::Null) => {}
                Ok(v) => {
                    out.insert(attr.name, (v, span));
                }
                Err(e) => {
                    self.error(format!("cannot evaluate {:?}: {e}", attr.name), None, span);
                    self.failed.insert(attr.name);
                }
            }
        }
        out
    }

    fn run(&mut self) -> Outcome {
        let kind = self.kind();
        let s = schema(kind);
        let decl = self.input.decl;
        let values = self.evaluate(&decl.block.body, s.attrs, None);

        let name = self.name(values.get(attr::NAME));
        let container_attr = s.attrs.iter().find(|a| a.role == Role::Container);
        let container = container_attr.and_then(|a| self.container(a, values.get(a.name)));
        let mut props = BTreeMap::new();
        let mut entities = Vec::new();
        let mut after = Vec::new();
        for attr in s.attrs.iter().filter(|a| a.is_user_property()) {
            let Some((v, span)) = values.get(attr.name) else {
                continue;
            };
            let decoded = match &attr.ty {
                AttrType::Ref(target) => self.reference(*target, v).map(Value::Str),
                AttrType::RefList(Kind::Entity) => {
                    self.entities(v, container.as_ref()).map(|names| {
                        let list = names
                            .iter()
                            .filter_map(|n| entity_of_tag(&n.name))
                            .map(|e| Value::Str(e.as_str().to_string()))
                            .collect();
                        entities = names;
                        Value::List(list)
                    })
                }
                AttrType::RefList(target) => self
                    .objects_in_schema(*target, v, container.as_ref())
                    .map(|names| {
                        let mut list: Vec<String> = names.iter().map(ObjectName::to_sql).collect();
                        list.sort();
                        list.dedup();
                        after = names;
                        Value::List(list.into_iter().map(Value::Str).collect())
                    }),
                AttrType::Securable => self.securable(attr.name, v).map(Value::Str),
                ty => values::decode(ty, v),
            };
            // A body goes between `$$` (as Snowflake's examples write it): one holding `$$`
            // would end early and the rest would run as SQL.
            let decoded = decoded.and_then(|value| match value.as_str() {
                Some(b) if kind == Kind::Procedure && attr.name == attr::BODY && b.contains("$$") => {
                    Err(values::Invalid::new(
                        "the body contains `$$`, which would end the procedure's code early; remove it (for example, write `$ $` or build the text from parts)",
                    ))
                }
                _ => Ok(value),
            });
            match decoded {
                Ok(value) => {
                    props.insert(attr.name.to_string(), value);
                }
                Err(e) => {
                    self.invalid(attr.name, e, span.clone());
                    self.failed.insert(attr.name);
                }
            }
        }
        if kind == Kind::Model {
            self.versions(&mut props);
        }
        if kind == Kind::Table {
            self.columns(&mut props);
        }

        let object_name = match (kind.scope(), &name, &container) {
            _ if kind == Kind::Grant => self.grant(&mut props),
            _ if kind == Kind::RoleGrant => self.role_grant(&mut props),
            (_, None, _) => None,
            (Scope::Account, Some(n), _) => Some(ObjectName::account(n.clone())),
            (Scope::Database, Some(n), Some(db)) => {
                Some(ObjectName::in_database(db.name.clone(), n.clone()))
            }
            (Scope::Schema, Some(n), Some(sch)) => {
                let own = match kind {
                    Kind::Entity => Some(entity_tag_name(n)),
                    Kind::FeatureView => props
                        .get(attr::VERSION)
                        .and_then(Value::as_str)
                        .map(|v| feature_view_object_name(n, v)),
                    _ => Some(n.clone()),
                };
                let own = own.filter(|own| self.fits(kind, own, values.get(attr::NAME)));
                match (own, &sch.database) {
                    (Some(own), Some(db)) => {
                        Some(ObjectName::in_schema(db.clone(), sch.name.clone(), own))
                    }
                    _ => None,
                }
            }
            _ => None,
        };
        // Overloads are distinct procedures: the argument types belong to the identity.
        let object_name = match kind {
            Kind::Procedure => object_name.map(|n| {
                n.with_signature(Some(crate::kinds::procedure::signature(
                    props.get(attr::ARGUMENTS),
                )))
            }),
            _ => object_name,
        };

        let value = if self.input.read {
            self.value(
                name.as_ref(),
                object_name.as_ref(),
                container_attr.zip(container.as_ref()),
                &props,
            )
        } else {
            Hcl::Null
        };
        let decoded = object_name.map(|on| {
            let mut object = Object::new(self.input.address.clone(), on);
            object.props = props;
            object.lifecycle = self.input.lifecycle.clone();
            object.span = Some(self.input.decl.span());
            object.deps = std::mem::take(&mut self.referenced).into_iter().collect();
            Decoded {
                object,
                spans: std::mem::take(&mut self.spans),
                named: std::mem::take(&mut self.named),
                entities,
                after,
            }
        });
        Outcome {
            decoded,
            value,
            failed_attrs: std::mem::take(&mut self.failed),
        }
    }

    /// What a grant's `on`, `in` or `to` names, as its statements write it: `SCHEMA DB.S`,
    /// `DATABASE DB`, `ROLE R`, `DATABASE ROLE DB.R`.
    fn securable(&mut self, attr: &str, value: &Hcl) -> Result<String, Invalid> {
        use crate::kinds::grant::{self as g, grantee_text};
        if let Hcl::Object(m) = value {
            if let Some(Hcl::String(a)) = m.get(ADDRESS_KEY) {
                let address = Address::parse(a).map_err(|e| Invalid::new(e.to_string()))?;
                let name = self
                    .input
                    .registry
                    .get(&address)
                    .cloned()
                    .ok_or_else(|| Invalid::new(format!("{address} has no name")))?;
                let text = match (attr, address.kind) {
                    ("to" | "role", Kind::Role) => grantee_text(false, &name),
                    ("to" | "role", Kind::DatabaseRole) => grantee_text(true, &name),
                    ("in", Kind::Database | Kind::Schema) | ("on", _) => {
                        let Some(sec) = g::securable_of_kind(address.kind) else {
                            return Err(Invalid::new(format!(
                                "{address} is a {} block, which a grant cannot name",
                                address.kind.noun()
                            ))
                            .with_hint(match address.kind {
                                Kind::FeatureView => "a feature view is a dynamic table or a view: grant on_future / on_all \"DYNAMIC TABLES\" or \"VIEWS\" in its schema, or write { kind = \"DYNAMIC TABLE\", name = \"DB.SCHEMA.NAME$VERSION\" }",
                                _ => "grant on a warehouse, database, schema, stage, task or model",
                            }));
                        };
                        format!("{} {}", sec.keyword, name.to_sql())
                    }
                    (_, k) => {
                        return Err(Invalid::new(format!(
                            "expected {}, got {address}, a {} block",
                            match attr {
                                "to" | "role" => "a reference to a role or database_role block",
                                _ => "a reference to a database or schema block",
                            },
                            k.noun()
                        )))
                    }
                };
                self.referenced.push(address);
                return Ok(text);
            }
            // { kind = "SCHEMA", name = "DB.S" }
            let field = |k: &str| m.get(k).and_then(text);
            let (Some(kind), Some(name)) = (field("kind"), field("name")) else {
                return Err(Invalid::new(format!(
                    "expected {}, got an object without kind and name",
                    AttrType::Securable.describe()
                )));
            };
            if m.len() != 2 {
                return Err(Invalid::new("the object takes kind and name only"));
            }
            let kind = g::canonical_privilege(&kind.replace('_', " "));
            let parts = split_parts(&name).map_err(|e| Invalid::new(e.to_string()))?;
            let qualified = |n: usize| -> Result<String, Invalid> {
                if parts.len() != n {
                    return Err(Invalid::new(format!(
                        "a {} name has {n} part{}, got {name:?}",
                        kind.to_lowercase(),
                        if n == 1 { "" } else { "s" }
                    )));
                }
                Ok(parts
                    .iter()
                    .map(Ident::to_sql)
                    .collect::<Vec<_>>()
                    .join("."))
            };
            return match attr {
                "to" | "role" => match kind.as_str() {
                    "ROLE" => Ok(format!("ROLE {}", qualified(1)?)),
                    "DATABASE ROLE" => Ok(format!("DATABASE ROLE {}", qualified(2)?)),
                    _ => Err(Invalid::new(format!(
                        "a grant goes to a ROLE or a DATABASE ROLE, not a {kind}"
                    ))),
                },
                "in" => match kind.as_str() {
                    "DATABASE" => Ok(format!("DATABASE {}", qualified(1)?)),
                    "SCHEMA" => Ok(format!("SCHEMA {}", qualified(2)?)),
                    _ => Err(Invalid::new(format!(
                        "`in` is a DATABASE or a SCHEMA, not a {kind}"
                    ))),
                },
                _ => {
                    let sec = g::securable(&kind).ok_or_else(|| Invalid {
                        message: format!("{kind:?} is not an object kind a grant can name"),
                        hint: super::suggest::hint(&kind, g::SECURABLES.iter().map(|s| s.keyword)),
                    })?;
                    let n = if sec.in_schema {
                        3
                    } else if sec.keyword == "SCHEMA" {
                        2
                    } else {
                        1
                    };
                    Ok(format!("{} {}", sec.keyword, qualified(n)?))
                }
            };
        }
        match (attr, text(value)) {
            ("to" | "role", Some(s)) => {
                let name = Ident::parse(&s).map_err(|e| Invalid::new(e.to_string()))?;
                let name = ObjectName::account(name);
                self.named.push((Kind::Role, name.clone()));
                Ok(grantee_text(false, &name))
            }
            ("in", Some(s)) => {
                let parts = split_parts(&s).map_err(|e| Invalid::new(e.to_string()))?;
                let sql = parts.iter().map(Ident::to_sql).collect::<Vec<_>>().join(".");
                match parts.len() {
                    1 => Ok(format!("DATABASE {sql}")),
                    2 => Ok(format!("SCHEMA {sql}")),
                    _ => Err(Invalid::new(format!(
                        "{s:?} is neither a database (DB) nor a schema (DB.SCHEMA)"
                    ))),
                }
            }
            _ => Err(Invalid::new(format!(
                "expected {}, got {}",
                match attr {
                    "to" | "role" => "a reference to a role block, a role name or { kind = \"DATABASE ROLE\", name = \"DB.ROLE\" }",
                    "in" => "a reference to a database or schema block, or its name",
                    _ => "a block reference or { kind = \"SCHEMA\", name = \"DB.SCHEMA\" }",
                },
                describe(value)
            ))),
        }
    }

    /// A grant's name (what it is on and to whom), once its target is one of `on` or
    /// `on_all` / `on_future` with `in`, and its privileges are those the object kind takes
    /// (`ALL` expanded to the kind's list).
    fn grant(&mut self, props: &mut BTreeMap<String, Value>) -> Option<ObjectName> {
        use crate::kinds::grant::{self as g};
        let block = self.input.decl.span();
        let at = |d: &Self, attr: &str| d.spans.get(attr).cloned().unwrap_or_else(|| block.clone());
        if [
            attr::ON,
            attr::ON_ALL,
            attr::ON_FUTURE,
            attr::IN,
            attr::TO,
            attr::PRIVILEGES,
        ]
        .iter()
        .any(|a| self.failed.contains(a))
        {
            return None;
        }
        let get = |k: &str| props.get(k).and_then(Value::as_str).map(str::to_string);
        let (on, all, future, within) = (get("on"), get("on_all"), get("on_future"), get("in"));
        let to = get("to")?;
        let targets = [on.is_some(), all.is_some(), future.is_some()]
            .iter()
            .filter(|b| **b)
            .count();
        if targets != 1 {
            self.error(
                "a grant names exactly one of on, on_all and on_future".into(),
                Some("write on = <object> for one object, or on_all / on_future = \"VIEWS\" with in = <schema or database>".into()),
                block,
            );
            self.failed.insert(attr::ON);
            return None;
        }
        let sec = match (&on, &all, &future, &within) {
            (Some(_), _, _, Some(_)) => {
                let span = at(self, attr::IN);
                self.error(
                    "`in` goes with on_all or on_future, not with on".into(),
                    Some("on names the object itself; remove `in`".into()),
                    span,
                );
                self.failed.insert(attr::IN);
                return None;
            }
            (Some(on), ..) => g::split_target(on).map(|(s, _)| s),
            (None, Some(p), _, None) | (None, _, Some(p), None) => {
                let attr = if all.is_some() { "on_all" } else { "on_future" };
                let span = at(self, attr);
                self.error(
                    format!("{attr} = {p:?} needs `in`: the schema or database it covers"),
                    Some("add in = schema.<label> (or a database)".into()),
                    span,
                );
                self.failed.insert(attr::IN);
                return None;
            }
            (None, Some(p), _, Some(i)) | (None, _, Some(p), Some(i)) => {
                if p == "SCHEMAS" && !i.starts_with("DATABASE ") {
                    let span = at(self, attr::IN);
                    self.error(
                        "SCHEMAS are granted in a database".into(),
                        Some("write in = database.<label>".into()),
                        span,
                    );
                    self.failed.insert(attr::IN);
                    return None;
                }
                g::securable_of_plural(p)
            }
            _ => None,
        }?;
        let span = at(self, attr::PRIVILEGES);
        let listed: Vec<String> = props
            .get(attr::PRIVILEGES)?
            .str_list()
            .into_iter()
            .map(str::to_string)
            .collect();
        let privileges = match listed.iter().any(|p| p == "ALL" || p == "ALL PRIVILEGES") {
            true if listed.len() > 1 => {
                self.error(
                    "ALL grants every privilege of the kind: list it alone, or list the privileges"
                        .into(),
                    None,
                    span,
                );
                self.failed.insert(attr::PRIVILEGES);
                return None;
            }
            true => match sec.all {
                Some(all) => all.iter().map(|p| p.to_string()).collect(),
                None => {
                    self.error(
                        format!(
                            "ALL is not accepted on a {}: list the privileges",
                            sec.keyword.to_lowercase()
                        ),
                        Some(format!(
                            "a {} takes {}",
                            sec.keyword.to_lowercase(),
                            sec.privileges.join(", ")
                        )),
                        span,
                    );
                    self.failed.insert(attr::PRIVILEGES);
                    return None;
                }
            },
            false => listed,
        };
        let database_role = to.starts_with("DATABASE ROLE ");
        for p in &privileges {
            let allowed = if database_role && sec.keyword == "DATABASE" {
                g::DATABASE_ROLE_ON_DATABASE
            } else {
                sec.privileges
            };
            if p == "OWNERSHIP" {
                self.error(
                    "OWNERSHIP is not granted with other privileges".into(),
                    Some("ownership moves with owner = role.<label> on the object's block".into()),
                    span.clone(),
                );
                self.failed.insert(attr::PRIVILEGES);
            } else if !allowed.contains(&p.as_str()) {
                let d = Diagnostic::error(format!(
                    "{p:?} is not a privilege on a {}",
                    sec.keyword.to_lowercase()
                ));
                let d = match super::suggest::hint(p, allowed.iter().copied()) {
                    Some(h) => d.with_detail(format!(
                        "{h} (a {} takes {})",
                        sec.keyword.to_lowercase(),
                        allowed.join(", ")
                    )),
                    None => d.with_detail(format!(
                        "a {} takes {}",
                        sec.keyword.to_lowercase(),
                        allowed.join(", ")
                    )),
                };
                self.diags.push(d.at(Some(span.clone())));
                self.failed.insert(attr::PRIVILEGES);
            }
        }
        if sec.keyword == "STAGE"
            && privileges.iter().any(|p| p == "WRITE")
            && !privileges.iter().any(|p| p == "READ")
        {
            self.error(
                "WRITE on a stage needs READ in the same grant".into(),
                Some("add \"READ\" to the privileges".into()),
                span.clone(),
            );
            self.failed.insert(attr::PRIVILEGES);
        }
        if database_role {
            // A database role holds privileges only inside its own database.
            let role_db = to["DATABASE ROLE ".len()..]
                .split('.')
                .next()
                .unwrap_or("")
                .to_string();
            let target = on.as_deref().or(within.as_deref()).unwrap_or("");
            let target_db = g::split_target(target)
                .or_else(|| {
                    ["DATABASE ", "SCHEMA "]
                        .iter()
                        .find_map(|k| target.strip_prefix(k).map(|n| (sec, n)))
                })
                .map(|(_, n)| n.split('.').next().unwrap_or("").to_string());
            if sec.keyword == "WAREHOUSE" || target_db.as_deref() != Some(role_db.as_str()) {
                let span = at(self, attr::TO);
                self.error(
                    "a database role holds privileges only on objects of its own database".into(),
                    Some("grant to an account role instead".into()),
                    span,
                );
                self.failed.insert(attr::TO);
            }
        }
        if self.failed.contains(attr::PRIVILEGES) || self.failed.contains(attr::TO) {
            return None;
        }
        let mut privileges = privileges;
        privileges.sort();
        privileges.dedup();
        props.insert(
            attr::PRIVILEGES.into(),
            Value::List(privileges.into_iter().map(Value::Str).collect()),
        );
        let target = g::target_text(
            on.as_deref(),
            all.as_deref(),
            future.as_deref(),
            within.as_deref(),
        )?;
        Some(g::grant_name(&target, &to))
    }

    /// A role grant's name (the role and its grantee), once it has one grantee (`to` or
    /// `user`) that Snowflake lets hold the role. The grantee is kept in `to` (`USER U` for a
    /// user).
    fn role_grant(&mut self, props: &mut BTreeMap<String, Value>) -> Option<ObjectName> {
        let block = self.input.decl.span();
        if [attr::ROLE, attr::TO, attr::USER]
            .iter()
            .any(|a| self.failed.contains(a))
        {
            return None;
        }
        let role = props.get(attr::ROLE).and_then(Value::as_str)?.to_string();
        let to = props
            .get(attr::TO)
            .and_then(Value::as_str)
            .map(str::to_string);
        let user = props
            .remove(attr::USER)
            .and_then(|v| v.as_str().map(str::to_string));
        let grantee = match (to, user) {
            (Some(to), None) => to,
            (None, Some(u)) => format!("USER {}", Ident::from_canonical(u).to_sql()),
            _ => {
                self.error(
                    "a role grant goes to exactly one of to (a role) and user".into(),
                    Some("write to = role.<label>, or user = \"NAME\"".into()),
                    block,
                );
                self.failed.insert(attr::TO);
                return None;
            }
        };
        let database_of = |t: &str| {
            t.strip_prefix("DATABASE ROLE ")
                .map(|r| r.split('.').next().unwrap_or_default().to_string())
        };
        let problem = match (database_of(&role), database_of(&grantee)) {
            (None, Some(_)) => Some("an account role cannot be granted to a database role"),
            (Some(a), Some(b)) if a != b => {
                Some("a database role is granted to a database role of its own database only")
            }
            _ if role == grantee => Some("a role cannot be granted to itself"),
            _ => None,
        };
        if let Some(problem) = problem {
            let at = self.spans.get(attr::TO).cloned().unwrap_or(block);
            self.error(
                problem.into(),
                Some("grant it to an account role instead".into()),
                at,
            );
            self.failed.insert(attr::TO);
            return None;
        }
        props.insert(attr::TO.into(), Value::Str(grantee.clone()));
        Some(crate::kinds::role_grant::role_grant_name(&role, &grantee))
    }

    fn name(&mut self, value: Option<&(Hcl, Span)>) -> Option<Ident> {
        let (v, span) = value?;
        let Some(s) = text(v) else {
            self.error(
                format!("a name must be a string, got {}", describe(v)),
                None,
                span.clone(),
            );
            self.failed.insert(attr::NAME);
            return None;
        };
        match Ident::parse(&s) {
            Ok(ident) if self.kind() == Kind::Entity && ident.as_str().contains(',') => {
                self.error(
                    format!("the entity name {:?} contains a comma", ident.as_str()),
                    Some("the Feature Store joins entity names with commas, so an entity name cannot hold one".into()),
                    span.clone(),
                );
                self.failed.insert(attr::NAME);
                None
            }
            Ok(ident) => Some(ident),
            Err(e) => {
                self.error(format!("invalid name: {e}"), None, span.clone());
                self.failed.insert(attr::NAME);
                None
            }
        }
    }

    /// Whether the Snowflake name built from the block's name (an entity's tag, a feature
    /// view's `NAME$VERSION`) is within Snowflake's limit.
    fn fits(&mut self, kind: Kind, own: &Ident, name: Option<&(Hcl, Span)>) -> bool {
        let len = own.as_str().chars().count();
        if len <= MAX_IDENT_LEN {
            return true;
        }
        let why = match kind {
            Kind::Entity => "the tag that holds the entity",
            _ => "the feature view's NAME$VERSION",
        };
        let at = name
            .map(|(_, s)| s.clone())
            .unwrap_or_else(|| self.input.decl.span());
        self.error(
            format!("the name of {why} would be {len} characters long; Snowflake allows at most {MAX_IDENT_LEN}"),
            Some(format!("shorten the name: {why} is {}", own.as_str())),
            at,
        );
        self.failed.insert(attr::NAME);
        false
    }

    fn ref_value(&self, expected: Kind, value: &Hcl) -> Result<RefValue, Invalid> {
        match value {
            Hcl::String(s) => Ok(RefValue::Name(s.clone())),
            Hcl::Object(m) => {
                if let Some(Hcl::String(a)) = m.get(ADDRESS_KEY) {
                    let address = Address::parse(a).map_err(|e| Invalid::new(e.to_string()))?;
                    if address.kind != expected {
                        return Err(Invalid::new(format!(
                            "expected a reference to a {expected} block, got {address}, a {} block",
                            address.kind
                        )));
                    }
                    let name = self
                        .input
                        .registry
                        .get(&address)
                        .cloned()
                        .ok_or_else(|| Invalid::new(format!("{address} has no name")))?;
                    return Ok(RefValue::Block(address, name));
                }
                let instances = !m.is_empty()
                    && m.values()
                        .all(|x| x.as_object().is_some_and(|o| o.contains_key(ADDRESS_KEY)));
                if instances {
                    return Err(Invalid::new("this is a block with for_each: refer to one of its instances, as in KIND.NAME[\"KEY\"]"));
                }
                Err(Invalid::new(format!(
                    "expected {}, got an object",
                    AttrType::Ref(expected).describe()
                )))
            }
            other => Err(Invalid::new(format!(
                "expected {}, got {}",
                AttrType::Ref(expected).describe(),
                describe(other)
            ))),
        }
    }

    /// A name string of an object of `kind`, written at its own level of qualification.
    fn parse_name(kind: Kind, text: &str) -> Result<ObjectName, Invalid> {
        let r = match kind.scope() {
            Scope::Account => Ident::parse(text).map(ObjectName::account),
            Scope::Database => ObjectName::parse_schema(text),
            Scope::Schema => ObjectName::parse_qualified(text),
        };
        r.map_err(|e| Invalid::new(e.to_string()))
    }

    /// The container (`database` of a schema, `schema` of a schema object).
    fn container(&mut self, attr: &Attr, value: Option<&(Hcl, Span)>) -> Option<ObjectName> {
        let (v, span) = value?;
        let AttrType::Ref(kind) = attr.ty else {
            return None;
        };
        let result = match self.ref_value(kind, v) {
            Ok(RefValue::Block(address, name)) => {
                self.referenced.push(address);
                Ok(name)
            }
            Ok(RefValue::Name(s)) => {
                Self::parse_name(kind, &s).inspect(|n| self.named.push((kind, n.clone())))
            }
            Err(e) => Err(e),
        };
        match result {
            Ok(name) => Some(name),
            Err(e) => {
                self.invalid(attr.name, e, span.clone());
                self.failed.insert(attr.name);
                None
            }
        }
    }

    /// A reference property (`warehouse`): the referenced object's name.
    fn reference(&mut self, kind: Kind, value: &Hcl) -> Result<String, Invalid> {
        match self.ref_value(kind, value)? {
            RefValue::Block(address, name) => {
                self.referenced.push(address);
                Ok(name.to_string())
            }
            RefValue::Name(s) => {
                let name = Self::parse_name(kind, &s)?;
                self.named.push((kind, name.clone()));
                Ok(name.to_string())
            }
        }
    }

    /// The elements of a list of references to objects of `kind`, which live in a schema:
    /// block references, `NAME` (in this object's schema) or `DB.SCHEMA.NAME`.
    fn objects_in_schema(
        &mut self,
        kind: Kind,
        value: &Hcl,
        schema: Option<&ObjectName>,
    ) -> Result<Vec<ObjectName>, Invalid> {
        let Hcl::Array(items) = value else {
            return Err(Invalid::new(format!(
                "expected {}, got {}",
                AttrType::RefList(kind).describe(),
                describe(value)
            )));
        };
        let mut out: Vec<ObjectName> = Vec::with_capacity(items.len());
        for item in items {
            let name = match self.ref_value(kind, item)? {
                RefValue::Block(address, name) => {
                    self.referenced.push(address);
                    name
                }
                RefValue::Name(s) => {
                    let parts = split_parts(&s).map_err(|e| Invalid::new(e.to_string()))?;
                    let mut parts = parts.into_iter();
                    let name = match (
                        parts.next(),
                        parts.next(),
                        parts.next(),
                        parts.next(),
                        schema,
                    ) {
                        (Some(n), None, None, None, Some(sch)) => match &sch.database {
                            Some(db) => ObjectName::in_schema(db.clone(), sch.name.clone(), n),
                            None => continue,
                        },
                        // The schema is unknown (already reported): nothing to qualify with.
                        (Some(_), None, None, None, None) => continue,
                        (Some(db), Some(sch), Some(n), None, _) => {
                            ObjectName::in_schema(db, sch, n)
                        }
                        _ => {
                            return Err(Invalid::new(format!(
                                "{s:?} is not a {} name: write NAME or DATABASE.SCHEMA.NAME",
                                kind.noun()
                            )))
                        }
                    };
                    let name = if kind == Kind::Entity {
                        name.with_name(entity_tag_name(&name.name))
                    } else {
                        name
                    };
                    self.named.push((kind, name.clone()));
                    name
                }
            };
            if out.contains(&name) {
                return Err(Invalid::new(format!("{} is listed twice", name)));
            }
            out.push(name);
        }
        Ok(out)
    }

    fn entities(
        &mut self,
        value: &Hcl,
        schema: Option<&ObjectName>,
    ) -> Result<Vec<ObjectName>, Invalid> {
        self.objects_in_schema(Kind::Entity, value, schema)
    }

    /// A model's `version "V1" { ... }` blocks, into `props[attr::VERSIONS]`.
    fn versions(&mut self, props: &mut BTreeMap<String, Value>) {
        let decl = self.input.decl;
        let file = decl.file;
        let mut versions: BTreeMap<String, Value> = BTreeMap::new();
        let mut aliases: BTreeMap<String, String> = BTreeMap::new();
        let mut labels_ok = true;
        let blocks: Vec<_> = decl.block.body.get_blocks("version").collect();
        if blocks.is_empty() {
            self.error(
                format!("{} has no version block", self.input.address),
                Some("a model is created with its first version: add version \"V1\" { source = \"@DB.SCHEMA.STAGE/path\" }".into()),
                decl.span(),
            );
        }
        for (i, block) in blocks.into_iter().enumerate() {
            let Some(label) = block.labels.first() else {
                labels_ok = false;
                continue;
            };
            let version = match Ident::parse(label.as_str()) {
                Ok(v) => v.as_str().to_string(),
                Err(e) => {
                    self.error(
                        format!("invalid version name: {e}"),
                        None,
                        file.span_of(label),
                    );
                    labels_ok = false;
                    continue;
                }
            };
            if versions.contains_key(&version) {
                self.error(
                    format!(
                        "version {version} is declared twice in {}",
                        self.input.address
                    ),
                    None,
                    file.span_of(block),
                );
                continue;
            }
            let values = self.evaluate(&block.body, VERSION_ATTRS, Some(("version", i)));
            let mut fields = BTreeMap::new();
            for attr in VERSION_ATTRS {
                let Some((v, span)) = values.get(attr.name) else {
                    continue;
                };
                match values::decode(&attr.ty, v) {
                    Ok(value) => {
                        if attr.name == attr::SOURCE {
                            self.stage_of(value.as_str().unwrap_or_default());
                        }
                        if attr.name == attr::ALIAS {
                            let alias = value.as_str().unwrap_or_default().to_string();
                            if RESERVED_ALIASES.contains(&alias.as_str()) {
                                self.error(
                                    format!("the alias {alias} is reserved"),
                                    Some("DEFAULT, FIRST and LAST are kept by the Model Registry; choose another alias".into()),
                                    span.clone(),
                                );
                                continue;
                            }
                            if let Some(other) = aliases.get(&alias) {
                                self.error(
                                    format!("the alias {alias} is given to two versions of {}: {other} and {version}", self.input.address),
                                    Some("an alias names one version; remove it from one of them".into()),
                                    span.clone(),
                                );
                                continue;
                            }
                            aliases.insert(alias, version.clone());
                        }
                        fields.insert(attr.name.to_string(), value);
                    }
                    Err(e) => self.invalid(attr.name, e, span.clone()),
                }
            }
            versions.insert(version, Value::Map(fields));
        }
        if let (Some(Value::Str(default)), true) = (props.get(attr::DEFAULT_VERSION), labels_ok) {
            if !versions.contains_key(default) {
                let known: Vec<&str> = versions.keys().map(String::as_str).collect();
                let at = self
                    .spans
                    .get(attr::DEFAULT_VERSION)
                    .cloned()
                    .unwrap_or_else(|| decl.span());
                self.error(
                    format!(
                        "default_version {default} is not a version of {}",
                        self.input.address
                    ),
                    Some(if known.is_empty() {
                        "declare it with a version block".to_string()
                    } else {
                        format!("its versions are {}", known.join(", "))
                    }),
                    at,
                );
                self.failed.insert(attr::DEFAULT_VERSION);
            }
        }
        props.insert(VERSIONS.to_string(), Value::Map(versions));
    }

    /// A table's `column "NAME" { ... }` blocks, into `props[attr::COLUMNS]` in declared order,
    /// each with its name, canonical type and nullability (and default and comment when set).
    fn columns(&mut self, props: &mut BTreeMap<String, Value>) {
        let decl = self.input.decl;
        let file = decl.file;
        let mut columns: Vec<Value> = Vec::new();
        let mut seen: BTreeSet<String> = BTreeSet::new();
        let blocks: Vec<_> = decl.block.body.get_blocks("column").collect();
        if blocks.is_empty() {
            self.error(
                format!("{} has no column block", self.input.address),
                Some(
                    "a table is created with its columns: add column \"ID\" { type = \"NUMBER\" }"
                        .into(),
                ),
                decl.span(),
            );
        }
        for (i, block) in blocks.into_iter().enumerate() {
            let Some(label) = block.labels.first() else {
                continue;
            };
            let name = match Ident::parse(label.as_str()) {
                Ok(v) => v.as_str().to_string(),
                Err(e) => {
                    self.error(
                        format!("invalid column name: {e}"),
                        None,
                        file.span_of(label),
                    );
                    continue;
                }
            };
            if !seen.insert(name.clone()) {
                self.error(
                    format!("column {name} is declared twice in {}", self.input.address),
                    None,
                    file.span_of(block),
                );
                continue;
            }
            let values = self.evaluate(&block.body, COLUMN_ATTRS, Some(("column", i)));
            let mut fields = BTreeMap::new();
            fields.insert(attr::NAME.to_string(), Value::Str(name));
            fields.insert(attr::NULLABLE.to_string(), Value::Bool(true));
            for attr in COLUMN_ATTRS {
                let Some((v, span)) = values.get(attr.name) else {
                    continue;
                };
                let decoded =
                    values::decode(&attr.ty, v).and_then(|value| match (attr.name, value) {
                        ("default", Value::Str(d)) => crate::model::canon::column_default(&d)
                            .map(Value::Str)
                            .map_err(values::Invalid::new),
                        (_, value) => Ok(value),
                    });
                match decoded {
                    Ok(value) => {
                        fields.insert(attr.name.to_string(), value);
                    }
                    Err(e) => self.invalid(attr.name, e, span.clone()),
                }
            }
            columns.push(Value::Map(fields));
        }
        props.insert(TABLE_COLUMNS.to_string(), Value::List(columns));
    }

    /// The stage a version's files are on, for the dependency on a managed stage.
    fn stage_of(&mut self, source: &str) {
        let stage = source
            .strip_prefix('@')
            .map(|r| crate::model::canon::split_stage_location(r).0)
            .unwrap_or_default();
        if let Ok(name) = ObjectName::parse_qualified(stage) {
            self.named.push((Kind::Stage, name));
        }
    }

    /// What a reference to this instance reads: its attributes, `name`, `fqn`, and the
    /// hidden address by which a reference is recognised.
    fn value(
        &self,
        name: Option<&Ident>,
        object_name: Option<&ObjectName>,
        container: Option<(&Attr, &ObjectName)>,
        props: &BTreeMap<String, Value>,
    ) -> Hcl {
        let s = schema(self.kind());
        // The address, the attributes, name, container and fqn: sized once, not grown.
        let mut obj = hcl::Map::with_capacity(s.user_attrs().count() + 4);
        obj.insert(
            ADDRESS_KEY.to_string(),
            Hcl::from(self.input.address.to_string()),
        );
        for attr in s.user_attrs() {
            obj.insert(
                attr.name.to_string(),
                props
                    .get(attr.name)
                    .map_or(Hcl::Null, |v| values::to_hcl(v, Some(&attr.ty))),
            );
        }
        if let Some(n) = name {
            obj.insert(attr::NAME.into(), Hcl::from(n.as_str()));
        }
        if let Some((attr, c)) = container {
            obj.insert(attr.name.to_string(), Hcl::from(c.to_string()));
        }
        obj.insert(
            "fqn".into(),
            object_name.map_or(Hcl::Null, |n| Hcl::from(n.to_sql())),
        );
        Hcl::Object(obj)
    }
}
