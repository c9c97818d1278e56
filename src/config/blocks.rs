//! The shape of the configuration: which blocks there are, their labels, and whether each
//! attribute and nested block is one the block type has. Values are not looked at here.

use super::source::{ParsedFile, SourceFile};
use super::suggest;
use crate::diag::{Diagnostic, Diagnostics, Span};
use crate::model::schema::{META_ARGUMENTS, META_BLOCKS};
use crate::model::{schema, Kind, Role};
use hcl_edit::structure::{Attribute, Block, Body, Structure};
use std::collections::BTreeMap;

pub(crate) struct VariableDecl<'a> {
    pub name: &'a str,
    pub block: &'a Block,
    pub file: &'a SourceFile,
}

pub(crate) struct LocalDecl<'a> {
    pub attr: &'a Attribute,
    pub file: &'a SourceFile,
}

pub(crate) struct ResourceDecl<'a> {
    pub kind: Kind,
    pub label: &'a str,
    pub block: &'a Block,
    pub file: &'a SourceFile,
}

impl ResourceDecl<'_> {
    pub fn span(&self) -> Span {
        self.file.span_of(self.block)
    }

    pub fn attr(&self, name: &str) -> Option<&Attribute> {
        self.block.body.get_attribute(name)
    }
}

pub(crate) struct OutputDecl<'a> {
    pub block: &'a Block,
    pub file: &'a SourceFile,
}

impl OutputDecl<'_> {
    pub fn attr(&self, name: &str) -> Option<&Attribute> {
        self.block.body.get_attribute(name)
    }
}

/// A `module "NAME" { source = "./dir" ... }` call: its other attributes set the
/// module's variables.
pub(crate) struct ModuleDecl<'a> {
    pub label: &'a str,
    pub block: &'a Block,
    pub file: &'a SourceFile,
}

impl ModuleDecl<'_> {
    pub fn span(&self) -> Span {
        self.file.span_of(self.block)
    }

    pub fn attr(&self, name: &str) -> Option<&Attribute> {
        self.block.body.get_attribute(name)
    }
}

/// The attributes of a module call that are not the module's variables.
pub(crate) const MODULE_META: &[&str] = &["source", "for_each", "count", "depends_on"];

pub(crate) struct BackendDecl<'a> {
    pub kind: &'a str,
    pub block: &'a Block,
    pub file: &'a SourceFile,
}

/// Everything the configuration declares.
#[derive(Default)]
pub(crate) struct Decls<'a> {
    pub variables: BTreeMap<&'a str, VariableDecl<'a>>,
    pub locals: BTreeMap<&'a str, LocalDecl<'a>>,
    pub resources: BTreeMap<(Kind, &'a str), ResourceDecl<'a>>,
    pub backend: Option<BackendDecl<'a>>,
    pub outputs: BTreeMap<&'a str, OutputDecl<'a>>,
    pub modules: BTreeMap<&'a str, ModuleDecl<'a>>,
    /// `moved`, `import` and `removed` blocks, in file order.
    pub(crate) refactors: Vec<RefactorDecl<'a>>,
    /// `data "KIND" "LABEL"` blocks.
    pub data: BTreeMap<(Kind, &'a str), ResourceDecl<'a>>,
}

/// A `moved`, `import` or `removed` block: it says what to do with the state's records,
/// not what exists.
pub(crate) struct RefactorDecl<'a> {
    pub block: &'a Block,
    pub file: &'a SourceFile,
}

impl RefactorDecl<'_> {
    pub fn attr(&self, name: &str) -> Option<&Attribute> {
        self.block.body.get_attribute(name)
    }
}

/// A refactoring block's shape: its name, attributes, required attributes and nested blocks.
type RefactorShape = (
    &'static str,
    &'static [&'static str],
    &'static [&'static str],
    &'static [&'static str],
);

/// Each refactoring block's shape.
const REFACTORS: &[RefactorShape] = &[
    ("moved", &["from", "to"], &["from", "to"], &[]),
    ("import", &["to", "id"], &["to", "id"], &[]),
    ("removed", &["from"], &["from"], &["lifecycle"]),
];

