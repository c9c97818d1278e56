//! The context functions infrastructure-as-code tools ask first (SnowDDL's and Titan's
//! opening queries): the account's name and region, the session, the role hierarchy of
//! the session, and the account's edition. Each answer comes from the account and the
//! session; what the sandbox does not have (a session on the SQL API, bootstrap data other
//! than the account's) is refused.

use super::super::catalog::SYSTEM_ROLES;
use super::super::parse::ast::{Expr, Literal};
use super::grant::{closure, may_use_role};
use super::select::SANDBOX_VERSION;
use super::Exec;
use crate::sandbox::SqlError;

/// What CURRENT_REGION() reports. The sandbox runs in no region; the value has the
/// documented `<CLOUD>_<REGION>` shape (CURRENT_REGION reference: `AWS_US_WEST_2`), which
/// clients parse into cloud and region.
pub(crate) const SANDBOX_REGION: &str = "AWS_US_WEST_2";

/// The edition SYSTEM$BOOTSTRAP_DATA_REQUEST('ACCOUNT') names: the sandbox emulates the
/// Enterprise features it has (tags, up to 90 days of retention).
pub(crate) const SANDBOX_EDITION: &str = "ENTERPRISE";

/// The functions `call` answers (or refuses, for arguments it does not take).
const FUNCTIONS: &[&str] = &[
    "CURRENT_ACCOUNT_NAME",
    "CURRENT_REGION",
    "CURRENT_SESSION",
    "CURRENT_AVAILABLE_ROLES",
    "CURRENT_SECONDARY_ROLES",
    "CURRENT_SCHEMAS",
    "IS_ROLE_IN_SESSION",
    "SYSTEM$SHOW_ACTIVE_BEHAVIOR_CHANGE_BUNDLES",
    "SYSTEM$BOOTSTRAP_DATA_REQUEST",
];

/// Whether `name` is one of the context functions of this module.
pub(crate) fn answers(name: &str) -> bool {
    FUNCTIONS.contains(&name)
}

/// One context function's value and its `rowType` type.
pub(crate) fn call(
    exec: &Exec,
    name: &str,
    args: &[Expr],
) -> Result<(Option<String>, &'static str), SqlError> {
    let text = |v: String| Ok((Some(v), "text"));
    match (name, args) {
        ("CURRENT_ACCOUNT_NAME", []) => text(exec.account.to_ascii_uppercase()),
        ("CURRENT_REGION", []) => text(SANDBOX_REGION.to_string()),
        ("CURRENT_SESSION", []) => match exec.session.session_id {
            Some(id) => text(id.to_string()),
            None => Err(exec.unsupported("CURRENT_SESSION() outside a connector session")),
        },
        ("CURRENT_AVAILABLE_ROLES", []) => text(json_list(&available_roles(exec), ",")),
        // `roles` comma-joined, as the reference's example prints them.
        ("CURRENT_SECONDARY_ROLES", []) => text(secondary_roles(exec)),
        ("CURRENT_SCHEMAS", []) => text(json_list(&search_path(exec), ", ")),
        ("IS_ROLE_IN_SESSION", [Expr::Literal(Literal::String(role))]) => {
            let has = closure(exec.catalog, &exec.owner())
                .iter()
                .any(|g| g.kind == "ROLE" && g.name[0] == *role)
                || (exec.session.secondary_roles_all
                    && may_use_role(exec.catalog, &exec.session.user, role));
            Ok((Some(has.to_string()), "boolean"))
        }
        ("IS_ROLE_IN_SESSION", _) => {
            Err(exec.unsupported("IS_ROLE_IN_SESSION of a column or expression"))
        }
        // No behavior change bundle is emulated: the documented array is empty.
        ("SYSTEM$SHOW_ACTIVE_BEHAVIOR_CHANGE_BUNDLES", []) => text("[]".to_string()),
        ("SYSTEM$BOOTSTRAP_DATA_REQUEST", [Expr::Literal(Literal::String(section))])
            if section.eq_ignore_ascii_case("ACCOUNT") =>
        {
            text(bootstrap_account())
        }
        ("SYSTEM$BOOTSTRAP_DATA_REQUEST", [Expr::Literal(Literal::String(section))]) => {
            Err(exec.unsupported(&format!("SYSTEM$BOOTSTRAP_DATA_REQUEST('{section}')")))
        }
        ("SYSTEM$BOOTSTRAP_DATA_REQUEST", _) => {
            Err(exec.unsupported("SYSTEM$BOOTSTRAP_DATA_REQUEST without a section"))
        }
        // Arguments the functions do not take: refused as any unknown call is.
        _ => Err(exec.unsupported(&format!("function {name}"))),
    }
}

