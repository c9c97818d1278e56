//! Grants: GRANT <privileges> ON <target> TO <grantee>, and REVOKE ... FROM. A grant keeps
//! its identity (target and grantee); a change of its privileges grants the added ones and
//! revokes the removed ones, never re-creating anything.

use crate::kinds::grant::target_text;
use crate::kinds::statements::{KindDdl, Replacement, Stmt, CREATE, DROP};
use crate::model::attr;
use crate::model::AttrChange;
use crate::model::Object;

/// The privileges of a grant, as the statements write them: only privileges of Snowflake's
/// lists (`kinds::grant::SECURABLES`), which the configuration checks and the live
/// read keeps to, so no text of a state file can reach a statement as a keyword.
fn privileges(object: &Object) -> Vec<String> {
    object
        .get(attr::PRIVILEGES)
        .map(|v| v.str_list())
        .unwrap_or_default()
        .into_iter()
        .filter(|p| is_keyword(p))
        .map(str::to_string)
        .collect()
}

fn is_keyword(privilege: &str) -> bool {
    crate::kinds::grant::SECURABLES
        .iter()
        .any(|s| s.privileges.contains(&privilege))
}

fn target(object: &Object) -> String {
    let get = |k: &str| object.get_str(k);
    target_text(get("on"), get("on_all"), get("on_future"), get("in")).unwrap_or_default()
}

fn grantee(object: &Object) -> &str {
    object.get_str(attr::TO).unwrap_or_default()
}

fn grant_sql(object: &Object, privileges: &[String]) -> String {
    format!(
        "GRANT {} ON {} TO {}",
        privileges.join(", "),
        target(object),
        grantee(object)
    )
}

fn revoke_sql(object: &Object, privileges: &[String]) -> String {
    format!(
        "REVOKE {} ON {} FROM {}",
        privileges.join(", "),
        target(object),
        grantee(object)
    )
}

fn create(object: &Object) -> Vec<Stmt> {
    vec![Stmt::new(grant_sql(object, &privileges(object)), &[CREATE])]
}

fn drop(object: &Object) -> Vec<Stmt> {
    vec![Stmt::new(revoke_sql(object, &privileges(object)), &[DROP])]
}

/// The added privileges granted first, then the removed ones revoked: until the revoke
/// succeeds the grant holds both (recorded so, for a stop between the two).
fn update(old_grant: &Object, new_grant: &Object, attrs: &[AttrChange]) -> Vec<Stmt> {
    if !attrs.iter().any(|c| c.name == attr::PRIVILEGES) {
        return Vec::new();
    }
    let (before, after) = (privileges(old_grant), privileges(new_grant));
    let added: Vec<String> = after
        .iter()
        .filter(|p| !before.contains(p))
        .cloned()
        .collect();
    let removed: Vec<String> = before
        .iter()
        .filter(|p| !after.contains(p))
        .cloned()
        .collect();
    let mut out = Vec::new();
    if !added.is_empty() {
        let stmt = Stmt::new(grant_sql(new_grant, &added), &[]);
        out.push(if removed.is_empty() {
            Stmt::new(grant_sql(new_grant, &added), &[attr::PRIVILEGES])
        } else {
            let mut held: Vec<crate::model::Value> = before
                .iter()
                .chain(&added)
                .map(|p| crate::model::Value::str(p.clone()))
                .collect();
            held.sort_by(|x, y| x.as_str().cmp(&y.as_str()));
            stmt.leaving(attr::PRIVILEGES, crate::model::Value::List(held))
        });
    }
    if !removed.is_empty() {
        out.push(Stmt::new(
            revoke_sql(new_grant, &removed),
            &[attr::PRIVILEGES],
        ));
    }
    out
}

/// The registry's ddl entry of a grant. Its identity is its target and grantee, so a
/// replacement (another target or grantee) grants the new one and revokes the old one
/// last; `keyword` names it in messages only (grants have no ALTER or DROP).
#[linkme::distributed_slice(crate::kinds::statements::KINDS)]
pub(super) static DDL: KindDdl = KindDdl {
    kind: crate::model::Kind::Grant,
    keyword: "GRANT",
    keyword_of: None,
    // A grant is not created: granting takes MANAGE GRANTS (`privileges::needed`).
    create_privilege: |_| None,
    create,
    replace: Replacement::Alter,
    update,
    drop,
};

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kinds::grant::grant_name;
    use crate::model::{Address, Kind, Value};

    fn grant(privs: &[&str]) -> Object {
        let mut o = Object::new(
            Address::new(Kind::Grant, "g"),
            grant_name("FUTURE VIEWS IN SCHEMA DB.S", "ROLE R"),
        );
        o.set(attr::ON_FUTURE, "VIEWS");
        o.set(attr::IN, "SCHEMA DB.S");
        o.set(attr::TO, "ROLE R");
        o.set(
            attr::PRIVILEGES,
            Value::List(privs.iter().map(|p| Value::str(*p)).collect()),
        );
        o
    }

    #[test]
    fn a_change_of_privileges_grants_the_added_and_revokes_the_removed() {
        let attrs = [AttrChange {
            name: "privileges".into(),
            before: None,
            after: None,
        }];
        let stmts = update(&grant(&["REFERENCES"]), &grant(&["SELECT"]), &attrs);
        let sql: Vec<_> = stmts.iter().map(|s| s.sql.clone().unwrap()).collect();
        assert_eq!(
            sql,
            [
                "GRANT SELECT ON FUTURE VIEWS IN SCHEMA DB.S TO ROLE R",
                "REVOKE REFERENCES ON FUTURE VIEWS IN SCHEMA DB.S FROM ROLE R"
            ]
        );
        assert_eq!(stmts[1].attrs().collect::<Vec<_>>(), [attr::PRIVILEGES]);
        assert_eq!(
            create(&grant(&["REFERENCES", "SELECT"]))[0].sql.as_deref(),
            Some("GRANT REFERENCES, SELECT ON FUTURE VIEWS IN SCHEMA DB.S TO ROLE R")
        );
    }

    #[test]
    fn a_privilege_that_is_not_a_keyword_never_reaches_a_statement() {
        let stmts = drop(&grant(&["SELECT", "SELECT ON X TO ROLE Y", "USAGE"]));
        assert_eq!(
            stmts[0].sql.as_deref(),
            Some("REVOKE SELECT, USAGE ON FUTURE VIEWS IN SCHEMA DB.S FROM ROLE R")
        );
    }
}
