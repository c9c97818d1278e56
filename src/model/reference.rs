//! The attribute reference of every kind, written from the attribute tables so that the
//! documentation (docs/attributes.md) cannot drift from what snowform accepts.

use super::schema::{schema, Attr, Role, Source, Update};
use super::Kind;

fn row(kind: Kind, a: &Attr) -> String {
    let default = match (a.default, a.computed) {
        (Some(d), _) => format!("`{}`", d.value()),
        (None, true) => "Snowflake's".into(),
        (None, false) => String::new(),
    };
    let change = match a.update {
        _ if matches!(a.role, Role::Name | Role::Container | Role::NamePart)
            && !kind.can_rename() =>
        {
            "**replace**".to_string()
        }
        _ if matches!(a.role, Role::Name | Role::Container) => "rename in place".to_string(),
        Update::Alter => "in place".to_string(),
        Update::Replace(_) => "**replace**".to_string(),
        Update::CreateOnly => "at create only".to_string(),
    };
    let mut notes = a.doc.to_string();
    if a.source == Source::State {
        notes.push_str(" Not returned by SHOW: compared with the recorded state.");
    }
    if let Update::Replace(why) = a.update {
        notes.push_str(&format!(" Replace: {why}."));
    }
    format!(
        "| `{}` | {} | {} | {} | {} | {} |\n",
        a.name,
        a.ty.describe().replace('|', "\\|"),
        if a.required { "yes" } else { "" },
        default,
        change,
        notes.replace('|', "\\|")
    )
}

/// docs/attributes.md.
pub fn markdown() -> String {
    let mut out = String::from(
        "# Attributes of each block\n\nWritten from snowform's attribute tables (src/model/kinds/); a test keeps this page in step with them.\n\
         Every block also takes `for_each`, `depends_on` and `lifecycle { prevent_destroy, ignore_changes }`.\n\
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
    out
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
