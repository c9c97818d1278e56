//! Parameters are named for what they hold. A one-letter parameter name in a function's
//! signature (`x: &Exec`, `c: &mut Cursor`) says nothing to a reader of the body; this test
//! reads every `fn` of `src/` and fails naming file:line for each one. Closures (`|c| ...`)
//! and locals are not signatures and are left alone.
//!
//! The directories not renamed yet are listed in `NOT_YET`; the list only shrinks.

use std::fs;
use std::path::{Path, PathBuf};

/// Directories (or files) of `src/` whose signatures still have one-letter parameters.
/// Remove an entry once its signatures are renamed; the test fails on an entry that has
/// nothing left to allow, so the list stays true.
const NOT_YET: &[&str] = &[];

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = fs::read_dir(dir)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|ext| ext == "rs") {
            out.push(path);
        }
    }
}

/// The source with comments, string and character literals blanked out (newlines kept,
/// so byte offsets still give line numbers), so that only code is read.
fn code_only(source: &str) -> Vec<u8> {
    let bytes = source.as_bytes();
    let mut out = bytes.to_vec();
    let blank = |out: &mut Vec<u8>, from: usize, to: usize| {
        for byte in &mut out[from..to.min(bytes.len())] {
            if *byte != b'\n' {
                *byte = b' ';
            }
        }
    };
    let mut at = 0;
    while at < bytes.len() {
        let rest = &bytes[at..];
        if rest.starts_with(b"//") {
            let end = rest
                .iter()
                .position(|&b| b == b'\n')
                .map_or(bytes.len(), |n| at + n);
            blank(&mut out, at, end);
            at = end;
        } else if rest.starts_with(b"/*") {
            let (mut depth, mut end) = (1, at + 2);
            while depth > 0 && end < bytes.len() {
                if bytes[end..].starts_with(b"/*") {
                    depth += 1;
                    end += 2;
                } else if bytes[end..].starts_with(b"*/") {
                    depth -= 1;
                    end += 2;
                } else {
                    end += 1;
                }
            }
            blank(&mut out, at, end);
            at = end;
        } else if (rest.starts_with(b"r#") || rest.starts_with(b"r\""))
            && (at == 0 || !is_ident(bytes[at - 1]))
        {
            // A raw string: r"..." or r#"..."#, closed by a quote and as many hashes.
            let hashes = rest[1..].iter().take_while(|&&b| b == b'#').count();
            if rest.get(1 + hashes) != Some(&b'"') {
                at += 1;
                continue;
            }
            let mut closing = vec![b'"'];
            closing.extend(std::iter::repeat_n(b'#', hashes));
            let body = at + 2 + hashes;
            let end = bytes[body..]
                .windows(closing.len())
                .position(|w| w == closing.as_slice())
                .map_or(bytes.len(), |n| body + n + closing.len());
            blank(&mut out, at, end);
            at = end;
        } else if rest[0] == b'"' {
            let mut end = at + 1;
            while end < bytes.len() && bytes[end] != b'"' {
                end += if bytes[end] == b'\\' { 2 } else { 1 };
            }
            blank(&mut out, at, end + 1);
            at = end + 1;
        } else if rest[0] == b'\'' {
            // A character literal ('a', '\n', '\''), not a lifetime ('a).
            let len = if rest.get(1) == Some(&b'\\') {
                rest[2..].iter().position(|&b| b == b'\'').map(|n| n + 3)
            } else {
                let width = source[at + 1..].chars().next().map_or(1, char::len_utf8);
                (rest.get(1 + width) == Some(&b'\'')).then_some(width + 2)
            };
            match len {
                Some(len) => {
                    blank(&mut out, at, at + len);
                    at += len;
                }
                None => at += 1,
            }
        } else {
            at += 1;
        }
    }
    out
}

fn is_ident(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || byte == b'_'
}

