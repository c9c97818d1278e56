//! How roles are read: the SHOW families and the row decoder, in the canonical forms of
//! `model::canon`, so that what Snowflake prints and what the configuration says compare equal.

use crate::kinds::read::{id, live_object, set_opt, Family, KindRead};
use crate::kinds::rows::ShowRows;
use crate::model::attr;
use crate::model::{Kind, Object, ObjectName};

pub(crate) const ROLES: Family = Family {
    name: "roles",
    show: "SHOW ROLES",
    pages: true,
    recording: "show_roles",
};

#[linkme::distributed_slice(crate::kinds::read::READERS)]
static READ: KindRead = KindRead {
    kind: Kind::Role,
    families: &[ROLES],
    // Roles are account-wide: only those the configuration or the state names are kept,
    // so the account's own roles never enter a plan.
    decode: |fetch| {
        let named = fetch.named(Kind::Role);
        roles(fetch.rows(ROLES))
            .into_iter()
            .filter(|r| named.contains(&r.name))
            .collect()
    },
    details: None,
};

/// SHOW ROLES: name and comment (documented columns: created_on, name, is_default,
/// is_current, is_inherited, assigned_to_users, granted_to_roles, granted_roles, owner,
/// comment).
pub fn roles(rows: &ShowRows) -> Vec<Object> {
    rows.iter()
        .filter_map(|r| {
            let mut o = live_object(Kind::Role, ObjectName::account(id(rows.raw(r, "name")?)));
            set_opt(&mut o, attr::COMMENT, rows.text(r, "comment"));
            set_opt(&mut o, attr::OWNER, rows.get(r, "owner"));
            Some(o)
        })
        .collect()
}
