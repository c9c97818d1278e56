//! What each kind's attributes are: type, default, whether Snowflake can ALTER them, and
//! where their live value comes from. One table per kind (`kinds/`) drives validation,
//! defaults, diff, DDL and state, so adding an attribute is one line in one table.

use super::kind::ByKind;
use super::{Kind, Scope, Value};
use crate::model::attr;
use std::sync::OnceLock;

/// An allowed value of an enumerated attribute and the spellings that mean it.
#[derive(Debug)]
pub struct EnumValue {
    pub canonical: &'static str,
    pub aliases: &'static [&'static str],
}

#[derive(Debug)]
pub(crate) enum AttrType {
    Bool,
    Int {
        min: i64,
        max: i64,
    },
    /// Free text, such as a comment.
    String,
    /// Text Snowflake compares without case and keeps in upper case (a user's login name):
    /// kept in upper case, as SHOW prints it.
    Upper,
    Enum(&'static [EnumValue]),
    /// The name of an account-level object (a resource monitor, an integration).
    Ident,
    /// A reference to a block of this kind, or its name as a string.
    Ref(Kind),
    /// A list of references to blocks of this kind.
    RefList(Kind),
    /// A list of identifiers (column names).
    IdentList,
    /// A SQL text; compared normalised.
    Sql,
    /// A dynamic table target lag: `5 minutes`, `1 day`, `DOWNSTREAM`. No attribute has
    /// this type now; the decoding is kept under test for the lag a target may take.
    #[cfg(test)]
    Lag,
    /// A task schedule: `5 MINUTES` or `USING CRON 0 6 * * * UTC`.
    Schedule,
    /// A feature view refresh: a lag (`1 day`) or a cron expression (`0 6 * * * UTC`).
    RefreshFreq,
    /// An object, stored as canonical JSON text.
    Json,
    /// A feature view version: `^[a-zA-Z0-9][a-zA-Z0-9_.\-]*$`, at most 128 characters.
    Version,
    /// A stage location: `@DB.SCHEMA.STAGE/path`.
    StagePath,
    /// A map of names to strings (derived values only).
    Map,
    /// A column data type, kept in Snowflake's canonical form (`canon::column_type`).
    ColumnType,
    /// A table's columns (from its column blocks): compared by name, whatever their order.
    Columns,
    /// A grant's privileges: a set of privilege names, checked against the object kind.
    Privileges,
    /// What a grant is on, in, or to: a block reference, or the object's kind and name.
    Securable,
    /// A list of strings kept in order (a procedure's packages and imports).
    StringList,
    /// A procedure's arguments: a list of `{ name, type }` maps in order, the type in
    /// Snowflake's canonical argument form (`canon::argument_type`).
    Arguments,
}

impl AttrType {
    /// How the type reads in messages ("a number between 0 and 604800").
    pub fn describe(&self) -> String {
        match self {
            AttrType::Bool => "true or false".into(),
            AttrType::Int { min, max } => format!("a whole number from {min} to {max}"),
            AttrType::String => "a string".into(),
            AttrType::Upper => "a string (kept in upper case)".into(),
            AttrType::Enum(values) => {
                format!(
                    "one of {}",
                    values
                        .iter()
                        .map(|v| v.canonical)
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            }
            AttrType::Ident => "a Snowflake name".into(),
            AttrType::Ref(k) => format!(
                "a reference to a {} block or a {} name",
                k.as_str(),
                k.noun()
            ),
            AttrType::RefList(k) => format!("a list of references to {} blocks", k.as_str()),
            AttrType::IdentList => "a list of column names".into(),
            AttrType::Sql => "a SQL text".into(),
            #[cfg(test)]
            AttrType::Lag => "a lag such as \"5 minutes\", \"1 day\" or \"DOWNSTREAM\"".into(),
            AttrType::Schedule => {
                "a schedule such as \"5 MINUTES\" or \"USING CRON 0 6 * * * UTC\"".into()
            }
            AttrType::RefreshFreq => {
                "a lag such as \"1 day\" or a cron expression such as \"0 6 * * * UTC\"".into()
            }
            AttrType::Json => "an object".into(),
            AttrType::Version => "a version such as \"V1\" (letters, digits, `_`, `.`, `-`)".into(),
            AttrType::StagePath => "a stage location such as \"@DB.SCHEMA.STAGE/path\"".into(),
            AttrType::Map => "a map".into(),
            AttrType::ColumnType => "a column type such as \"NUMBER(38,0)\" or \"VARCHAR\"".into(),
            AttrType::Columns => "column blocks".into(),
            AttrType::Privileges => {
                "a list of privileges such as [\"USAGE\", \"CREATE VIEW\"]".into()
            }
            AttrType::Securable => "a block reference or { kind = \"...\", name = \"...\" }".into(),
            AttrType::StringList => "a list of strings".into(),
            AttrType::Arguments => "a list of { name = \"...\", type = \"...\" }".into(),
        }
    }
}

/// What a change of the attribute takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Update {
    /// ALTER ... SET / UNSET (or the kind's own ALTER clause).
    Alter,
    /// Snowflake cannot ALTER it: the object is replaced. The text says why and what is lost.
    Replace(&'static str),
    /// Applies only when the object is created; later changes are recorded, never sent.
    CreateOnly,
}

/// Where the live value of an attribute comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// A column of the kind's SHOW output.
    Show,
    /// SHOW does not return it: the recorded state is the only picture.
    State,
    /// SHOW does not return it; the kind's DESCRIBE of the object does, when the role may run
    /// it (`kinds::read::Details`). Otherwise the recorded state stands, as for `State`.
    Describe,
}

/// The role an attribute plays in a block.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// A property of the object.
    Property,
    /// The object's own name (`name`).
    Name,
    /// The container the object lives in (`database` of a schema, `schema` of a stage).
    Container,
    /// Part of the object's name (a feature view's `version`), also kept as a property.
    NamePart,
    /// Derived by snowform from other blocks; not written in HCL.
    Derived,
}