/// The byte offsets of the one-letter parameter names in the signatures of `code`.
fn one_letter_parameters(code: &[u8]) -> Vec<usize> {
    let mut found = Vec::new();
    let mut at = 0;
    while let Some(n) = code[at..].windows(3).position(|w| w == b"fn ") {
        let start = at + n;
        at = start + 3;
        if start > 0 && is_ident(code[start - 1]) {
            continue;
        }
        // fn NAME [<generics>] (
        let mut cursor = at;
        while code.get(cursor).is_some_and(|b| b.is_ascii_whitespace()) {
            cursor += 1;
        }
        let name_start = cursor;
        while code.get(cursor).is_some_and(|&b| is_ident(b)) {
            cursor += 1;
        }
        if cursor == name_start {
            continue; // `fn(` as a type
        }
        let mut depth = 0usize;
        while cursor < code.len() {
            match code[cursor] {
                b'<' => depth += 1,
                b'>' if code[cursor - 1] != b'-' => depth = depth.saturating_sub(1),
                b'(' if depth == 0 => break,
                b'{' | b';' if depth == 0 => break,
                _ => {}
            }
            cursor += 1;
        }
        if code.get(cursor) != Some(&b'(') {
            continue;
        }
        // The parameters: split at the commas outside any bracket.
        let mut depth = 0usize;
        let mut param_start = cursor + 1;
        cursor += 1;
        while cursor < code.len() {
            let byte = code[cursor];
            let ends = match byte {
                b'(' | b'[' | b'{' | b'<' => {
                    depth += 1;
                    false
                }
                b'>' if code[cursor - 1] == b'-' || code[cursor - 1] == b'=' => false,
                b')' | b']' | b'}' | b'>' if depth > 0 => {
                    depth -= 1;
                    false
                }
                b')' => true,
                b',' => depth == 0,
                _ => false,
            };
            if ends {
                if let Some(offset) = one_letter_name(code, param_start, cursor) {
                    found.push(offset);
                }
                param_start = cursor + 1;
                if byte == b')' {
                    break;
                }
            }
            cursor += 1;
        }
        at = cursor;
    }
    found
}

/// The offset of a parameter's name when it is one letter: `x: T` or `mut x: T`.
fn one_letter_name(code: &[u8], from: usize, to: usize) -> Option<usize> {
    let param = std::str::from_utf8(&code[from..to]).ok()?;
    let colon = param.match_indices(':').find(|(i, _)| {
        param.as_bytes().get(i + 1) != Some(&b':') && (*i == 0 || param.as_bytes()[i - 1] != b':')
    })?;
    let pattern = param[..colon.0].trim();
    let name = pattern.strip_prefix("mut ").unwrap_or(pattern).trim();
    let is_one_letter = name.len() == 1 && name.as_bytes()[0].is_ascii_lowercase();
    is_one_letter.then(|| from + param.find(name).unwrap_or(0))
}

fn line_of(code: &[u8], offset: usize) -> usize {
    code[..offset].iter().filter(|&&b| b == b'\n').count() + 1
}

#[test]
fn no_signature_has_a_one_letter_parameter() {
    let root = root();
    let mut files = Vec::new();
    rust_files(&root.join("src"), &mut files);
    let mut found = Vec::new();
    let mut allowed_used = vec![false; NOT_YET.len()];
    for path in &files {
        let relative = path
            .strip_prefix(&root)
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/");
        let source = fs::read_to_string(path).unwrap();
        let code = code_only(&source);
        let offsets = one_letter_parameters(&code);
        if offsets.is_empty() {
            continue;
        }
        if let Some(i) = NOT_YET.iter().position(|dir| relative.starts_with(dir)) {
            allowed_used[i] = true;
            continue;
        }
        for offset in offsets {
            let name = code[offset] as char;
            found.push(format!("{relative}:{}: `{name}`", line_of(&code, offset)));
        }
    }
    assert!(
        found.is_empty(),
        "{} one-letter parameter names in signatures; name each for what it holds:\n{}",
        found.len(),
        found.join("\n")
    );
    let stale: Vec<&str> = NOT_YET
        .iter()
        .zip(&allowed_used)
        .filter(|(_, used)| !**used)
        .map(|(dir, _)| *dir)
        .collect();
    assert!(
        stale.is_empty(),
        "these entries of NOT_YET have no one-letter parameter left: remove them: {stale:?}"
    );
}

/// The scanner itself: what it finds and what it leaves alone.
#[test]
fn the_scanner_finds_one_letter_parameters_in_signatures_only() {
    let source = r#"
fn plain(x: &Exec, cursor: &mut Cursor) {}
fn generic<'a, T: Into<String>>(
    name: T,
    mut c: &'a str,
) -> Result<(), String> {
    let f = |y: u8| y + 1;
    // fn commented(z: u8) {}
    let s = "fn quoted(q: u8)";
    Ok(())
}
fn callback(visit: impl Fn(&str) -> bool, n: usize) {}
fn paths(path: std::path::PathBuf) {}
"#;
    let code = code_only(source);
    let names: Vec<(usize, char)> = one_letter_parameters(&code)
        .into_iter()
        .map(|offset| (line_of(&code, offset), code[offset] as char))
        .collect();
    assert_eq!(names, [(2, 'x'), (5, 'c'), (12, 'n')]);
}
