//! Models and their versions as the Model Registry writes them: CREATE MODEL ... WITH
//! VERSION ... FROM @stage for the first version, ALTER MODEL ... ADD VERSION for the
//! next, then comments, metadata, one alias per version, and the default version.

use crate::kinds::model::{versions, METADATA_SCHEMA_VERSION, VERSIONS};
use crate::kinds::statements::{drop_named, KindDdl, Replacement, Stmt, CREATE};
use crate::model::attr;
use crate::model::AttrChange;
use crate::model::{Object, Value};
use crate::sql::{quote_ident, quote_literal};
use std::cmp::Ordering;
use std::collections::BTreeMap;

type Fields = BTreeMap<String, Value>;

/// Version names in natural order (V2 before V10), the order they are created in.
pub(crate) fn natural_cmp(left: &str, right: &str) -> Ordering {
    fn chunks(text: &str) -> Vec<(bool, &str)> {
        let mut out = Vec::new();
        let mut start = 0;
        let bytes = text.as_bytes();
        for i in 1..=text.len() {
            if i == text.len() || bytes[i].is_ascii_digit() != bytes[start].is_ascii_digit() {
                out.push((bytes[start].is_ascii_digit(), &text[start..i]));
                start = i;
            }
        }
        out
    }
    for (x, y) in chunks(left).into_iter().zip(chunks(right)) {
        let ord = match (x, y) {
            ((true, p), (true, q)) => p
                .trim_start_matches('0')
                .len()
                .cmp(&q.trim_start_matches('0').len())
                .then(p.cmp(q)),
            ((_, p), (_, q)) => p.cmp(q),
        };
        if ord != Ordering::Equal {
            return ord;
        }
    }
    left.len().cmp(&right.len())
}

/// The version's stage location, quoted where it is not plain: the configuration checked
/// it, and a state or saved plan written by hand is not trusted to have.
fn source(fields: &Fields) -> String {
    crate::sql::quote_stage_location(
        fields
            .get(attr::SOURCE)
            .and_then(Value::as_str)
            .unwrap_or(""),
    )
}

/// The metadata the library writes: the user's object plus the schema version marker.
pub(crate) fn metadata_json(user: &str) -> String {
    let mut v: serde_json::Value = serde_json::from_str(user).unwrap_or(serde_json::json!({}));
    if let Some(obj) = v.as_object_mut() {
        obj.entry("snowpark_ml_schema_version")
            .or_insert_with(|| METADATA_SCHEMA_VERSION.into());
    }
    serde_json::to_string(&v).expect("JSON values serialise")
}

struct Writer<'a> {
    model: String,
    out: &'a mut Vec<Stmt>,
}

impl Writer<'_> {
    fn add_version(&mut self, version: &str, fields: &Fields) {
        self.out.push(Stmt::applying(
            format!(
                "ALTER MODEL {} ADD VERSION {} FROM {}",
                self.model,
                quote_ident(version),
                source(fields)
            ),
            vec![format!("{VERSIONS}.{version}.source")],
        ));
    }

    fn field(&mut self, version: &str, field: &str, value: Option<&Value>) {
        let path = vec![format!("{VERSIONS}.{version}.{field}")];
        let (m, vq) = (&self.model, quote_ident(version));
        let sql = match field {
            "comment" => format!(
                "ALTER MODEL {m} MODIFY VERSION {vq} SET COMMENT = {}",
                quote_literal(value.and_then(Value::as_str).unwrap_or(""))
            ),
            "metadata" => format!(
                "ALTER MODEL {m} MODIFY VERSION {vq} SET METADATA = {}",
                quote_literal(&metadata_json(
                    value.and_then(Value::as_str).unwrap_or("{}")
                ))
            ),
            "alias" => match value.and_then(Value::as_str) {
                Some(a) => format!(
                    "ALTER MODEL {m} VERSION {vq} SET ALIAS = {}",
                    quote_ident(a)
                ),
                None => format!("ALTER MODEL {m} VERSION {vq} UNSET ALIAS"),
            },
            _ => return,
        };
        self.out.push(Stmt::applying(sql, path));
    }

    fn fields(&mut self, version: &str, fields: &Fields) {
        for field in [attr::COMMENT, attr::METADATA, attr::ALIAS] {
            if let Some(value) = fields.get(field) {
                self.field(version, field, Some(value));
            }
        }
    }
}

pub fn create(object: &Object) -> Vec<Stmt> {
    let mut vs: Vec<(String, Fields)> = versions(object).into_iter().collect();
    vs.sort_by(|a, b| natural_cmp(&a.0, &b.0));
    let name = object.name.to_sql();
    let mut out = Vec::new();
    let Some((first, first_fields)) = vs.first() else {
        return out;
    };
    out.push(Stmt::new(
        format!(
            "CREATE MODEL {name} WITH VERSION {} FROM {}",
            quote_ident(first),
            source(first_fields)
        ),
        &[CREATE],
    ));
    let mut w = Writer {
        model: name.clone(),
        out: &mut out,
    };
    for (v, f) in vs.iter().skip(1) {
        w.add_version(v, f);
    }
    for (v, f) in &vs {
        w.fields(v, f);
    }
    if let Some(d) = object
        .get_str(attr::DEFAULT_VERSION)
        .filter(|d| *d != first.as_str())
    {
        out.push(Stmt::new(
            format!(
                "ALTER MODEL {name} SET DEFAULT_VERSION = {}",
                quote_ident(d)
            ),
            &[attr::DEFAULT_VERSION],
        ));
    }
    if let Some(c) = object.get_str(attr::COMMENT) {
        out.push(Stmt::new(
            format!("ALTER MODEL {name} SET COMMENT = {}", quote_literal(c)),
            &[attr::COMMENT],
        ));
    }
    out
}

