//! The attribute reference of every kind, written from the attribute tables so that the
//! documentation (docs/attributes.md) cannot drift from what snowform accepts.

use crate::model::schema::{schema, Attr, Role, Source, Update};
use crate::model::Kind;

fn row(kind: Kind, attr: &Attr) -> String {
    let default = match (attr.default, attr.computed) {
        (Some(d), _) => format!("`{}`", d.value()),
        (None, true) => "Snowflake's".into(),
        (None, false) => String::new(),
    };
    let change = match attr.update {
        _ if matches!(attr.role, Role::Name | Role::Container | Role::NamePart)
            && !kind.can_rename() =>
        {
            "**replace**".to_string()
        }
        _ if matches!(attr.role, Role::Name | Role::Container) => "rename in place".to_string(),
        Update::Alter => "in place".to_string(),
        Update::Replace(_) => "**replace**".to_string(),
        Update::CreateOnly => "at create only".to_string(),
    };
    let mut notes = attr.doc.to_string();
    match attr.source {
        Source::State => notes.push_str(" Not returned by SHOW: compared with the recorded state."),
        Source::Describe => notes.push_str(
            " Not returned by SHOW: read with DESCRIBE where the role may (else compared with the recorded state).",
        ),
        Source::Show => {}
    }
    if let Update::Replace(why) = attr.update {
        notes.push_str(&format!(" Replace: {why}."));
    }
    format!(
        "| `{}` | {} | {} | {} | {} | {} |\n",
        attr.name,
        attr.ty.describe().replace('|', "\\|"),
        if attr.required { "yes" } else { "" },
        default,
        change,
        notes.replace('|', "\\|")
    )
}

/// docs/attributes.md.
pub fn markdown() -> String {
    let mut out = String::from(
        "# Attributes of each block\n\nWritten from snowform's attribute tables (src/kinds/); a test keeps this page in step with them.\n\
         Every block also takes `for_each` or `count`, `depends_on` and `lifecycle { prevent_destroy, ignore_changes }`; a model's `version` blocks and a table's `column` blocks may be written by a `dynamic \"version\"` / `dynamic \"column\"` block.\n\
         *Change* says what a change of the attribute takes: `in place` is an ALTER, **replace** re-creates the object \
         (destructive), `at create only` is recorded but never sent again.\n",
    );
    for kind in Kind::ALL {
        let s = schema(kind);
        out.push_str(&format!("\n## `{}`\n\n{}\n\n", kind, s.doc));
        out.push_str("| Attribute | Type | Required | Default | Change | Notes |\n|---|---|---|---|---|---|\n");
        for a in s.attrs.iter().filter(|a| a.role != Role::Derived) {
            out.push_str(&row(kind, a));
        }
        for b in s.blocks {
            out.push_str(&format!(
                "\n`{} \"<{}>\" {{ ... }}` blocks: {}\n\n",
                b.name, b.label, b.doc
            ));
            out.push_str("| Attribute | Type | Required | Default | Change | Notes |\n|---|---|---|---|---|---|\n");
            for a in b.attrs {
                out.push_str(&row(kind, a));
            }
        }
    }
    out.push_str(LIFECYCLE);
    out.push_str(ACCESS_CONTROL);
    out.push_str(SCHEDULES);
    out.push_str(&feature_store_compatibility());
    out
}

/// lifecycle { prevent_destroy, ignore_changes } (src/config/evaluate.rs, src/diff).
const LIFECYCLE: &str = "\n## Lifecycle\n\n\
     - `prevent_destroy = true`: `apply` refuses a change that destroys the object or a part of it (a delete, \
     a replace, a dropped model version); the plan shows it.\n\
     - `ignore_changes` lists attributes whose differences snowform leaves alone once the object exists: \
     a plan never changes them back, and `drift` lists them apart as information (JSON `ignored`), without \
     counting them as drift or changing its exit code. Names are written as strings or bare (`[\"comment\"]`, \
     `[comment]`); the name and the container (`schema`, `database`) cannot be ignored.\n\
     - A model also takes its versions: `versions` (every version: none is added, dropped or changed), \
     `versions.V1` (that version) or `versions.V1.metadata` (one field: `source`, `comment`, `alias` or \
     `metadata`), as strings or traversals (`versions.V1.metadata`, `versions[\"V1\"].metadata`). This keeps \
     metrics that data scientists set from the Model Registry (which rewrites the version's metadata). \
     A version name is read as a `version` block's label is: unquoted, it is upper-cased.\n\
     - A table also takes `columns`: its columns are left as they are (none is added, dropped or changed).\n\
     - `drift` uses the `ignore_changes` of the configuration (or, for an object it no longer has, the one \
     recorded by the last apply).\n";