/// Undocumented; answered with the two keys the tools that send it read (SnowDDL
/// `snowddl/context.py`: `serverVersion`, `accountInfo.serviceLevelName`; Titan
/// `titan/data_provider.py` `fetch_session`: `accountInfo.serviceLevelName`).
fn bootstrap_account() -> String {
    serde_json::json!({
        "accountInfo": { "serviceLevelName": SANDBOX_EDITION },
        "serverVersion": SANDBOX_VERSION,
    })
    .to_string()
}

/// The account roles the session's user may use: every role the user holds directly or
/// through the hierarchy (every sandbox user holds ACCOUNTADMIN), in name order.
fn available_roles(exec: &Exec) -> Vec<String> {
    let mut roles: Vec<String> = SYSTEM_ROLES
        .iter()
        .map(|r| r.to_string())
        .chain(exec.catalog.roles.keys().cloned())
        .filter(|r| may_use_role(exec.catalog, &exec.session.user, r))
        .collect();
    roles.sort();
    roles.dedup();
    roles
}

/// CURRENT_SECONDARY_ROLES: none unless `USE SECONDARY ROLES ALL` is in force; then every
/// role granted to the user directly (ACCOUNTADMIN, which every sandbox user holds, and the
/// roles granted to the user), in name order.
fn secondary_roles(exec: &Exec) -> String {
    if !exec.session.secondary_roles_all {
        return r#"{"roles":"","value":""}"#.to_string();
    }
    let mut direct: Vec<String> = vec!["ACCOUNTADMIN".to_string()];
    direct.extend(
        exec.catalog
            .grants
            .roles
            .iter()
            .filter(|g| {
                g.to.kind == "USER"
                    && g.to.name[0].eq_ignore_ascii_case(&exec.session.user)
                    && g.role.kind == "ROLE"
            })
            .map(|g| g.role.name[0].clone()),
    );
    direct.sort();
    direct.dedup();
    serde_json::json!({ "roles": direct.join(","), "value": "ALL" }).to_string()
}

/// The default search path `$current, $public` (name resolution reference): the current
/// schema, then PUBLIC of the current database, each once and only when the account has it.
fn search_path(exec: &Exec) -> Vec<String> {
    let Some(db) = exec.session_database() else {
        return vec![];
    };
    let mut out = Vec::new();
    if let Some(s) = exec.session_schema() {
        out.push(format!("{db}.{s}"));
    }
    let has_public = exec
        .catalog
        .databases
        .get(db)
        .is_some_and(|d| d.schemas.contains_key("PUBLIC"));
    let public = format!("{db}.PUBLIC");
    if has_public && !out.contains(&public) {
        out.push(public);
    }
    out
}

/// A JSON array of names on one line, items joined by `sep`: CURRENT_SCHEMAS's reference
/// example prints `", "`; CURRENT_AVAILABLE_ROLES's example is padded for display, so its
/// compact form is assumed.
fn json_list(names: &[String], sep: &str) -> String {
    let items: Vec<String> = names
        .iter()
        .map(|n| serde_json::to_string(n).expect("strings serialise"))
        .collect();
    format!("[{}]", items.join(sep))
}