const TOP_LEVEL: &[&str] = &[
    "variable", "locals", "backend", "output", "module", "moved", "import", "removed", "data",
];
const VARIABLE_ATTRS: &[&str] = &["type", "default", "description", "sensitive"];
const OUTPUT_ATTRS: &[&str] = &["value", "description", "sensitive"];
const VALIDATION_ATTRS: &[&str] = &["condition", "error_message"];
const LIFECYCLE_ATTRS: &[&str] = &["prevent_destroy", "ignore_changes"];
pub(crate) const BACKENDS: &[(&str, &[&str], &[&str])] = &[
    ("local", &["path"], &[]),
    (
        "snowflake",
        &["database", "schema", "table"],
        &["database", "schema", "table"],
    ),
];

/// A name usable in an address: a letter or `_`, then letters, digits, `_` and `-`.
pub(crate) fn is_valid_label(label: &str) -> bool {
    label
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && label
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

/// Collect the declarations of every file, reporting structural problems.
pub(crate) fn collect<'a>(files: &'a [ParsedFile], diags: &mut Diagnostics) -> Decls<'a> {
    let mut decls = Decls::default();
    let mut backend_span: Option<Span> = None;
    for f in files {
        let file = &f.source;
        for structure in f.body.iter() {
            let block = match structure {
                Structure::Attribute(a) => {
                    diags.push(
                        Diagnostic::error(format!("unexpected attribute {:?} at the top level", a.key.as_str()))
                            .with_detail("the top level holds only blocks; put values in a locals block: locals { ... }")
                            .at(Some(file.span_of(a))),
                    );
                    continue;
                }
                Structure::Block(b) => b,
            };
            let ident = block.ident.as_str();
            match ident {
                "variable" => {
                    if let Some(name) = one_label(block, file, "variable \"env\" { ... }", diags) {
                        if !is_valid_label(name) {
                            diags.push(
                                invalid_label(name, "variable")
                                    .at(Some(file.span_of(&block.labels[0]))),
                            );
                            continue;
                        }
                        check_variable(block, file, diags);
                        let decl = VariableDecl { name, block, file };
                        if let Some(first) = decls.variables.get(name) {
                            diags.push(declared_twice(
                                &format!("variable {name:?}"),
                                first.file.span_of(first.block),
                                file.span_of(block),
                            ));
                        } else {
                            decls.variables.insert(name, decl);
                        }
                    }
                }
                "output" => {
                    if let Some(name) =
                        one_label(block, file, "output \"NAME\" { value = ... }", diags)
                    {
                        if !is_valid_label(name) {
                            diags.push(
                                invalid_label(name, "output")
                                    .at(Some(file.span_of(&block.labels[0]))),
                            );
                            continue;
                        }
                        check_body(
                            &block.body,
                            file,
                            OUTPUT_ATTRS,
                            &[],
                            "an output block",
                            diags,
                        );
                        check_required(
                            &block.body,
                            block,
                            file,
                            &["value"],
                            &format!("output {name:?}"),
                            diags,
                        );
                        if let Some(first) = decls.outputs.get(name) {
                            diags.push(declared_twice(
                                &format!("output {name:?}"),
                                first.file.span_of(first.block),
                                file.span_of(block),
                            ));
                        } else {
                            decls.outputs.insert(name, OutputDecl { block, file });
                        }
                    }
                }
                "module" => {
                    let example = "module \"NAME\" { source = \"./modules/NAME\" }";
                    if let Some(label) = one_label(block, file, example, diags) {
                        if !is_valid_label(label) {
                            diags.push(
                                invalid_label(label, "module")
                                    .at(Some(file.span_of(&block.labels[0]))),
                            );
                            continue;
                        }
                        for b in block.body.blocks() {
                            diags.push(
                                Diagnostic::error(format!(
                                    "unexpected block {:?} in a module block",
                                    b.ident.as_str()
                                ))
                                .with_detail(
                                    "a module block holds source, for_each or count, and the module's variables as NAME = VALUE",
                                )
                                .at(Some(file.span_of(b))),
                            );
                        }
                        check_required(
                            &block.body,
                            block,
                            file,
                            &["source"],
                            &format!("module {label:?}"),
                            diags,
                        );
                        if let Some(first) = decls.modules.get(label) {
                            diags.push(declared_twice(
                                &format!("module.{label}"),
                                first.span(),
                                file.span_of(block),
                            ));
                        } else {
                            decls
                                .modules
                                .insert(label, ModuleDecl { label, block, file });
                        }
                    }
                }
                "data" => {
                    let [kind, label] = block.labels.as_slice() else {
                        diags.push(
                            Diagnostic::error(format!(
                                "a data block takes two labels, found {}",
                                block.labels.len()
                            ))
                            .with_detail("write data \"warehouse\" \"NAME\" { name = \"...\" }")
                            .at(Some(file.span_of(block))),
                        );
                        continue;
                    };
                    let kinds = super::data::DATA_KINDS;
                    let Some((kind, attrs)) = Kind::parse(kind.as_str())
                        .and_then(|k| kinds.iter().find(|(x, _)| *x == k))
                    else {
                        let names: Vec<&str> = kinds.iter().map(|(k, _)| k.as_str()).collect();
                        let d = Diagnostic::error(format!(
                            "snowform cannot read {:?} objects as data",
                            kind.as_str()
                        ));
                        let d = match suggest::hint(kind.as_str(), names.iter().copied()) {
                            Some(h) => d.with_detail(h),
                            None => d.with_detail(format!("data blocks read {}", names.join(", "))),
                        };
                        diags.push(d.at(Some(file.span_of(kind))));
                        continue;
                    };
                    let label = label.as_str();
                    if !is_valid_label(label) {
                        diags.push(
                            invalid_label(label, "data block")
                                .at(Some(file.span_of(&block.labels[1]))),
                        );
                        continue;
                    }
                    let inside = format!("a data {} block", kind.noun());
                    check_body(&block.body, file, attrs, &[], &inside, diags);
                    check_required(
                        &block.body,
                        block,
                        file,
                        attrs,
                        &format!("data.{kind}.{label}"),
                        diags,
                    );
                    let decl = ResourceDecl {
                        kind: *kind,
                        label,
                        block,
                        file,
                    };
                    if let Some(first) = decls.data.get(&(*kind, label)) {
                        diags.push(declared_twice(
                            &format!("data.{kind}.{label}"),
                            first.span(),
                            file.span_of(block),
                        ));
                    } else {
                        decls.data.insert((*kind, label), decl);
                    }
                }
                "moved" | "import" | "removed" => {
                    let (_, attrs, required, nested) =
                        REFACTORS.iter().find(|r| r.0 == ident).expect("listed");
                    if let Some(l) = block.labels.first() {
                        diags.push(
                            Diagnostic::error(format!("a {ident} block takes no label"))
                                .at(Some(file.span_of(l))),
                        );
                        continue;
                    }
                    let inside = format!("a {ident} block");
                    check_body(&block.body, file, attrs, nested, &inside, diags);
                    check_required(&block.body, block, file, required, &inside, diags);
                    for l in block.body.get_blocks("lifecycle") {
                        check_body(
                            &l.body,
                            file,
                            &["destroy"],
                            &[],
                            "a removed block's lifecycle",
                            diags,
                        );
                    }
                    decls.refactors.push(RefactorDecl { block, file });
                }
                "locals" => {
                    if !block.labels.is_empty() {
                        diags.push(
                            Diagnostic::error("a locals block takes no label")
                                .with_detail("write locals { NAME = VALUE }")
                                .at(Some(file.span_of(&block.labels[0]))),
                        );
                    }
                    for s in block.body.iter() {
                        match s {
                            Structure::Attribute(attr) => {
                                let name = attr.key.as_str();
                                if let Some(first) = decls.locals.get(name) {
                                    diags.push(declared_twice(
                                        &format!("local.{name}"),
                                        first.file.span_of(first.attr),
                                        file.span_of(attr),
                                    ));
                                } else {
                                    decls.locals.insert(name, LocalDecl { attr, file });
                                }
                            }
                            Structure::Block(b) => diags.push(
                                Diagnostic::error(format!(
                                    "unexpected block {:?} in locals",
                                    b.ident.as_str()
                                ))
                                .with_detail("a locals block holds only NAME = VALUE attributes")
                                .at(Some(file.span_of(b))),
                            ),
                        }
                    }
                }
                "backend" => {
                    let here = file.span_of(block);
                    if let Some(first) = &backend_span {
                        diags.push(
                            Diagnostic::error("a configuration has at most one backend block")
                                .with_detail(format!("the first is at {first}"))
                                .at(Some(here)),
                        );
                        continue;
                    }
                    backend_span = Some(here);
                    if let Some(kind) = one_label(block, file, "backend \"local\" { ... }", diags) {
                        match BACKENDS.iter().find(|(k, _, _)| *k == kind) {
                            Some((_, attrs, required)) => {
                                check_body(
                                    &block.body,
                                    file,
                                    attrs,
                                    &[],
                                    &format!("a {kind} backend"),
                                    diags,
                                );
                                check_required(
                                    &block.body,
                                    block,
                                    file,
                                    required,
                                    &format!("backend {kind:?}"),
                                    diags,
                                );
                                decls.backend = Some(BackendDecl { kind, block, file });
                            }
                            None => {
                                let d = Diagnostic::error(format!("unknown backend {kind:?}"));
                                let d = match suggest::hint(kind, BACKENDS.iter().map(|b| b.0)) {
                                    Some(h) => d.with_detail(h),
                                    None => d.with_detail(
                                        "the backends are \"local\" and \"snowflake\"",
                                    ),
                                };
                                diags.push(d.at(Some(file.span_of(&block.labels[0]))));
                            }
                        }
                    }
                }
                other => match Kind::parse(other) {
                    Some(kind) => {
                        let example = format!("{other} \"NAME\" {{ ... }}");
                        if let Some(label) = one_label(block, file, &example, diags) {
                            if !is_valid_label(label) {
                                diags.push(
                                    invalid_label(label, "block")
                                        .at(Some(file.span_of(&block.labels[0]))),
                                );
                                continue;
                            }
                            check_resource(kind, block, file, diags);
                            let decl = ResourceDecl {
                                kind,
                                label,
                                block,
                                file,
                            };
                            if let Some(first) = decls.resources.get(&(kind, label)) {
                                diags.push(declared_twice(
                                    &format!("{kind}.{label}"),
                                    first.span(),
                                    file.span_of(block),
                                ));
                            } else {
                                decls.resources.insert((kind, label), decl);
                            }
                        }
                    }
                    None => diags.push(unknown_block_type(other).at(Some(file.span_of(block)))),
                },
            }
        }
    }
    decls
}

