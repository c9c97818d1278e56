pub(crate) mod ddl;
pub(crate) mod read;
use crate::model::attr;
use crate::model::schema::{Attr, AttrType::*, DefaultValue as D, Identity, KindSchema, Role};
use crate::model::{Kind, Scope};

#[linkme::distributed_slice(crate::model::schema::SCHEMAS)]
pub static SCHEMA: KindSchema = KindSchema {
    kind: Kind::Schema,
    keyword: "schema",
    noun: "schema",
    identity: Identity::Named(Scope::Database),
    can_rename: true,
    generate_rank: 2,
    example_label: "feature_store",
    doc: "A schema in a database.",
    blocks: &[],
    attrs: &[
        Attr::container(attr::DATABASE, Kind::Database, "The database: a database block reference or a database name."),
        Attr::name_attr("The schema name."),
        Attr::prop(attr::TRANSIENT, Bool, None, "A transient schema has no Fail-safe.")
            .default(D::Bool(false))
            .replace("TRANSIENT cannot be changed with ALTER SCHEMA; replacing the schema drops every object in it"),
        Attr::prop(attr::MANAGED_ACCESS, Bool, None, "Only the schema owner grants privileges on its objects.").default(D::Bool(false)),
        Attr::prop(attr::DATA_RETENTION_TIME_IN_DAYS, Int { min: 0, max: 90 }, Some("DATA_RETENTION_TIME_IN_DAYS"), "Time Travel retention; inherited from the database when unset.")
            .computed(),
        Attr::prop(attr::MAX_DATA_EXTENSION_TIME_IN_DAYS, Int { min: 0, max: 90 }, Some("MAX_DATA_EXTENSION_TIME_IN_DAYS"), "How long retention may be extended to keep streams fresh.")
            .computed()
            .from_state(),
        Attr::prop(attr::DEFAULT_DDL_COLLATION, String, Some("DEFAULT_DDL_COLLATION"), "Default collation of new columns.").computed().from_state(),
        Attr::prop(attr::COMMENT, String, Some("COMMENT"), "A comment."),
        Attr::prop(attr::FEATURE_STORE, Bool, None, "Holds Feature Store objects: the library's own tags and table exist in it.")
            .role(Role::Derived)
            .computed(),
        Attr::owner(),
    ],
};