/// What the access-control kinds mean together (src/kinds/grant/mod.rs, src/diff, src/live).
const ACCESS_CONTROL: &str = r#"
## Access control

`role`, `database_role`, `grant` and `role_grant` blocks say who may do what:

- A `grant`'s privileges are checked at `validate` against Snowflake's list for its object kind (GRANT
  <privileges> grammar and the access control privileges page): a typo or a privilege the kind does not take
  is an error at its file:line:col. `ALL` (or `ALL PRIVILEGES`) is expanded to the kind's list where that
  list is documented (warehouse, database, schema, table, view, dynamic table, task, procedure) and refused
  where it is not (stage: it depends on internal or external; model; tag). OWNERSHIP is never in a list. On
  a view only SELECT and REFERENCES are accepted (Snowflake accepts DML privileges there and ignores them).
  A database role holds privileges only inside its own database.
- A grant is known by what it is on and to whom; a change of its privileges grants the added ones and
  revokes the removed ones; another target or grantee grants the new one and revokes the old one last.
  Revoking needs no `--allow-destroy`; dropping a role does, and runs after its grants are revoked.
- A role (or database role) the configuration declares is **authoritative inside the databases and
  warehouses the configuration manages**: a privilege it holds directly on them or on objects in them that
  no `grant` declares is revoked by the plan (as `grant.undeclared["<what> TO <role>"]`, with that reason)
  and reported by `drift`. An `on_all` or `on_future` grant declares what it covers (the objects of its
  kind in its schema or database). Roles the configuration does not declare, ownership, the role hierarchy
  and grants Snowflake itself made are never touched.
- `on_future` grants are made before the objects they should cover are created in the same plan, so a new
  feature view version is readable by the consumer role the moment it exists. `on_all` grants what exists
  when it is applied: it is read back as what the grantee holds on every object of the kind that the read
  finds in the container (the objects it manages and those the grantee has grants on); with none there, it
  grants nothing, and the recorded grant stands for what the account holds. It waits for the objects the
  same plan creates there. Where future grants already gave its privileges on every object there, it
  reads as held and is not sent (an `on_all` beside an `on_future` of the same privileges is needed
  only for objects created before the future grant).
- The live read is set-based: `SHOW GRANTS TO ROLE` (or `TO DATABASE ROLE`) per declared role and grantee,
  `SHOW FUTURE GRANTS IN SCHEMA` / `IN DATABASE` per container a future grant names and, when roles are
  declared, per managed database and schema, `SHOW GRANTS OF ROLE` per role a `role_grant` grants, and
  `SHOW DATABASE ROLES IN DATABASE` per database with a declared database role. They count in
  `metadata_queries`.
