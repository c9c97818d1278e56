//! Feature views as the Feature Store library lays them out: `<NAME>$<VERSION>`, a view or
//! a dynamic table, with COMMENT, then TAG (object, metadata and entity tags), then AS the
//! query — the order the library's parser reads back. A cron refresh is a task with the
//! same name that refreshes the dynamic table (TARGET_LAG = 'DOWNSTREAM').

use crate::kinds::feature_view::{self as fv, object_tag_value, METADATA_TAG, OBJECT_TAG};
use crate::kinds::statements::{changed, KindDdl, Replacement, Stmt, CREATE, DROP};
use crate::model::attr;
use crate::model::canon::RefreshFreq;
use crate::model::{entity_tag_name, Ident, Object, ObjectName, Value};
use crate::sql::{quote_ident, quote_json_literal, quote_literal};

fn refresh(object: &Object) -> Option<RefreshFreq> {
    object
        .get_str(attr::REFRESH_FREQ)
        .and_then(|s| RefreshFreq::parse(s).ok())
}

fn is_cron(object: &Object) -> bool {
    matches!(refresh(object), Some(RefreshFreq::Cron(_)))
}

pub(super) fn object_keyword(object: &Object) -> &'static str {
    if refresh(object).is_some() {
        "DYNAMIC TABLE"
    } else {
        "VIEW"
    }
}

fn sibling(object: &Object, name: &str) -> ObjectName {
    object.name.with_name(Ident::from_canonical(name))
}

/// The SNOWML_FEATURE_VIEW_METADATA tag value of a feature view object.
pub(crate) fn metadata_tag_value(object: &Object) -> String {
    let entities = object
        .get(attr::ENTITIES)
        .map(|v| v.str_list())
        .unwrap_or_default();
    fv::metadata_tag_value(&entities, object.get_str(attr::TIMESTAMP_COL))
}

/// The object tag, one tag per entity, and the metadata tag last: the library reads the
/// query as whatever follows the first `AS ` after the metadata tag, so no entity tag name
/// (`..._ENTITY_ALIAS`) may stand between them.
fn tag_clause(object: &Object) -> String {
    let managed = if refresh(object).is_some() {
        "MANAGED_FEATURE_VIEW"
    } else {
        "EXTERNAL_FEATURE_VIEW"
    };
    let mut tags = vec![format!(
        "{} = {}",
        sibling(object, OBJECT_TAG).to_sql(),
        quote_literal(&object_tag_value(managed))
    )];
    let keys = object
        .get(attr::JOIN_KEYS)
        .and_then(Value::as_map)
        .cloned()
        .unwrap_or_default();
    for e in object
        .get(attr::ENTITIES)
        .map(|v| v.str_list())
        .unwrap_or_default()
    {
        let tag = object
            .name
            .with_name(entity_tag_name(&Ident::from_canonical(e)));
        let value = keys.get(e).and_then(Value::as_str).unwrap_or("");
        tags.push(format!("{} = {}", tag.to_sql(), quote_literal(value)));
    }
    tags.push(format!(
        "{} = {}",
        sibling(object, METADATA_TAG).to_sql(),
        quote_json_literal(&metadata_tag_value(object))
    ));
    format!("TAG ({})", tags.join(", "))
}

/// The query without trailing semicolons: one statement per request.
fn query(object: &Object) -> String {
    let mut q = object.get_str(attr::QUERY).unwrap_or("").trim().to_string();
    while q.ends_with(';') {
        q.pop();
        q = q.trim_end().to_string();
    }
    q
}