#[derive(Debug, Clone, Copy)]
pub enum DefaultValue {
    Bool(bool),
    Int(i64),
    Str(&'static str),
}

impl DefaultValue {
    pub fn value(self) -> Value {
        match self {
            DefaultValue::Bool(b) => Value::Bool(b),
            DefaultValue::Int(i) => Value::Int(i),
            DefaultValue::Str(s) => Value::Str(s.to_string()),
        }
    }
}

#[derive(Debug)]
pub struct Attr {
    pub name: &'static str,
    pub(crate) ty: AttrType,
    pub role: Role,
    pub required: bool,
    /// Snowflake's value when the attribute is not set.
    pub default: Option<DefaultValue>,
    /// When not set, Snowflake (or an inherited parameter) chooses the value: it is not compared.
    pub computed: bool,
    pub update: Update,
    pub source: Source,
    /// The property keyword in CREATE and ALTER ... SET, when it is a plain `KEY = value`.
    pub sql: Option<&'static str>,
    /// The value is written as a string literal (`KEY = 'XSMALL'`), as the reference
    /// writes it, rather than as a keyword.
    pub quoted: bool,
    pub doc: &'static str,
}

impl Attr {
    /// An optional, alterable property read from SHOW, with no default.
    pub(crate) const fn prop(
        name: &'static str,
        ty: AttrType,
        sql: Option<&'static str>,
        doc: &'static str,
    ) -> Attr {
        Attr {
            name,
            ty,
            role: Role::Property,
            required: false,
            default: None,
            computed: false,
            update: Update::Alter,
            source: Source::Show,
            sql,
            quoted: false,
            doc,
        }
    }

    pub(crate) const fn name_attr(doc: &'static str) -> Attr {
        Attr {
            role: Role::Name,
            required: true,
            ..Attr::prop(attr::NAME, AttrType::Ident, None, doc)
        }
    }

    /// `owner`: the role that owns the object. Unset, it is not managed and never compared
    /// (`computed`); set, a change moves ownership with GRANT OWNERSHIP ... COPY CURRENT
    /// GRANTS (no SQL keyword: it is no `KEY = value` property).
    pub const fn owner() -> Attr {
        Attr {
            computed: true,
            ..Attr::prop(
                attr::OWNER,
                AttrType::Ref(Kind::Role),
                None,
                "The role that owns it: a role block reference or role name. Ownership moves to it (GRANT OWNERSHIP ... COPY CURRENT GRANTS) after every other statement of the plan; not set, the owner is not managed.",
            )
        }
    }

    pub(crate) const fn container(name: &'static str, kind: Kind, doc: &'static str) -> Attr {
        Attr {
            role: Role::Container,
            required: true,
            ..Attr::prop(name, AttrType::Ref(kind), None, doc)
        }
    }

    pub const fn required(self) -> Attr {
        Attr {
            required: true,
            ..self
        }
    }

    pub const fn default(self, value: DefaultValue) -> Attr {
        Attr {
            default: Some(value),
            ..self
        }
    }

    pub const fn computed(self) -> Attr {
        Attr {
            computed: true,
            ..self
        }
    }

    pub const fn replace(self, why: &'static str) -> Attr {
        Attr {
            update: Update::Replace(why),
            ..self
        }
    }

    pub(crate) const fn create_only(self) -> Attr {
        Attr {
            update: Update::CreateOnly,
            ..self
        }
    }

    pub const fn from_state(self) -> Attr {
        Attr {
            source: Source::State,
            ..self
        }
    }

    pub const fn from_describe(self) -> Attr {
        Attr {
            source: Source::Describe,
            ..self
        }
    }

    pub const fn quoted(self) -> Attr {
        Attr {
            quoted: true,
            ..self
        }
    }

    pub const fn role(self, role: Role) -> Attr {
        Attr { role, ..self }
    }

