//! The plan for a person at a terminal: a summary table, then each change with why, what
//! changes, a diff of any changed SQL text, and the statements it runs.

use super::plan_view::{leaves, ChangeView, PlanView};
use super::Style;
use crate::diff::Action;
use comfy_table::{presets::UTF8_FULL_CONDENSED, Table};

fn symbol(action: Action) -> &'static str {
    match action {
        Action::Create => "+",
        Action::Update => "~",
        Action::Replace => "-/+",
        Action::Delete => "-",
        Action::NoOp => " ",
    }
}

fn paint(style: &Style, action: Action, text: &str) -> String {
    match action {
        Action::Create => style.green(text),
        Action::Update => style.yellow(text),
        Action::Replace => style.magenta(text),
        Action::Delete => style.red(text),
        Action::NoOp => text.to_string(),
    }
}

fn value(value: &serde_json::Value) -> String {
    match value {
        serde_json::Value::Null => "(unset)".into(),
        serde_json::Value::String(s) if s.contains('\n') => {
            format!("<{} lines>", s.lines().count())
        }
        serde_json::Value::String(s) => format!("{s:?}"),
        other => other.to_string(),
    }
}

pub fn render(view: &PlanView, style: &Style) -> String {
    let mut out = String::new();
    let source = if view.refreshed {
        format!(
            "refreshed from the account ({} metadata queries)",
            view.metadata_queries
        )
    } else {
        "planned against the recorded state only (no refresh)".to_string()
    };
    out.push_str(&format!(
        "snowform plan for workspace {:?}: {source}\n\n",
        view.workspace
    ));
    let effective = view.effective();
    if effective.is_empty() {
        if view.refreshed {
            out.push_str(&format!(
                "No changes. The account matches the configuration ({} objects).\n",
                view.summary.noop
            ));
        } else {
            out.push_str(&format!(
                "No changes against the recorded state ({} objects): the account was not read, so changes made outside snowform are not seen. Plan with a connection to compare with the account.\n",
                view.summary.noop
            ));
        }
        return out;
    }
    let mut table = Table::new();
    table.load_style(UTF8_FULL_CONDENSED);
    table.force_no_tty();
    table.set_header(vec!["action", "address", "name", "destructive"]);
    for c in &effective {
        table.add_row(vec![
            c.action_str().to_string(),
            c.address.clone(),
            c.name.clone(),
            if c.destructive {
                "yes".into()
            } else if c.disruption.is_some() {
                "rename".into()
            } else {
                String::new()
            },
        ]);
    }
    out.push_str(&table.to_string());
    out.push('\n');
    let s = &view.summary;
    out.push_str(&format!(
        "\nPlan: {} to create, {} to update, {} to replace, {} to delete, {} unchanged.\n",
        s.create, s.update, s.replace, s.delete, s.noop
    ));
    if view.destructive {
        out.push_str(
            &style.red("This plan is destructive: apply refuses it without --allow-destroy.\n"),
        );
    }
    let unmanaged = view.unmanaged_dropped().len();
    if unmanaged > 0 {
        out.push_str(&style.red(&format!(
            "Replacing or dropping a database or schema drops {unmanaged} object(s) inside it that snowform does not manage (listed under \"drops with it\" below).\n"
        )));
    }
    if view.disruptive {
        out.push_str(&style.red(
            "This plan renames a database, schema or warehouse: whatever names the old name breaks; apply refuses it without --allow-rename (or --allow-destroy).\n",
        ));
    }
    let outside = view.changed_outside();
    if !outside.is_empty() {
        out.push_str(&style.bold(
            "\nNote: objects have changed outside snowform since the last apply; this plan puts them back:\n",
        ));
        for c in outside {
            out.push_str(&format!(
                "  {} {}: {}\n",
                symbol(c.action),
                c.address,
                c.changed_outside.join(", ")
            ));
        }
    }
    for c in effective {
        out.push('\n');
        change(&mut out, c, style);
    }
    out
}

fn change(out: &mut String, change_view: &ChangeView, style: &Style) {
    let head = format!(
        "{} {} {} ({})",
        symbol(change_view.action),
        change_view.action_str(),
        change_view.address,
        super::style::printable(&change_view.name)
    );
    out.push_str(&paint(style, change_view.action, &style.bold(&head)));
    out.push('\n');
    if change_view.prevent_destroy {
        out.push_str(
            &style.red("    lifecycle.prevent_destroy is set: apply will refuse this change\n"),
        );
    }
    for r in &change_view.reasons {
        out.push_str(&format!("    why: {}\n", super::style::printable(r)));
    }
    if let Some(n) = change_view.outside_note() {
        out.push_str(&style.yellow(&format!("    note: {n}\n")));
    }
    if let Some(d) = &change_view.disruption {
        out.push_str(&style.red(&format!("    disruptive: {d}\n")));
    }
    let dropped = change_view.dropped_lines();
    if !dropped.is_empty() {
        out.push_str(&style.red("    drops with it (everything inside, managed or not):\n"));
        for l in dropped {
            out.push_str(&format!("      - {}\n", super::style::printable(&l)));
        }
    }
    for a in &change_view.attributes {
        // A changed SQL text is shown as its diff below.
        if change_view.diffs.iter().any(|d| d.name == a.name) {
            continue;
        }
        match change_view.action {
            Action::Create | Action::Delete => {
                let v = if change_view.action == Action::Create {
                    &a.after
                } else {
                    &a.before
                };
                // A nested value (a model's versions) reads best one leaf per line.
                for (path, leaf) in leaves(&a.name, v) {
                    out.push_str(&format!("    {path} = {}\n", value(leaf)));
                }
            }
            _ => {
                // Compared leaf by leaf, so an added model version reads as its fields.
                // A side that is unset where the other is a whole value (a version added or
                // dropped) has nothing to say leaf by leaf.
                fn side<'v>(
                    name: &str,
                    value: &'v serde_json::Value,
                    other: &serde_json::Value,
                ) -> Vec<(String, &'v serde_json::Value)> {
                    if value.is_null() && other.is_object() {
                        Vec::new()
                    } else {
                        leaves(name, value)
                    }
                }
                let (before, after) = (
                    side(&a.name, &a.before, &a.after),
                    side(&a.name, &a.after, &a.before),
                );
                let mut paths: Vec<&String> =
                    before.iter().chain(after.iter()).map(|(p, _)| p).collect();
                paths.sort();
                paths.dedup();
                let find = |side: &[(String, &serde_json::Value)], p: &str| {
                    side.iter()
                        .find(|(q, _)| q == p)
                        .map(|(_, v)| value(v))
                        .unwrap_or_else(|| "(unset)".into())
                };
                for p in paths {
                    out.push_str(&format!(
                        "    {p}: {} -> {}\n",
                        find(&before, p),
                        find(&after, p)
                    ));
                }
            }
        }
    }
    for d in &change_view.diffs {
        out.push_str(&format!("    {}:\n", d.name));
        for line in d.diff.lines() {
            let line = &*super::style::printable(line);
            let painted = if line.starts_with('+') && !line.starts_with("+++") {
                style.green(line)
            } else if line.starts_with('-') && !line.starts_with("---") {
                style.red(line)
            } else {
                style.dim(line)
            };
            out.push_str(&format!("      {painted}\n"));
        }
    }
    if !change_view.statements.is_empty() {
        out.push_str("    statements:\n");
        for s in &change_view.statements {
            for (i, line) in s.lines().enumerate() {
                out.push_str(if i == 0 { "      " } else { "        " });
                out.push_str(&style.dim(&super::style::printable(line)));
                out.push('\n');
            }
        }
    }
}