- `owner = role.x` (or a role name) on a warehouse, database, schema, stage, entity, feature view, task,
  role, table or view moves the object's ownership to that role with `GRANT OWNERSHIP ... COPY CURRENT
  GRANTS` (the grants on it stay). A new object is created by the connection's role and then transferred;
  the transfers run after every other statement of the plan, grants included, since the connection's role
  may lose the right to alter the object once it is another role's (see [privileges.md](privileges.md)). The owner is read
  from the `owner` column of SHOW: one changed outside snowform is drift, and the plan moves it back.
  Without `owner` the owner is not managed (never compared, forgotten by the record). Models and database
  roles take no `owner` (Snowflake cannot transfer a model's ownership).
- Not yet: role grants are not authoritative (a role granted to a declared role outside snowform is left
  alone).
"#;

/// What `validate` checks in a schedule, a lag and a cron expression (src/model/canon.rs).
const SCHEDULES: &str = "\n## Schedules, lags and cron expressions\n\n\
     `validate` checks them as Snowflake reads them, so that a value it would refuse (or a task that would never \
     run) is an error at the value's file:line:col, not a failed apply.\n\n\
     - A lag (`refresh_freq` of a dynamic-table feature view) is `<n> <unit>` with a unit of seconds, minutes, \
     hours or days (singular, plural or the usual abbreviations), at least 1 minute, or `DOWNSTREAM`.\n\
     - An interval schedule (`schedule` of a task) is `<n> MINUTES` (seconds and hours are written in minutes \
     when exact), from 1 minute to 11520 minutes (8 days): Snowflake never runs a task with a longer interval.\n\
     - A cron expression is five fields and a time zone: minute 0-59, hour 0-23, day of month 1-31 or `L`, \
     month 1-12 or JAN-DEC, day of week 0-6 or SUN-SAT, `L` or `<n>L`; each field takes `*`, a value, a range \
     `a-b`, a step `*/n` or `a-b/n`, or a list of those. A task writes it after `USING CRON`; a feature view's \
     `refresh_freq` without it.\n\
     - The time zone is an IANA time zone name (such as `UTC`, `Europe/London` or `America/Los_Angeles`, or a \
     link such as `US/Pacific`), case-sensitive; the names are those of the tz database release in \
     src/model/time_zones.txt.\n";

/// The snowflake-ml-python releases that read what snowform writes, and what it writes.
fn feature_store_compatibility() -> String {
    use super::{entity, feature_view as fv};
    format!(
        "\n## Feature Store compatibility\n\n\
         Entities and feature views are written in the layout snowflake-ml-python's Feature Store reads, for every \
         release from {oldest} to {newest} (the newest checked), which covers every release of 2025 and 2026. \
         `tests/compat/run.sh` checks both ends with the releases' own code.\n\n\
         - The `{meta}` tag holds only `entities` and `timestamp_col` (`{none}` when there is none): releases before \
         1.54.0 refuse a key they do not know, and the later keys came one by one (`is_tiled` in 1.24.0, \
         `is_iceberg` in 1.26.0, `is_streaming` in 1.34.0, `is_rollup` in 1.37.0, `is_append_only` in 1.41.0); \
         every release that has them takes them as false when they are absent.\n\
         - Names are written as the library writes them: an entity or timestamp column that is not all upper-case \
         letters, digits, `_` and `$` (a quoted mixed-case name) is double-quoted inside the JSON \
         (`\"\\\"webVisitor\\\"\"`), so that the library resolves it to the same name.\n\
         - A schema is read as a Feature Store schema (`feature_store = true`) when it holds the `{meta}` and \
         `{obj}` tags: that is all every supported release checks before it opens a store with \
         `FAIL_IF_NOT_EXIST`. snowform also creates the `{snapshot}` table when it makes a schema a Feature Store \
         schema, as newer releases do, but does not require it: {oldest} never creates it, and {newest} creates it \
         itself on a best-effort basis when it opens the store (it needs it only for append-only feature views). A \
         store an older release registered is therefore imported and re-planned without changes, and no plan adds \
         the table to it.\n\
         - The `{obj}` tag's `pkg_version` is {pkg}, the oldest release: a client warns when an object's \
         `pkg_version` is newer than itself.\n\
         - 1.5.0, which introduced the metadata tag, is left out: it reads only a placeholder of its own for \
         \"no timestamp column\", where every later release writes and reads `{none}`.\n\
         - An entity name is at most {name_max} characters as the library writes it (with its double quotes when \
         it needs them), and a tag value at most {tag_max} characters (an entity's join keys joined by commas; a \
         feature view's metadata): `validate` rejects a configuration beyond either.\n\
         - Feature views written by earlier snowform versions (another `pkg_version`, the later keys) are read as \
         before; a quoted mixed-case name they wrote without its quotes is read as the library reads it, upper-cased, \
         so the plan replaces that feature view with one the library finds.\n",
        oldest = fv::ML_LIBRARY_OLDEST,
        newest = fv::ML_LIBRARY_NEWEST,
        meta = fv::METADATA_TAG,
        obj = fv::OBJECT_TAG,
        pkg = fv::PKG_VERSION,
        none = fv::NO_TIMESTAMP_COL,
        name_max = entity::NAME_MAX_CHARS,
        tag_max = crate::model::TAG_VALUE_MAX_CHARS,
        snapshot = fv::SNAPSHOT_TABLE,
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn docs_attributes_md_matches_the_tables() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/attributes.md");
        let want = super::markdown();
        if std::env::var_os("SNOWFORM_UPDATE_DOCS").is_some() {
            std::fs::write(&path, &want).unwrap();
        }
        let have = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(have == want, "docs/attributes.md is out of date: run `SNOWFORM_UPDATE_DOCS=1 cargo test --lib reference`");
    }
}
