//! `moved`, `import` and `removed` blocks: what a plan does with the state's records
//! besides comparing them with the configuration. Their addresses are written as
//! references (`from = schema.old`, `to = module.fs.schema.feature_store`) but never
//! evaluated: they name addresses, not values.

use super::blocks::{Decls, RefactorDecl};
use super::source::SourceFile;
use crate::diag::{Diagnostic, Diagnostics};
use crate::model::attr;
use crate::model::{Address, Import, Move, MoveEnd, Object, ObjectName, Removal};
use hcl_edit::expr::{Expression, TraversalOperator};
use std::collections::BTreeSet;

/// What the refactoring blocks ask of a plan.
#[derive(Clone, Debug, Default)]
pub(crate) struct Refactors {
    pub moves: Vec<Move>,
    pub imports: Vec<Import>,
    pub(crate) removals: Vec<Removal>,
}

/// The address an expression writes, as text: a traversal of names and literal keys
/// (`module.fs["a"].schema.x`), or a string holding one.
fn address_text(expr: &Expression) -> Option<String> {
    match expr {
        Expression::String(s) => Some(s.value().to_string()),
        Expression::Traversal(t) => {
            let Expression::Variable(root) = &t.expr else {
                return None;
            };
            let mut out = root.as_str().to_string();
            for op in &t.operators {
                match op.value() {
                    TraversalOperator::GetAttr(n) => {
                        out.push('.');
                        out.push_str(n.as_str());
                    }
                    TraversalOperator::Index(Expression::String(s)) => {
                        out.push('[');
                        out.push_str(&serde_json::to_string(s.value().as_str()).ok()?);
                        out.push(']');
                    }
                    _ => return None,
                }
            }
            Some(out)
        }
        _ => None,
    }
}

/// Check and collect the refactoring blocks against the configuration's objects.
pub(crate) fn collect(decls: &Decls, objects: &[Object], diags: &mut Diagnostics) -> Refactors {
    let addresses: BTreeSet<&Address> = objects.iter().map(|o| &o.address).collect();
    let has_end = |end: &MoveEnd| match end {
        MoveEnd::Object(a) => {
            addresses.contains(a) || (a.key.is_none() && addresses.iter().any(|x| x.block() == *a))
        }
        MoveEnd::Module(m) => addresses
            .iter()
            .any(|x| x.module == *m || x.module.starts_with(&format!("{m}."))),
    };
    let mut out = Refactors::default();
    for r in &decls.refactors {
        match r.block.ident.as_str() {
            "moved" => {
                let (Some(from), Some(to)) = (end(r, "from", diags), end(r, "to", diags)) else {
                    continue;
                };
                let to_span = r.file.span_of(&r.attr(attr::TO).expect("checked").value);
                let from_span = r.file.span_of(&r.attr("from").expect("checked").value);
                match (&from, &to) {
                    (MoveEnd::Object(f), MoveEnd::Object(t)) if f.kind != t.kind => {
                        diags.push(
                            Diagnostic::error(format!(
                                "a moved block cannot move a {} to a {}",
                                f.kind.noun(),
                                t.kind.noun()
                            ))
                            .with_detail("a different kind is a different object: remove one block and import the other object")
                            .at(Some(to_span)),
                        );
                        continue;
                    }
                    (MoveEnd::Object(_), MoveEnd::Module(_))
                    | (MoveEnd::Module(_), MoveEnd::Object(_)) => {
                        diags.push(
                            Diagnostic::error("a moved block moves a block to a block, or a module call to a module call")
                                .with_detail("write from = schema.old, to = module.fs.schema.new for one block, or from = module.old, to = module.new for everything in a call")
                                .at(Some(to_span)),
                        );
                        continue;
                    }
                    _ => {}
                }
                if has_end(&from) {
                    diags.push(
                        Diagnostic::error(format!(
                            "moved from {from}, which the configuration still declares"
                        ))
                        .with_detail("a moved block's from is the old address: remove or rename that block, or remove the moved block")
                        .at(Some(from_span)),
                    );
                    continue;
                }
                if !has_end(&to) {
                    diags.push(
                        Diagnostic::error(format!(
                            "moved to {to}, which the configuration does not declare"
                        ))
                        .with_detail("a moved block's to is the address of a block (or module call) of the configuration")
                        .at(Some(to_span)),
                    );
                    continue;
                }
                out.moves.push(Move { from, to });
            }
            "removed" => {
                let Some(from) = end(r, "from", diags) else {
                    continue;
                };
                let from_span = r.file.span_of(&r.attr("from").expect("checked").value);
                if has_end(&from) {
                    diags.push(
                        Diagnostic::error(format!(
                            "removed {from}, which the configuration still declares"
                        ))
                        .with_detail("remove its block too: a removed block says what to do with an object no longer configured")
                        .at(Some(from_span)),
                    );
                    continue;
                }
                let mut destroy = true;
                if let Some(a) = r
                    .block
                    .body
                    .get_blocks("lifecycle")
                    .next()
                    .and_then(|l| l.body.get_attribute("destroy"))
                {
                    match &a.value {
                        Expression::Bool(b) => destroy = *b.value(),
                        other => {
                            diags.push(
                                Diagnostic::error("destroy must be true or false")
                                    .with_detail("write destroy = false to stop managing the object without dropping it")
                                    .at(Some(r.file.span_of(other))),
                            );
                            continue;
                        }
                    }
                }
                out.removals.push(Removal { from, destroy });
            }
            "import" => {
                let Some(to) = end(r, "to", diags) else {
                    continue;
                };
                let to_span = r.file.span_of(&r.attr(attr::TO).expect("checked").value);
                let MoveEnd::Object(to) = to else {
                    diags.push(
                        Diagnostic::error("an import block imports one object")
                            .with_detail("write to = KIND.NAME or KIND.NAME[\"KEY\"]")
                            .at(Some(to_span)),
                    );
                    continue;
                };
                let Some(object) = objects.iter().find(|o| o.address == to) else {
                    diags.push(
                        Diagnostic::error(format!(
                            "import to {to}, which the configuration does not declare"
                        ))
                        .with_detail("add the object's block first, then import it")
                        .at(Some(to_span)),
                    );
                    continue;
                };
                let id_attr = r.attr("id").expect("checked");
                let Expression::String(id) = &id_attr.value else {
                    diags.push(
                        Diagnostic::error("an import block's id is the object's name as a string")
                            .with_detail("write id = \"DATABASE.SCHEMA.NAME\" (as many parts as the kind's name has)")
                            .at(Some(r.file.span_of(&id_attr.value))),
                    );
                    continue;
                };
                match import_name(object, id.value()) {
                    Ok(name) if name == object.name => out.imports.push(Import {
                        to,
                        name,
                    }),
                    Ok(name) => diags.push(
                        Diagnostic::error(format!(
                            "import {name} to {to}, whose block names {}",
                            object.name
                        ))
                        .with_detail("an import adopts the object the block describes: make id and the block's name agree")
                        .at(Some(r.file.span_of(&id_attr.value))),
                    ),
                    Err(e) => diags.push(
                        Diagnostic::error(format!("{:?} is not a {} name", id.value(), to.kind.noun()))
                            .with_detail(e)
                            .at(Some(r.file.span_of(&id_attr.value))),
                    ),
                }
            }
            _ => {}
        }
    }
    out
}