fn unknown_block_type(name: &str) -> Diagnostic {
    let d = Diagnostic::error(format!("unknown block type {name:?}"));
    let candidates = Kind::ALL
        .iter()
        .map(|k| k.as_str())
        .chain(TOP_LEVEL.iter().copied());
    match (name, suggest::hint(name, candidates)) {
        ("resource", _) => d.with_detail(
            "write the kind as the block type, for example warehouse \"compute\" { ... }",
        ),
        ("provider" | "terraform", _) => d.with_detail(
            "connections are chosen with --connection; state is configured with a backend block",
        ),
        (_, Some(h)) => d.with_detail(h),
        _ => d.with_detail(format!(
            "the block types are: {}",
            TOP_LEVEL
                .iter()
                .copied()
                .chain(Kind::ALL.iter().map(|k| k.as_str()))
                .collect::<Vec<_>>()
                .join(", ")
        )),
    }
}

fn invalid_label(label: &str, what: &str) -> Diagnostic {
    let article = if what.starts_with(['a', 'e', 'i', 'o', 'u']) {
        "an"
    } else {
        "a"
    };
    Diagnostic::error(format!("{label:?} cannot name {article} {what}")).with_detail(format!(
        "{article} {what}'s name starts with a letter or `_` and holds only letters, digits, `_` and `-`"
    ))
}

