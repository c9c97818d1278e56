pub(crate) mod ddl;
pub(crate) mod read;
use crate::model::attr;
use crate::model::schema::{Attr, AttrType::*, DefaultValue as D, Identity, KindSchema};
use crate::model::{Kind, Scope};

#[linkme::distributed_slice(crate::model::schema::SCHEMAS)]
pub static SCHEMA: KindSchema = KindSchema {
    kind: Kind::Database,
    keyword: "database",
    noun: "database",
    identity: Identity::Named(Scope::Account),
    can_rename: true,
    generate_rank: 1,
    example_label: "main",
    doc: "A database.",
    blocks: &[],
    attrs: &[
        Attr::name_attr("The database name."),
        Attr::prop(attr::TRANSIENT, Bool, None, "A transient database has no Fail-safe.")
            .default(D::Bool(false))
            .replace("TRANSIENT cannot be changed with ALTER DATABASE; replacing the database drops every schema and object in it"),
        Attr::prop(attr::DATA_RETENTION_TIME_IN_DAYS, Int { min: 0, max: 90 }, Some("DATA_RETENTION_TIME_IN_DAYS"), "Time Travel retention; inherited from the account when unset.")
            .computed(),
        Attr::prop(attr::MAX_DATA_EXTENSION_TIME_IN_DAYS, Int { min: 0, max: 90 }, Some("MAX_DATA_EXTENSION_TIME_IN_DAYS"), "How long retention may be extended to keep streams fresh.")
            .computed()
            .from_state(),
        Attr::prop(attr::DEFAULT_DDL_COLLATION, String, Some("DEFAULT_DDL_COLLATION"), "Default collation of new columns.").computed().from_state(),
        Attr::prop(attr::COMMENT, String, Some("COMMENT"), "A comment."),
        Attr::owner(),
    ],
};