    /// Properties (not the name or container) that users may write.
    pub(crate) fn is_user_property(&self) -> bool {
        matches!(self.role, Role::Property | Role::NamePart)
    }
}

/// A nested block, such as a model's `version "V1" { ... }`.
#[derive(Debug)]
pub struct BlockSchema {
    pub name: &'static str,
    /// The label's meaning, e.g. "version name".
    pub label: &'static str,
    pub attrs: &'static [Attr],
    pub doc: &'static str,
}

/// How an object is told apart from the others of its kind: what its address maps to in
/// the account, and what the live read looks it up by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Identity {
    /// A name of its own, inside the containers its scope gives it (`NAME`, `DB.NAME`,
    /// `DB.SCHEMA.NAME`). A kind keyed by a tuple of attributes instead (a grant: privilege,
    /// object, grantee) gets a variant of its own that names those attributes.
    Named(Scope),
    /// No name of its own: known by what it grants and to whom (a grant: `on` or `on_all` /
    /// `on_future` with `in`, and `to`; a role grant: `role`, and `to` or `user`), written
    /// into an account-level name of the form `SCHEMA DB.S TO ROLE R` or `ROLE A TO ROLE B`
    /// (`kinds::grant::grant_name`, `kinds::role_grant::role_grant_name`).
    Grant,
}

impl Identity {
    /// The containers an object of this identity lives in.
    pub fn scope(self) -> Scope {
        match self {
            Identity::Named(scope) => scope,
            Identity::Grant => Scope::Account,
        }
    }
}

/// The model's entry of a kind in the registry: everything about the kind that is data
/// (its block keyword, identity and attribute table), registered in `SCHEMAS` by the kind's
/// module (`kinds::<kind>`), which registers its statements and its reader beside it.
#[derive(Debug)]
pub struct KindSchema {
    pub kind: Kind,
    /// The block type in HCL, the first part of an address and the `kind` in JSON.
    pub(crate) keyword: &'static str,
    /// The words a person reads in messages ("feature view").
    pub(crate) noun: &'static str,
    pub identity: Identity,
    /// Whether Snowflake can rename (and move) an object of the kind with ALTER ... RENAME TO.
    pub(crate) can_rename: bool,
    /// Where its blocks go in a file `generate` writes: containers before what they hold,
    /// so that references point up (equal ranks are ordered by name).
    pub(crate) generate_rank: u8,
    /// The label of the block in the examples of messages (`warehouse.compute`).
    pub(crate) example_label: &'static str,
    pub attrs: &'static [Attr],
    pub blocks: &'static [BlockSchema],
    pub doc: &'static str,
}

impl KindSchema {
    pub fn attr(&self, name: &str) -> Option<&'static Attr> {
        self.attrs.iter().find(|a| a.name == name)
    }

    pub fn block(&self, name: &str) -> Option<&'static BlockSchema> {
        self.blocks.iter().find(|b| b.name == name)
    }

    /// Attributes a user may write in HCL, in table order.
    pub(crate) fn user_attrs(&self) -> impl Iterator<Item = &'static Attr> {
        self.attrs.iter().filter(|a| a.role != Role::Derived)
    }

    /// The properties kept in an object's `props` (everything but name and container).
    pub fn properties(&self) -> impl Iterator<Item = &'static Attr> {
        self.attrs
            .iter()
            .filter(|a| matches!(a.role, Role::Property | Role::NamePart | Role::Derived))
    }
}

impl BlockSchema {
    pub fn attr(&self, name: &str) -> Option<&'static Attr> {
        self.attrs.iter().find(|a| a.name == name)
    }
}

/// The model layer's registry: the attribute table of every kind, each registered by the
/// kind's own module (`#[distributed_slice(SCHEMAS)]`), so that this layer names none of them.
#[linkme::distributed_slice]
pub static SCHEMAS: [KindSchema];

/// The attribute table of a kind.
pub fn schema(kind: Kind) -> &'static KindSchema {
    static BY_KIND: OnceLock<ByKind<KindSchema>> = OnceLock::new();
    BY_KIND
        .get_or_init(|| ByKind::index(&SCHEMAS, |s| s.kind, "attribute table (model)"))
        .get(kind)
}

/// Names a user may write inside any resource block besides the kind's attributes.
pub(crate) const META_ARGUMENTS: &[&str] = &["for_each", "count", "depends_on"];
pub(crate) const META_BLOCKS: &[&str] = &["lifecycle"];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_has_a_name_and_unique_attribute_names() {
        for kind in Kind::ALL {
            let s = schema(kind);
            assert_eq!(s.kind, kind);
            assert_eq!(Kind::parse(s.keyword), Some(kind), "{kind}: keyword");
            assert_eq!(
                s.attrs.iter().any(|a| a.role == Role::Name),
                matches!(s.identity, Identity::Named(_)),
                "{kind}: a named kind has a name, a grant none"
            );
            let mut names: Vec<_> = s.attrs.iter().map(|a| a.name).collect();
            names.sort();
            let len = names.len();
            names.dedup();
            assert_eq!(len, names.len(), "{kind} repeats an attribute");
            for a in s.attrs {
                assert!(
                    !META_ARGUMENTS.contains(&a.name),
                    "{kind}.{} shadows a meta-argument",
                    a.name
                );
                if let Some(d) = a.default {
                    assert!(
                        super::super::canon::check_default(&a.ty, &d.value()),
                        "{kind}.{} default does not fit its type",
                        a.name
                    );
                }
            }
        }
    }
}
