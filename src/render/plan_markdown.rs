//! The plan as a pull-request comment: the outcome in the title, counts, destructive
//! changes first with their reasons, each change's SQL in a collapsible section, and the
//! plan digest so reviewers can match what main applies with what they approved.

use super::plan_view::{leaves, ChangeView, PlanView};
use crate::diff::Action;

/// The marker a comment carries so that it can be found and updated on the next push.
pub(crate) const MARKER: &str = "<!-- snowform:plan -->";

fn code(text: &str) -> String {
    // Backticks inside inline code would end it early.
    let fence = if text.contains('`') { "``" } else { "`" };
    format!("{fence}{}{fence}", text.replace('|', "\\|"))
}

fn escape_cell(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', " ")
}

pub fn title(view: &PlanView) -> String {
    let s = &view.summary;
    if !view.has_changes() {
        return "snowform plan: no changes".into();
    }
    let mut t = format!(
        "snowform plan: {} to create, {} to update, {} to replace, {} to delete",
        s.create, s.update, s.replace, s.delete
    );
    if view.destructive {
        t.push_str(" (destructive)");
    } else if view.disruptive {
        t.push_str(" (disruptive rename)");
    }
    t
}

/// Render; `footer` lines (such as a link to the pipeline run) go at the end.
pub fn render(view: &PlanView, footer: &[String]) -> String {
    let mut out = String::new();
    out.push_str(MARKER);
    out.push('\n');
    let icon = if view.destructive || view.disruptive {
        ":warning: "
    } else if view.has_changes() {
        ""
    } else {
        ":white_check_mark: "
    };
    out.push_str(&format!("## {icon}{}\n\n", title(view)));
    out.push_str(&format!(
        "Workspace `{}` · {} · plan digest `{}`\n\n",
        view.workspace,
        if view.refreshed {
            format!(
                "refreshed from the account ({} metadata queries)",
                view.metadata_queries
            )
        } else {
            "planned against the recorded state only".into()
        },
        &view.plan_digest[..12.min(view.plan_digest.len())]
    ));
    let s = &view.summary;
    out.push_str(
        "| Create | Update | Replace | Delete | Unchanged |\n|---:|---:|---:|---:|---:|\n",
    );
    out.push_str(&format!(
        "| {} | {} | {} | {} | {} |\n\n",
        s.create, s.update, s.replace, s.delete, s.noop
    ));
    let effective = view.effective();
    let destructive: Vec<&&ChangeView> = effective.iter().filter(|c| c.destructive).collect();
    if !destructive.is_empty() {
        out.push_str("### :warning: Destructive changes\n\n");
        for c in &destructive {
            out.push_str(&format!(
                "- **{}** {} ({})",
                c.action_str(),
                code(&c.address),
                code(&c.name)
            ));
            if c.prevent_destroy {
                out.push_str(" — protected by `lifecycle.prevent_destroy`: apply will refuse it");
            }
            out.push('\n');
            for r in &c.reasons {
                out.push_str(&format!("  - {}\n", escape_cell(r)));
            }
            let dropped = c.dropped_lines();
            if !dropped.is_empty() {
                out.push_str("  - drops with it (everything inside, managed or not):\n");
                for l in dropped {
                    out.push_str(&format!("    - {}\n", escape_cell(&l)));
                }
            }
        }
        out.push('\n');
        let unmanaged = view.unmanaged_dropped().len();
        if unmanaged > 0 {
            out.push_str(&format!(
                "Replacing or dropping a database or schema drops {unmanaged} object(s) inside it that snowform does not manage (listed above).\n\n"
            ));
        }
        out.push_str("Apply runs destructive changes only with `--allow-destroy`.\n\n");
    }
    let renames: Vec<&&ChangeView> = effective
        .iter()
        .filter(|c| c.disruption.is_some())
        .collect();
    if !renames.is_empty() {
        out.push_str("### :warning: Disruptive renames\n\n");
        for c in &renames {
            out.push_str(&format!(
                "- **{}** {} ({}): {}\n",
                c.action_str(),
                code(&c.address),
                code(&c.name),
                escape_cell(c.disruption.as_deref().unwrap_or_default())
            ));
        }
        out.push('\n');
        out.push_str("Apply runs them only with `--allow-rename` (or `--allow-destroy`).\n\n");
    }
    let outside = view.changed_outside();
    if !outside.is_empty() {
        out.push_str("### Objects changed outside snowform\n\nSince the last apply, these were changed outside snowform; this plan puts them back as configured.\n\n");
        for c in &outside {
            out.push_str(&format!(
                "- {} ({}): {}\n",
                code(&c.address),
                code(&c.name),
                c.changed_outside
                    .iter()
                    .map(|a| code(a))
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
        out.push('\n');
    }
    if !effective.is_empty() {
        out.push_str("### Changes\n\n| | Address | Name | Why |\n|---|---|---|---|\n");
        for c in &effective {
            let mut why = c.reasons.clone();
            why.extend(c.outside_note());
            out.push_str(&format!(
                "| {} | {} | {} | {} |\n",
                c.action_str(),
                code(&c.address),
                code(&c.name),
                escape_cell(&why.join("; "))
            ));
        }
        out.push('\n');
        for c in &effective {
            out.push_str(&details(c));
        }
    } else if view.refreshed {
        out.push_str("The account matches the configuration.\n\n");
    } else {
        out.push_str("The configuration matches the recorded state. The account was not read, so changes made outside snowform are not seen.\n\n");
    }
    for f in footer {
        out.push_str(f);
        out.push('\n');
    }
    out
}

fn details(change_view: &ChangeView) -> String {
    let mut out = format!(
        "<details><summary>{} <code>{}</code></summary>\n\n",
        change_view.action_str(),
        html(&change_view.address)
    );
    if !change_view.attributes.is_empty() && change_view.action != Action::Create {
        out.push_str("| Attribute | Before | After |\n|---|---|---|\n");
        for a in &change_view.attributes {
            // A whole value on one side (a version added or dropped) reads one field a row.
            let (one, whole) = match (&a.before, &a.after) {
                (serde_json::Value::Null, w @ serde_json::Value::Object(_)) => (true, w),
                (w @ serde_json::Value::Object(_), serde_json::Value::Null) => (false, w),
                _ => {
                    out.push_str(&format!(
                        "| {} | {} | {} |\n",
                        code(&a.name),
                        cell(&a.before),
                        cell(&a.after)
                    ));
                    continue;
                }
            };
            let null = serde_json::Value::Null;
            for (path, v) in leaves(&a.name, whole) {
                let (b, af) = if one { (&null, v) } else { (v, &null) };
                out.push_str(&format!(
                    "| {} | {} | {} |\n",
                    code(&path),
                    cell(b),
                    cell(af)
                ));
            }
        }
        out.push('\n');
    }
    for d in &change_view.diffs {
        out.push_str(&format!(
            "{}:\n\n{}diff\n{}{}\n\n",
            code(&d.name),
            fence(&d.diff),
            d.diff,
            fence(&d.diff)
        ));
    }
    if !change_view.statements.is_empty() {
        let body = change_view
            .statements
            .iter()
            .map(|s| format!("{s};"))
            .collect::<Vec<_>>()
            .join("\n");
        out.push_str(&format!(
            "{}sql\n{body}\n{}\n\n",
            fence(&body),
            fence(&body)
        ));
    }
    out.push_str("</details>\n\n");
    out
}

/// A code fence longer than any run of backticks inside.
fn fence(body: &str) -> String {
    let longest = body.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    "`".repeat(longest.max(2) + 1)
}

fn html(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

fn cell(value: &serde_json::Value) -> String {
    match value {
        serde_json::Value::Null => "_unset_".into(),
        serde_json::Value::String(s) => code(&s.replace('\n', " ")),
        other => code(&other.to_string()),
    }
}
