//! The configuration files: finding them, reading them and parsing them into syntax trees
//! that keep byte positions, so every later message can point at FILE:LINE:COL.

use crate::diag::{Diagnostic, Diagnostics, LineIndex, Span};
use hcl_edit::structure::Body;
use std::path::{Path, PathBuf};

/// One configuration file as read from disk.
#[derive(Debug)]
pub(crate) struct SourceFile {
    /// The name shown in messages: relative to the configuration directory.
    pub name: String,
    pub path: PathBuf,
    pub text: String,
    /// Line starts: a position is asked for every attribute, errors or not.
    lines: LineIndex,
}

impl SourceFile {
    pub fn new(name: impl Into<String>, path: PathBuf, text: impl Into<String>) -> SourceFile {
        let text = text.into();
        SourceFile {
            name: name.into(),
            path,
            lines: LineIndex::new(&text),
            text,
        }
    }

    /// The position of byte `offset`.
    pub fn span(&self, offset: usize) -> Span {
        self.lines.span(&self.name, &self.text, offset)
    }

    /// The position where a parsed node starts.
    pub(crate) fn span_of(&self, node: &impl hcl_edit::Span) -> Span {
        self.span(node.span().map_or(0, |r| r.start))
    }
}

/// A file and its syntax tree.
#[derive(Debug)]
pub(crate) struct ParsedFile {
    pub source: SourceFile,
    pub body: Body,
}

/// The `*.hcl` files of `dir` but `*.vars.hcl`, sorted by name.
pub(crate) fn read_dir(dir: &Path) -> Result<Vec<SourceFile>, Diagnostic> {
    read_dir_as(dir, "")
}

/// [`read_dir`], each file named `prefix` + its name in messages: a module's files are
/// named by their path from the configuration directory (`modules/fs/main.hcl`).
pub(crate) fn read_dir_as(dir: &Path, prefix: &str) -> Result<Vec<SourceFile>, Diagnostic> {
    let entries = std::fs::read_dir(dir).map_err(|e| {
        let summary = if e.kind() == std::io::ErrorKind::NotFound {
            format!(
                "the configuration directory {} does not exist",
                dir.display()
            )
        } else {
            format!(
                "cannot read the configuration directory {}: {e}",
                dir.display()
            )
        };
        Diagnostic::error(summary)
            .with_detail("pass the directory that holds your *.hcl files with -C DIR")
    })?;
    let mut paths = Vec::new();
    for entry in entries {
        let entry =
            entry.map_err(|e| Diagnostic::error(format!("cannot list {}: {e}", dir.display())))?;
        let path = entry.path();
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy())
            .unwrap_or_default();
        // `*.vars.hcl` files hold variable values (for --var-file or a workspace), as
        // Terraform's `*.tfvars` do: never configuration.
        let is_hcl = name.ends_with(".hcl") && !name.ends_with(".vars.hcl");
        if is_hcl && path.is_file() {
            paths.push(path);
        }
    }
    if paths.is_empty() {
        return Err(Diagnostic::error(format!("no configuration files in {}", dir.display())).with_detail(
            "snowform reads every *.hcl file in the configuration directory: write one (for example main.hcl), or pass the right directory with -C DIR",
        ));
    }
    paths.sort();
    let mut files = Vec::with_capacity(paths.len());
    for path in paths {
        let name = format!(
            "{prefix}{}",
            path.file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default()
        );
        let bytes = std::fs::read(&path)
            .map_err(|e| Diagnostic::error(format!("cannot read {}: {e}", path.display())))?;
        let text = String::from_utf8(bytes).map_err(|_| {
            Diagnostic::error(format!("{name} is not UTF-8 text"))
                .with_detail("save the file as UTF-8")
                .at(Some(Span::new(name.clone(), 1, 1)))
        })?;
        files.push(SourceFile::new(name, path, text));
    }
    Ok(files)
}

/// Parse HCL text, reporting a syntax error at its position.
pub(crate) fn parse_body(file: &SourceFile) -> Result<Body, Diagnostic> {
    hcl_edit::parser::parse_body(&file.text).map_err(|e| syntax_error(&file.name, &e))
}

pub(crate) fn syntax_error(file: &str, error: &hcl_edit::parser::Error) -> Diagnostic {
    let loc = error.location();
    Diagnostic::error(format!("syntax error: {}", error.message()))
        .with_detail(format!(
            "in the line: {}",
            crate::diag::excerpt_around(
                error.line().trim_end(),
                loc.column(),
                crate::diag::EXCERPT
            )
        ))
        .at(Some(Span::new(
            file,
            loc.line() as u32,
            loc.column() as u32,
        )))
}

/// Parse every file; files with syntax errors are reported and left out. Files are parsed
/// on every core (a file's parse depends on nothing else); results keep the files' order.
pub(crate) fn parse_all(files: Vec<SourceFile>) -> (Vec<ParsedFile>, Diagnostics) {
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(files.len().div_ceil(4))
        .max(1);
    let results: Vec<Result<Body, Diagnostic>> = if threads == 1 {
        files.iter().map(parse_body).collect()
    } else {
        let chunk = files.len().div_ceil(threads);
        std::thread::scope(|s| {
            let handles: Vec<_> = files
                .chunks(chunk)
                .map(|part| s.spawn(move || part.iter().map(parse_body).collect::<Vec<_>>()))
                .collect();
            handles
                .into_iter()
                .flat_map(|h| h.join().expect("a parser thread panicked"))
                .collect()
        })
    };
    let mut diags = Diagnostics::new();
    let mut parsed = Vec::with_capacity(files.len());
    for (source, result) in files.into_iter().zip(results) {
        match result {
            Ok(body) => parsed.push(ParsedFile { source, body }),
            Err(d) => diags.push(d),
        }
    }
    (parsed, diags)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_parsed_at_once_keep_their_order_and_their_errors_theirs() {
        let files: Vec<SourceFile> = (0..23)
            .map(|i| {
                let name = format!("f{i:02}.hcl");
                let text = if i % 7 == 3 {
                    format!("schema \"s{i}\" {{\n  name = \n")
                } else {
                    format!("schema \"s{i}\" {{\n  name = \"S{i}\"\n}}\n")
                };
                SourceFile::new(name.clone(), PathBuf::from(&name), text)
            })
            .collect();
        let (parsed, diags) = parse_all(files);
        let names: Vec<&str> = parsed.iter().map(|p| p.source.name.as_str()).collect();
        let expected: Vec<String> = (0..23)
            .filter(|i| i % 7 != 3)
            .map(|i| format!("f{i:02}.hcl"))
            .collect();
        assert_eq!(names, expected);
        for p in &parsed {
            let label = p.body.get_blocks("schema").next().unwrap().labels[0].as_str();
            assert_eq!(
                format!("f{:02}.hcl", &label[1..].parse::<u32>().unwrap()),
                p.source.name
            );
        }
        let at: Vec<String> = diags
            .iter()
            .map(|d| d.span.as_ref().unwrap().file.clone())
            .collect();
        assert_eq!(at, ["f03.hcl", "f10.hcl", "f17.hcl"]);
    }
}