/// The CREATE of the view or dynamic table, in the layout the Feature Store library reads
/// back from the `text` column of SHOW VIEWS / SHOW DYNAMIC TABLES: `COMMENT = '...'` always
/// (empty when unset), then at once the TAG clause, then `AS <query>`.
///
/// INITIALIZE is written as the library writes it (`INITIALIZE = ON_CREATE`). The library
/// reads it back with `initialize = '<value>' ` — lower case, quoted, a space after — which
/// is not what anyone submits but what Snowflake shows: it keeps a view's text as submitted
/// but re-prints a dynamic table's options as `lag = '..' refresh_mode = '..' initialize =
/// '..' warehouse = <WH>` before `AS` (the sandbox does the same). The library only finds it
/// in a `CREATE DYNAMIC TABLE` text, not `CREATE OR REPLACE`, and reads ON_CREATE otherwise.
fn create_object(object: &Object, or_replace: bool) -> Stmt {
    let head = format!(
        "CREATE {}{} {}{}",
        if or_replace { "OR REPLACE " } else { "" },
        object_keyword(object),
        object.name.to_sql(),
        if or_replace { " COPY GRANTS" } else { "" }
    );
    let mut lines = vec![head];
    let freq = refresh(object);
    if let Some(f) = &freq {
        lines.push(format!("  TARGET_LAG = {}", quote_literal(f.target_lag())));
    }
    lines.push(format!(
        "  COMMENT = {}",
        quote_literal(object.get_str(attr::COMMENT).unwrap_or(""))
    ));
    lines.push(format!("  {}", tag_clause(object)));
    if freq.is_some() {
        if let Some(w) = object.get_str(attr::WAREHOUSE) {
            lines.push(format!("  WAREHOUSE = {}", quote_ident(w)));
        }
        lines.push(format!(
            "  REFRESH_MODE = {}",
            object.get_str(attr::REFRESH_MODE).unwrap_or("AUTO")
        ));
        lines.push(format!(
            "  INITIALIZE = {}",
            object.get_str(attr::INITIALIZE).unwrap_or("ON_CREATE")
        ));
    }
    lines.push(format!("  AS {}", query(object)));
    let stmt = Stmt::new(lines.join("\n"), &[CREATE]);
    // Until its refresh task exists, a cron feature view reads back as its table's lag.
    match &freq {
        Some(f @ RefreshFreq::Cron(_)) => stmt.leaving(attr::REFRESH_FREQ, f.target_lag()),
        _ => stmt,
    }
}

/// The refresh task's body: refresh the dynamic table, by its current name.
fn refresh_body(object: &Object) -> String {
    format!("ALTER DYNAMIC TABLE {} REFRESH", object.name.to_sql())
}

/// The same-named task that refreshes a cron feature view, tagged as the library tags it.
fn create_refresh_task(object: &Object, or_replace: bool) -> Vec<Stmt> {
    let Some(RefreshFreq::Cron(expr)) = refresh(object) else {
        return vec![];
    };
    let name = object.name.to_sql();
    let mut sql = format!(
        "CREATE {}TASK {name}",
        if or_replace { "OR REPLACE " } else { "" }
    );
    if let Some(w) = object.get_str(attr::WAREHOUSE) {
        sql.push_str(&format!(" WAREHOUSE = {}", quote_ident(w)));
    }
    sql.push_str(&format!(
        " SCHEDULE = {} AS {}",
        quote_literal(&format!("USING CRON {expr}")),
        refresh_body(object)
    ));
    vec![
        // Snowflake creates a task suspended.
        Stmt::new(sql, &[attr::REFRESH_FREQ, attr::REFRESH_TASK_TARGET])
            .leaving(attr::ENABLED, false),
        Stmt::new(
            format!(
                "ALTER TASK {name} SET TAG {} = {}",
                sibling(object, OBJECT_TAG).to_sql(),
                quote_literal(&object_tag_value("FEATURE_VIEW_REFRESH_TASK"))
            ),
            &[],
        ),
    ]
}

/// Start or stop refreshing, as the object wants (views have nothing to start).
fn run_state(object: &Object, task_only: bool) -> Vec<Stmt> {
    if refresh(object).is_none() {
        return vec![];
    }
    let enabled = object.flag(attr::ENABLED);
    let mut out = Vec::new();
    if !task_only && !enabled {
        out.push(Stmt::new(
            format!("ALTER DYNAMIC TABLE {} SUSPEND", object.name.to_sql()),
            &[attr::ENABLED],
        ));
    }
    if is_cron(object) && enabled {
        out.push(Stmt::new(
            format!("ALTER TASK {} RESUME", object.name.to_sql()),
            &[attr::ENABLED],
        ));
    }
    out
}