fn declared_twice(what: &str, first: Span, second: Span) -> Diagnostic {
    Diagnostic::error(format!("{what} is declared twice"))
        .with_detail(format!(
            "it is first declared at {first}; rename or remove one of them"
        ))
        .at(Some(second))
}

/// The one label of a block, or a report that it has another number.
fn one_label<'a>(
    block: &'a Block,
    file: &SourceFile,
    example: &str,
    diags: &mut Diagnostics,
) -> Option<&'a str> {
    match block.labels.as_slice() {
        [label] => Some(label.as_str()),
        labels => {
            let at = labels
                .get(1)
                .map_or_else(|| file.span_of(block), |l| file.span_of(l));
            diags.push(
                Diagnostic::error(format!(
                    "a {} block takes exactly one label, found {}",
                    block.ident.as_str(),
                    labels.len()
                ))
                .with_detail(format!("write {example}"))
                .at(Some(at)),
            );
            None
        }
    }
}

/// Report attributes and nested blocks that `body` may not hold.
fn check_body(
    body: &Body,
    file: &SourceFile,
    attrs: &[&str],
    blocks: &[&str],
    inside: &str,
    diags: &mut Diagnostics,
) {
    check_body_except(body, file, attrs, blocks, inside, &[], diags);
}

/// [`check_body`], leaving out attributes that are reported otherwise.
fn check_body_except(
    body: &Body,
    file: &SourceFile,
    attrs: &[&str],
    blocks: &[&str],
    inside: &str,
    reported: &[&str],
    diags: &mut Diagnostics,
) {
    for s in body.iter() {
        match s {
            Structure::Attribute(a)
                if !attrs.contains(&a.key.as_str()) && !reported.contains(&a.key.as_str()) =>
            {
                let name = a.key.as_str();
                let mut d = Diagnostic::error(format!("unknown attribute {name:?} in {inside}"));
                d = match suggest::hint(name, attrs.iter().copied()) {
                    Some(h) => d.with_detail(h),
                    None if attrs.is_empty() => {
                        d.with_detail(format!("{inside} takes no attributes"))
                    }
                    None => d.with_detail(format!("the attributes are: {}", attrs.join(", "))),
                };
                diags.push(d.at(Some(file.span_of(&a.key))));
            }
            Structure::Block(b) if !blocks.contains(&b.ident.as_str()) => {
                let name = b.ident.as_str();
                let mut d = Diagnostic::error(format!("unexpected block {name:?} in {inside}"));
                if let Some(h) = suggest::hint(name, blocks.iter().copied()) {
                    d = d.with_detail(h);
                } else if attrs.contains(&name) {
                    d = d.with_detail(format!("{name} is an attribute: write {name} = ..."));
                }
                diags.push(d.at(Some(file.span_of(b))));
            }
            _ => {}
        }
    }
}