/// Versions added, changed and dropped, in the order Snowflake accepts: new versions first,
/// aliases released before they are taken, the default moved before any version is dropped.
pub fn update(before: &Object, after: &Object, attrs: &[AttrChange]) -> Vec<Stmt> {
    let name = after.name.to_sql();
    let want = versions(after);
    let have = versions(before);
    let mut out = Vec::new();
    let mut added: Vec<&String> = want.keys().filter(|v| !have.contains_key(*v)).collect();
    added.sort_by(|x, y| natural_cmp(x, y));
    let mut w = Writer {
        model: name.clone(),
        out: &mut out,
    };
    for v in &added {
        w.add_version(v, &want[*v]);
    }
    let changed_field = |v: &str, f: &str| {
        attrs
            .iter()
            .any(|c| c.name == format!("{VERSIONS}.{v}.{f}"))
    };
    let resourced: Vec<&String> = want
        .keys()
        .filter(|v| have.contains_key(*v) && changed_field(v, attr::SOURCE))
        .collect();
    for v in &resourced {
        w.out.push(Stmt::applying(
            format!("ALTER MODEL {name} DROP VERSION {}", quote_ident(v)),
            vec![],
        ));
        w.add_version(v, &want[*v]);
    }
    // Release aliases before any version takes one: those of kept versions whose alias
    // changes, and those of versions about to be dropped whose alias another version takes
    // (the drop comes last, after the default has moved).
    let wanted_aliases: Vec<&str> = want
        .values()
        .filter_map(|f| f.get(attr::ALIAS).and_then(Value::as_str))
        .collect();
    for (v, f) in &have {
        let alias = f.get(attr::ALIAS).and_then(Value::as_str);
        let release = match want.get(v) {
            Some(_) => !resourced.contains(&v) && changed_field(v, attr::ALIAS) && alias.is_some(),
            None => alias.is_some_and(|a| wanted_aliases.contains(&a)),
        };
        if release {
            w.field(v, attr::ALIAS, None);
        }
    }
    for (v, f) in &want {
        let fresh = added.contains(&v) || resourced.contains(&v);
        for field in [attr::COMMENT, attr::METADATA, attr::ALIAS] {
            let value = f.get(field);
            if fresh {
                if value.is_some() {
                    w.field(v, field, value);
                }
            } else if changed_field(v, field) && (field != attr::ALIAS || value.is_some()) {
                w.field(v, field, value);
            }
        }
    }
    let has = |n: &str| attrs.iter().any(|c| c.name == n);
    if has(attr::DEFAULT_VERSION) {
        if let Some(d) = after.get_str(attr::DEFAULT_VERSION) {
            out.push(Stmt::new(
                format!(
                    "ALTER MODEL {name} SET DEFAULT_VERSION = {}",
                    quote_ident(d)
                ),
                &[attr::DEFAULT_VERSION],
            ));
        }
    }
    let mut dropped: Vec<&String> = have.keys().filter(|v| !want.contains_key(*v)).collect();
    dropped.sort_by(|x, y| natural_cmp(x, y));
    for v in dropped {
        out.push(Stmt::applying(
            format!("ALTER MODEL {name} DROP VERSION {}", quote_ident(v)),
            vec![format!("{VERSIONS}.{v}")],
        ));
    }
    if has(attr::COMMENT) {
        out.push(Stmt::new(
            format!(
                "ALTER MODEL {name} SET COMMENT = {}",
                quote_literal(after.get_str(attr::COMMENT).unwrap_or(""))
            ),
            &[attr::COMMENT],
        ));
    }
    out
}

/// The registry's ddl entry of a model: everything but its name can be altered.
#[linkme::distributed_slice(crate::kinds::statements::KINDS)]
pub(super) static DDL: KindDdl = KindDdl {
    kind: crate::model::Kind::Model,
    keyword: "MODEL",
    keyword_of: None,
    create_privilege: |_| Some("CREATE MODEL"),
    create,
    replace: Replacement::Alter,
    update,
    drop: drop_named,
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_sort_naturally() {
        let mut v = vec!["V10", "V2", "V1", "v1.5"];
        v.sort_by(|a, b| natural_cmp(a, b));
        assert_eq!(v, ["V1", "V2", "V10", "v1.5"]);
    }

    #[test]
    fn metadata_carries_the_schema_version() {
        assert_eq!(
            metadata_json("{\"metrics\":{\"rmse\":0.1}}"),
            "{\"metrics\":{\"rmse\":0.1},\"snowpark_ml_schema_version\":\"2024-01-01\"}"
        );
    }
}
