//! How role grants are read: the SHOW families and the row decoder, in the canonical forms of
//! `model::canon`, so that what Snowflake prints and what the configuration says compare equal.

use crate::kinds::read::{live_object, Family, KindRead};
use crate::kinds::rows::ShowRows;
use crate::model::attr;
use crate::model::ident::split_parts;
use crate::model::{Kind, Object, ObjectName};
use std::collections::BTreeMap;

/// SHOW GRANTS OF ROLE / OF DATABASE ROLE, one per granted role.
pub(crate) const ROLE_GRANTS: Family = Family {
    name: "role grants",
    show: "SHOW GRANTS OF",
    pages: false,
    recording: "show_grants_of_role",
};

#[linkme::distributed_slice(crate::kinds::read::READERS)]
static READ: KindRead = KindRead {
    kind: Kind::RoleGrant,
    families: &[ROLE_GRANTS],
    decode: |fetch| role_grants(fetch.rows(ROLE_GRANTS)),
    details: None,
};

/// SHOW GRANTS OF ROLE / OF DATABASE ROLE (documented columns: created_on, role,
/// granted_to, grantee_name, granted_by): one role grant per row whose grantee is a role,
/// a database role or a user.
pub(crate) fn role_grants(rows: &ShowRows) -> Vec<Object> {
    use crate::kinds::role_grant::role_grant_name;
    let mut out: BTreeMap<ObjectName, Object> = BTreeMap::new();
    for r in rows.iter() {
        let Some(role) = rows.raw(r, "role").and_then(|n| split_parts(n).ok()) else {
            continue;
        };
        let role_text = match role.as_slice() {
            [r] => format!("ROLE {}", r.to_sql()),
            [db, r] => format!("DATABASE ROLE {}.{}", db.to_sql(), r.to_sql()),
            _ => continue,
        };
        let Some(grantee) = rows
            .raw(r, "grantee_name")
            .and_then(|n| split_parts(n).ok())
        else {
            continue;
        };
        let to = match (
            rows.raw(r, "granted_to").unwrap_or_default(),
            grantee.as_slice(),
        ) {
            ("ROLE", [g]) => format!("ROLE {}", g.to_sql()),
            ("USER", [g]) => format!("USER {}", g.to_sql()),
            // A database role holds database roles of its own database only.
            ("DATABASE_ROLE", [g]) if role.len() == 2 => {
                format!("DATABASE ROLE {}.{}", role[0].to_sql(), g.to_sql())
            }
            ("DATABASE_ROLE", [db, g]) => format!("DATABASE ROLE {}.{}", db.to_sql(), g.to_sql()),
            _ => continue,
        };
        let name = role_grant_name(&role_text, &to);
        let mut o = live_object(Kind::RoleGrant, name.clone());
        o.set(attr::ROLE, role_text);
        o.set(attr::TO, to);
        out.insert(name, o);
    }
    out.into_values().collect()
}