fn check_required(
    body: &Body,
    block: &Block,
    file: &SourceFile,
    required: &[&str],
    what: &str,
    diags: &mut Diagnostics,
) {
    for name in required {
        if !body.has_attribute(name) {
            diags.push(
                Diagnostic::error(format!("{what} is missing the required attribute {name:?}"))
                    .at(Some(file.span_of(block))),
            );
        }
    }
}

fn check_variable(block: &Block, file: &SourceFile, diags: &mut Diagnostics) {
    check_body(
        &block.body,
        file,
        VARIABLE_ATTRS,
        &["validation"],
        "a variable block",
        diags,
    );
    for v in block.body.get_blocks("validation") {
        if let Some(l) = v.labels.first() {
            diags.push(
                Diagnostic::error("a validation block takes no label").at(Some(file.span_of(l))),
            );
        }
        check_body(
            &v.body,
            file,
            VALIDATION_ATTRS,
            &[],
            "a validation block",
            diags,
        );
        check_required(
            &v.body,
            v,
            file,
            VALIDATION_ATTRS,
            "a validation block",
            diags,
        );
    }
}

fn check_resource(kind: Kind, block: &Block, file: &SourceFile, diags: &mut Diagnostics) {
    let s = schema(kind);
    let label = block.labels.first().map(|l| l.as_str()).unwrap_or_default();
    let what = format!("{kind}.{label}");
    let mut attrs: Vec<&str> = s.user_attrs().map(|a| a.name).collect();
    attrs.extend(META_ARGUMENTS);
    let mut blocks: Vec<&str> = s.blocks.iter().map(|b| b.name).collect();
    blocks.extend(META_BLOCKS);
    if !s.blocks.is_empty() {
        blocks.push("dynamic");
    }
    for a in block.body.attributes() {
        if let Some(derived) = s.attr(a.key.as_str()).filter(|x| x.role == Role::Derived) {
            diags.push(
                Diagnostic::error(format!(
                    "{:?} cannot be set: snowform works it out",
                    derived.name
                ))
                .with_detail(derived.doc)
                .at(Some(file.span_of(&a.key))),
            );
        }
    }
    // Derived attributes are reported above, not as unknown.
    let derived: Vec<&str> = s
        .attrs
        .iter()
        .filter(|a| a.role == Role::Derived)
        .map(|a| a.name)
        .collect();
    check_body_except(
        &block.body,
        file,
        &attrs,
        &blocks,
        &format!("a {} block", kind.noun()),
        &derived,
        diags,
    );
    let required: Vec<&str> = s
        .user_attrs()
        .filter(|a| a.required)
        .map(|a| a.name)
        .collect();
    check_required(&block.body, block, file, &required, &what, diags);
    let mut lifecycle_seen = false;
    for b in block.body.blocks() {
        match b.ident.as_str() {
            "lifecycle" => {
                if lifecycle_seen {
                    diags.push(
                        Diagnostic::error(format!("{what} has more than one lifecycle block"))
                            .at(Some(file.span_of(b))),
                    );
                }
                lifecycle_seen = true;
                if let Some(l) = b.labels.first() {
                    diags.push(
                        Diagnostic::error("a lifecycle block takes no label")
                            .at(Some(file.span_of(l))),
                    );
                }
                check_body(
                    &b.body,
                    file,
                    LIFECYCLE_ATTRS,
                    &[],
                    "a lifecycle block",
                    diags,
                );
            }
            "dynamic" => check_dynamic(s, b, file, diags),
            name => {
                let Some(nested) = s.block(name) else {
                    continue;
                };
                if b.labels.len() != 1 {
                    diags.push(
                        Diagnostic::error(format!(
                            "a {name} block takes exactly one label, the {}",
                            nested.label
                        ))
                        .with_detail(format!("write {name} \"V1\" {{ ... }}"))
                        .at(Some(file.span_of(b))),
                    );
                }
                let attrs: Vec<&str> = nested.attrs.iter().map(|a| a.name).collect();
                check_body(
                    &b.body,
                    file,
                    &attrs,
                    &[],
                    &format!("a {name} block"),
                    diags,
                );
                let required: Vec<&str> = nested
                    .attrs
                    .iter()
                    .filter(|a| a.required)
                    .map(|a| a.name)
                    .collect();
                let nested_label = b.labels.first().map(|l| l.as_str()).unwrap_or_default();
                check_required(
                    &b.body,
                    b,
                    file,
                    &required,
                    &format!("{name} {nested_label:?} of {what}"),
                    diags,
                );
            }
        }
    }
}