pub fn create(object: &Object, or_replace: bool) -> Vec<Stmt> {
    let mut out = vec![create_object(object, or_replace)];
    out.extend(create_refresh_task(object, or_replace));
    out.extend(run_state(object, false));
    out
}

/// Dropping the refresh task of `before` (a cron feature view, named `name` by then): the
/// dynamic table is left with its own lag, which is how it reads back until it changes.
fn drop_refresh_task(before: &Object, name: &str) -> Stmt {
    let stmt = Stmt::new(format!("DROP TASK {name}"), &[]);
    match refresh(before) {
        Some(f) => stmt.leaving(attr::REFRESH_FREQ, f.target_lag()),
        None => stmt,
    }
}

pub fn drop(object: &Object) -> Vec<Stmt> {
    let mut out = Vec::new();
    if is_cron(object) {
        out.push(drop_refresh_task(object, &object.name.to_sql()));
    }
    out.push(Stmt::new(
        format!("DROP {} {}", object_keyword(object), object.name.to_sql()),
        &[DROP],
    ));
    out
}

/// Replace in place: CREATE OR REPLACE when the object type stays, else drop and create.
pub fn replace(before: &Object, after: &Object) -> Vec<Stmt> {
    if object_keyword(before) != object_keyword(after) {
        // The drop is recorded: a create that fails after it leaves nothing to record.
        let mut out: Vec<Stmt> = drop(before);
        out.extend(create(after, false));
        return out;
    }
    let mut out = Vec::new();
    // A running task is suspended before it is replaced or dropped.
    if is_cron(before) && before.flag(attr::ENABLED) {
        out.push(Stmt::new(
            format!("ALTER TASK {} SUSPEND", before.name.to_sql()),
            &[],
        ));
    }
    if is_cron(before) && !is_cron(after) {
        out.push(drop_refresh_task(before, &before.name.to_sql()));
    }
    out.push(create_object(after, true));
    out.extend(create_refresh_task(after, is_cron(before)));
    out.extend(run_state(after, false));
    out
}

