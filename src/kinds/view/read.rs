//! How views are read: the SHOW families and the row decoder, in the canonical forms of
//! `model::canon`, so that what Snowflake prints and what the configuration says compare equal.

use crate::kinds::read::{live_object, schema_name, set_opt, Family, KindRead};
use crate::kinds::rows::ShowRows;
use crate::model::attr;
use crate::model::{Kind, Object};
use crate::sql::body_after_top_level_as;

pub(crate) const VIEWS: Family = Family {
    name: "views",
    show: "SHOW VIEWS",
    pages: true,
    recording: "show_views",
};

#[linkme::distributed_slice(crate::kinds::read::READERS)]
static READ: KindRead = KindRead {
    kind: Kind::View,
    families: &[VIEWS],
    decode: |fetch| views(fetch.rows(VIEWS)),
    details: None,
};

/// Views from SHOW VIEWS, their query the text after the CREATE statement's top-level AS.
/// Views named `NAME$VERSION` are feature views, read by `feature_views`.
pub fn views(rows: &ShowRows) -> Vec<Object> {
    rows.iter()
        .filter_map(|r| {
            let name = schema_name(rows, r)?;
            if name.name.as_str().contains('$') {
                return None;
            }
            let mut o = live_object(Kind::View, name);
            let text = rows.raw(r, "text").unwrap_or_default();
            set_opt(&mut o, attr::QUERY, body_after_top_level_as(text));
            o.set(attr::SECURE, rows.flag(r, "is_secure").unwrap_or(false));
            set_opt(&mut o, attr::COMMENT, rows.text(r, "comment"));
            set_opt(&mut o, attr::OWNER, rows.get(r, "owner"));
            Some(o)
        })
        .collect()
}
