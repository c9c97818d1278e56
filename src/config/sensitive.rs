//! Values derived from sensitive variables are sensitive too: an attribute whose
//! expression reads a sensitive variable, directly or through a local value, `each` of a
//! `for_each` that does, or another block's attribute that is sensitive, has its value
//! hidden whole, so that `"token ${upper(var.token)}"` is not shown either.

use super::blocks::Decls;
use super::decode::Decoded;
use super::refs::{classify, Target, Uses};
use crate::model::attr;
use crate::model::{Kind, Value};
use hcl_edit::expr::Expression;
use hcl_edit::structure::Body;
use std::collections::BTreeSet;

/// What reads a sensitive variable, directly or not: local values and block attributes
/// (keyed as `decode::attr_key` writes them), found to a fixed point.
struct Sources<'a> {
    vars: &'a BTreeSet<String>,
    locals: BTreeSet<&'a str>,
    attrs: BTreeSet<(Kind, String, String)>,
}

impl<'a> Sources<'a> {
    fn find(decls: &'a Decls, vars: &'a BTreeSet<String>) -> Sources<'a> {
        let mut s = Sources {
            vars,
            locals: BTreeSet::new(),
            attrs: BTreeSet::new(),
        };
        // Each round can only add, and there are finitely many names.
        loop {
            let before = (s.locals.len(), s.attrs.len());
            for (name, l) in &decls.locals {
                if s.reads(&l.attr.value, false) {
                    s.locals.insert(name);
                }
            }
            for ((kind, label), r) in &decls.resources {
                let each = r.attr("for_each").is_some_and(|a| s.reads(&a.value, false));
                let mut found = Vec::new();
                walk(&r.block.body, None, &mut |key, expr| {
                    if s.reads(expr, each) {
                        found.push(key);
                    }
                });
                for key in found {
                    s.attrs.insert((*kind, label.to_string(), key));
                }
            }
            if (s.locals.len(), s.attrs.len()) == before {
                return s;
            }
        }
    }

    /// Whether `expr` reads something sensitive (`each` is, when the for_each does).
    fn reads(&self, expr: &Expression, each: bool) -> bool {
        Uses::of(expr).traversals.iter().any(|t| match classify(t) {
            Ok(Target::Var(n)) => self.vars.contains(n),
            Ok(Target::Local(n)) => self.locals.contains(n),
            Ok(Target::Each) => each,
            Ok(Target::Block(b)) => match b.attr {
                Some(a) => self
                    .attrs
                    .contains(&(b.kind, b.label.to_string(), a.to_string())),
                // The whole block: sensitive when any attribute of it is.
                None => self
                    .attrs
                    .iter()
                    .any(|(k, l, _)| *k == b.kind && l == b.label),
            },
            _ => false,
        })
    }
}

/// Whether `expr` (an output's value) reads a variable in `sensitive_vars`, directly or
/// through local values and block attributes.
pub(crate) fn reads_sensitive(
    decls: &Decls,
    sensitive_vars: &BTreeSet<String>,
    expr: &Expression,
) -> bool {
    !sensitive_vars.is_empty() && Sources::find(decls, sensitive_vars).reads(expr, false)
}

/// The texts of every attribute value derived from a variable in `sensitive_vars`.
pub(crate) fn derived_values(
    decls: &Decls,
    sensitive_vars: &BTreeSet<String>,
    decoded: &[Decoded],
    prefix: &str,
) -> Vec<String> {
    if sensitive_vars.is_empty() {
        return Vec::new();
    }
    let Sources { attrs, .. } = Sources::find(decls, sensitive_vars);
    let mut out = Vec::new();
    for d in decoded {
        let o = &d.object;
        let label = o.address.name.as_str();
        for (kind, l, key) in &attrs {
            // The declarations are this configuration's own, not its modules'.
            if *kind != o.address.kind || l != label || o.address.module != prefix {
                continue;
            }
            if key == attr::NAME {
                out.push(o.name.to_string());
            }
            if let Some(v) = lookup(&o.props, key) {
                collect(v, &mut out);
            }
        }
    }
    out.sort();
    out.dedup();
    out
}

/// Every attribute of a block body and of its nested blocks, keyed as
/// `decode::attr_key` keys them.
fn walk<'a>(
    body: &'a Body,
    nested: Option<(&str, usize)>,
    visit: &mut dyn FnMut(String, &'a Expression),
) {
    for a in body.attributes() {
        visit(super::decode::attr_key(nested, a.key.as_str()), &a.value);
    }
    if nested.is_some() {
        return;
    }
    let mut counts: std::collections::BTreeMap<&str, usize> = Default::default();
    for b in body.blocks() {
        let name = b.ident.as_str();
        let i = counts.entry(name).or_default();
        walk(&b.body, Some((name, *i)), visit);
        *i += 1;
    }
}

/// The value an attribute key names: `comment`, or `version.0.comment` inside the list of
/// nested blocks. A nested key that does not resolve hides the whole nested property.
fn lookup<'a>(
    props: &'a std::collections::BTreeMap<String, Value>,
    key: &str,
) -> Option<&'a Value> {
    let mut parts = key.splitn(3, '.');
    let first = parts.next()?;
    let (Some(i), Some(attr)) = (parts.next(), parts.next()) else {
        return props.get(first);
    };
    let top = props
        .get(first)
        .or_else(|| props.get(&format!("{first}s")))?;
    let item = match (top, i.parse::<usize>()) {
        (Value::List(items), Ok(i)) => items.get(i),
        _ => None,
    };
    match item {
        Some(Value::Map(m)) => m.get(attr).or(Some(top)),
        _ => Some(top),
    }
}

fn collect(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::Str(s) => out.push(s.clone()),
        Value::List(items) => items.iter().for_each(|i| collect(i, out)),
        Value::Map(m) => m.values().for_each(|i| collect(i, out)),
        Value::Bool(_) | Value::Int(_) => {}
    }
}