/// What Snowflake can ALTER in place: lag, warehouse, comment, the cron schedule through
/// its task, and whether it runs.
pub fn update(before: &Object, after: &Object, changed: &[&str]) -> Vec<Stmt> {
    let name = after.name.to_sql();
    let has = |n: &str| changed.contains(&n);
    let mut out = Vec::new();
    if refresh(after).is_none() {
        // A view: only its comment can change in place.
        if has(attr::COMMENT) {
            out.push(comment_stmt("VIEW", after));
        }
        return out;
    }
    let (b_cron, a_cron) = (is_cron(before), is_cron(after));
    let retarget = a_cron && b_cron && has(attr::REFRESH_TASK_TARGET);
    let task_changes =
        a_cron && b_cron && (has(attr::REFRESH_FREQ) || has(attr::WAREHOUSE) || retarget);
    let task_running = b_cron && before.flag(attr::ENABLED);

    // The refresh task must be suspended before it changes or goes.
    if (task_changes || (b_cron && !a_cron)) && task_running {
        out.push(Stmt::new(format!("ALTER TASK {name} SUSPEND"), &[]));
    }
    if b_cron && !a_cron {
        out.push(drop_refresh_task(before, &name));
    }
    let mut sets = Vec::new();
    let mut applied = Vec::new();
    if has(attr::REFRESH_FREQ)
        && refresh(before).map(|f| f.target_lag().to_string())
            != refresh(after).map(|f| f.target_lag().to_string())
    {
        sets.push(format!(
            "TARGET_LAG = {}",
            quote_literal(refresh(after).expect("dynamic table").target_lag())
        ));
        if !a_cron {
            applied.push(attr::REFRESH_FREQ.to_string());
        }
    }
    if has(attr::WAREHOUSE) {
        if let Some(w) = after.get_str(attr::WAREHOUSE) {
            sets.push(format!("WAREHOUSE = {}", quote_ident(w)));
            applied.push(attr::WAREHOUSE.to_string());
        }
    }
    if has(attr::COMMENT) {
        if let Some(c) = after.get_str(attr::COMMENT) {
            sets.push(format!("COMMENT = {}", quote_literal(c)));
            applied.push(attr::COMMENT.to_string());
        } else {
            out.push(comment_stmt("DYNAMIC TABLE", after));
        }
    }
    if !sets.is_empty() {
        out.push(Stmt::applying(
            format!("ALTER DYNAMIC TABLE {name} SET {}", sets.join(" ")),
            applied,
        ));
    }
    if a_cron && !b_cron {
        out.extend(create_refresh_task(after, false));
    }
    if task_changes {
        let mut task_sets = Vec::new();
        if has(attr::REFRESH_FREQ) {
            if let Some(RefreshFreq::Cron(expr)) = refresh(after) {
                task_sets.push(format!(
                    "SCHEDULE = {}",
                    quote_literal(&format!("USING CRON {expr}"))
                ));
            }
        }
        if has(attr::WAREHOUSE) {
            if let Some(w) = after.get_str(attr::WAREHOUSE) {
                task_sets.push(format!("WAREHOUSE = {}", quote_ident(w)));
            }
        }
        if !task_sets.is_empty() {
            out.push(Stmt::applying(
                format!("ALTER TASK {name} SET {}", task_sets.join(" ")),
                vec!["refresh_freq".into()],
            ));
        }
        // The body names the table by name: after a rename of its database or schema it
        // still names the old one, and refreshes nothing.
        if retarget {
            out.push(Stmt::new(
                format!("ALTER TASK {name} MODIFY AS {}", refresh_body(after)),
                &[attr::REFRESH_TASK_TARGET],
            ));
        }
    }
    let was_enabled = before.flag(attr::ENABLED);
    let enabled = after.flag(attr::ENABLED);
    if has(attr::ENABLED) && was_enabled != enabled {
        let verb = if enabled { "RESUME" } else { "SUSPEND" };
        out.push(Stmt::new(
            format!("ALTER DYNAMIC TABLE {name} {verb}"),
            &[attr::ENABLED],
        ));
    }
    // The refresh task runs when the feature view is enabled: start a new one, restart one
    // stopped for the change above, or follow a change of `enabled`.
    let resume = Stmt::new(format!("ALTER TASK {name} RESUME"), &[attr::ENABLED]);
    if a_cron && (!b_cron || task_changes && task_running) {
        if enabled {
            out.push(resume);
        }
    } else if a_cron && has(attr::ENABLED) && enabled != was_enabled {
        out.push(if enabled {
            resume
        } else {
            Stmt::new(format!("ALTER TASK {name} SUSPEND"), &[attr::ENABLED])
        });
    }
    out
}

fn comment_stmt(kw: &str, after: &Object) -> Stmt {
    let sql = match after.get_str(attr::COMMENT) {
        Some(c) => format!(
            "ALTER {kw} {} SET COMMENT = {}",
            after.name.to_sql(),
            quote_literal(c)
        ),
        None => format!("ALTER {kw} {} UNSET COMMENT", after.name.to_sql()),
    };
    Stmt::new(sql, &[attr::COMMENT])
}

/// The registry's ddl entry of a feature view.
#[linkme::distributed_slice(crate::kinds::statements::KINDS)]
pub(super) static DDL: KindDdl = KindDdl {
    kind: crate::model::Kind::FeatureView,
    keyword: "DYNAMIC TABLE",
    keyword_of: Some(object_keyword),
    create_privilege: |fv| {
        Some(if fv.get(crate::model::attr::REFRESH_FREQ).is_some() {
            "CREATE DYNAMIC TABLE"
        } else {
            "CREATE VIEW"
        })
    },
    create: |o| create(o, false),
    replace: Replacement::Own(replace),
    update: |b, a, attrs| update(b, a, &changed(attrs)),
    drop,
};