/// An import's id as the name of an object of `object`'s kind: as many dot-separated
/// parts as the kind's names have (an entity also by its own name, not its tag's).
fn import_name(object: &Object, text: &str) -> Result<ObjectName, String> {
    use crate::model::{entity_of_tag, entity_tag_name, ident::split_parts, Kind, Scope};
    let parts = split_parts(text).map_err(|e| e.to_string())?;
    let kind = object.kind();
    let name = match (kind.scope(), parts.as_slice()) {
        (Scope::Account, [n]) => ObjectName::account(n.clone()),
        (Scope::Database, [d, n]) => ObjectName::in_database(d.clone(), n.clone()),
        (Scope::Schema, [d, s, n]) => ObjectName::in_schema(d.clone(), s.clone(), n.clone()),
        (Scope::Account, _) => return Err("write NAME".into()),
        (Scope::Database, _) => return Err("write DATABASE.NAME".into()),
        (Scope::Schema, _) => return Err("write DATABASE.SCHEMA.NAME".into()),
    };
    if kind == Kind::Entity && entity_of_tag(&name.name).is_none() {
        return Ok(name.with_name(entity_tag_name(&name.name)));
    }
    Ok(name)
}

/// One end of a moved or removed block, or the target of an import.
fn end(decl: &RefactorDecl, attr: &str, diags: &mut Diagnostics) -> Option<MoveEnd> {
    let a = decl.attr(attr)?; // a missing one is reported by blocks::collect
    let file: &SourceFile = decl.file;
    let text = address_text(&a.value);
    match text.as_deref().map(MoveEnd::parse) {
        Some(Ok(end)) => Some(end),
        _ => {
            diags.push(
                Diagnostic::error(format!("{attr} must be an address"))
                    .with_detail("write it as a reference: schema.feature_store, warehouse.team[\"ml\"], module.fs.schema.x or module.fs")
                    .at(Some(file.span_of(&a.value))),
            );
            None
        }
    }
}
