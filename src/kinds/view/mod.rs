//! A view (CREATE VIEW, ALTER VIEW reference pages): its query, whether it is secure, and
//! a comment. A view holds no data: a new query is CREATE OR REPLACE VIEW ... COPY GRANTS, an
//! update that keeps the grants, not a destructive replacement. Feature views that are views
//! (named `NAME$VERSION`) are the `feature_view` kind's.

pub(crate) mod ddl;
pub(crate) mod read;

use crate::model::attr;
use crate::model::schema::{Attr, AttrType::*, DefaultValue as D, Identity, KindSchema};
use crate::model::{Kind, Scope};

#[linkme::distributed_slice(crate::model::schema::SCHEMAS)]
pub static SCHEMA: KindSchema = KindSchema {
    kind: Kind::View,
    keyword: "view",
    noun: "view",
    identity: Identity::Named(Scope::Schema),
    can_rename: true,
    // After the tables it reads.
    generate_rank: 4,
    example_label: "patient_ages",
    doc: "A view. A new query is CREATE OR REPLACE VIEW ... COPY GRANTS (the grants stay); the plan shows a unified diff of the query.",
    blocks: &[],
    attrs: &[
        Attr::container(attr::SCHEMA, Kind::Schema, "The schema: a schema block reference or \"DATABASE.SCHEMA\"."),
        Attr::name_attr("The view name (without `$`, which names feature views)."),
        Attr::prop(attr::QUERY, Sql, None, "The query; tables and views it reads by reference (`${table.patients.fqn}`) are created first.").required(),
        Attr::prop(attr::SECURE, Bool, None, "A secure view (ALTER VIEW SET / UNSET SECURE).").default(D::Bool(false)),
        Attr::prop(attr::COMMENT, String, Some("COMMENT"), "A comment."),
        Attr::owner(),
    ],
};