/// `dynamic "version" { for_each = ..., iterator = v, labels = [...], content { ... } }`:
/// one nested block of the kind per element, written as its `content`.
fn check_dynamic(
    schema: &crate::model::schema::KindSchema,
    block: &Block,
    file: &SourceFile,
    diags: &mut Diagnostics,
) {
    let names: Vec<&str> = schema.blocks.iter().map(|n| n.name).collect();
    let Some(nested) = block.labels.first().and_then(|l| schema.block(l.as_str())) else {
        diags.push(
            Diagnostic::error("a dynamic block's label names the nested block it writes")
                .with_detail(format!(
                    "write dynamic \"{}\" {{ ... }}",
                    names.join("\" or \"")
                ))
                .at(Some(
                    block
                        .labels
                        .first()
                        .map_or_else(|| file.span_of(block), |l| file.span_of(l)),
                )),
        );
        return;
    };
    check_body(
        &block.body,
        file,
        &["for_each", "iterator", "labels"],
        &["content"],
        "a dynamic block",
        diags,
    );
    check_required(
        &block.body,
        block,
        file,
        &["for_each", "labels"],
        "a dynamic block",
        diags,
    );
    let contents: Vec<&Block> = block.body.get_blocks("content").collect();
    if contents.len() != 1 {
        diags.push(
            Diagnostic::error(format!(
                "a dynamic block holds exactly one content block, found {}",
                contents.len()
            ))
            .with_detail(format!(
                "write content {{ ... }} with the attributes of a {} block",
                nested.name
            ))
            .at(Some(file.span_of(block))),
        );
        return;
    }
    let attrs: Vec<&str> = nested.attrs.iter().map(|a| a.name).collect();
    check_body(
        &contents[0].body,
        file,
        &attrs,
        &[],
        &format!("the content of a dynamic {} block", nested.name),
        diags,
    );
}
