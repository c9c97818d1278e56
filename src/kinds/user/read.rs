//! How users are read: SHOW USERS and the row decoder, in the canonical forms of
//! `model::canon`, so that what Snowflake prints and what the configuration says compare equal.

use crate::kinds::read::{id, live_object, set_opt, Family, KindRead};
use crate::kinds::rows::ShowRows;
use crate::kinds::user::TYPES;
use crate::model::attr;
use crate::model::canon::canonical_enum;
use crate::model::{Kind, Object, ObjectName};

/// SHOW USERS, once for the account.
pub(crate) const USERS: Family = Family {
    name: "users",
    show: "SHOW USERS",
    pages: true,
    recording: "show_users",
};

#[linkme::distributed_slice(crate::kinds::read::READERS)]
static READ: KindRead = KindRead {
    kind: Kind::User,
    families: &[USERS],
    // Users are account-wide: only those the configuration or the state names are kept, so
    // the account's people and its connecting user never enter a plan.
    decode: |fetch| {
        let named = fetch.named(Kind::User);
        users(fetch.rows(USERS))
            .into_iter()
            .filter(|u| named.contains(&u.name))
            .collect()
    },
    details: None,
};

/// SHOW USERS (documented columns: name, created_on, login_name, display_name, ...,
/// comment, disabled, ..., default_warehouse, default_namespace, default_role, ..., owner,
/// ..., has_rsa_public_key, type, ...). The keys are not printed (`has_rsa_public_key`
/// only): they come from the state.
pub fn users(rows: &ShowRows) -> Vec<Object> {
    rows.iter()
        .filter_map(|r| {
            let mut o = live_object(Kind::User, ObjectName::account(id(rows.raw(r, "name")?)));
            set_opt(
                &mut o,
                attr::TYPE,
                rows.get(r, "type").and_then(|t| canonical_enum(TYPES, t)),
            );
            set_opt(
                &mut o,
                attr::LOGIN_NAME,
                rows.text(r, "login_name").map(str::to_uppercase),
            );
            set_opt(&mut o, attr::DISPLAY_NAME, rows.text(r, "display_name"));
            set_opt(&mut o, attr::COMMENT, rows.text(r, "comment"));
            set_opt(&mut o, attr::DISABLED, rows.flag(r, "disabled"));
            set_opt(
                &mut o,
                attr::DEFAULT_WAREHOUSE,
                rows.get(r, "default_warehouse"),
            );
            set_opt(
                &mut o,
                attr::DEFAULT_NAMESPACE,
                rows.get(r, "default_namespace"),
            );
            set_opt(&mut o, attr::DEFAULT_ROLE, rows.get(r, "default_role"));
            set_opt(&mut o, attr::OWNER, rows.get(r, "owner"));
            Some(o)
        })
        .collect()
}
