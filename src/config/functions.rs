//! The built-in functions a configuration may call (`upper`, `format`, `file`, ...).
//! Each is a plain function from argument values to a value; hcl-rs checks the parameter
//! types declared here before calling.

use hcl::eval::{Context, FuncArgs, FuncDef, ParamType};
use hcl::{Map, Value};
use std::cell::RefCell;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The names of every built-in function, for "did you mean" hints.
pub(crate) const NAMES: &[&str] = &[
    "coalesce",
    "concat",
    "contains",
    "file",
    "format",
    "join",
    "jsondecode",
    "jsonencode",
    "keys",
    "length",
    "lookup",
    "lower",
    "merge",
    "replace",
    "split",
    "tolist",
    "tonumber",
    "toset",
    "tostring",
    "trimspace",
    "upper",
    "values",
];

/// Declare every built-in function in `ctx`.
pub(crate) fn declare(ctx: &mut Context) {
    use ParamType::{Any, Array, Object, String as Str};
    let any_list = || Array(Box::new(Any));
    let any_map = || Object(Box::new(Any));
    let f = |params: Vec<ParamType>, func: hcl::eval::Func| FuncDef::new(func, params);
    let variadic = |params: Vec<ParamType>, rest: ParamType, func: hcl::eval::Func| {
        FuncDef::builder()
            .params(params)
            .variadic_param(rest)
            .build(func)
    };
    ctx.declare_func(
        "upper",
        f(vec![Str], |a| Ok(Value::from(text(&a[0])?.to_uppercase()))),
    );
    ctx.declare_func(
        "lower",
        f(vec![Str], |a| Ok(Value::from(text(&a[0])?.to_lowercase()))),
    );
    ctx.declare_func(
        "trimspace",
        f(vec![Str], |a| Ok(Value::from(text(&a[0])?.trim()))),
    );
    ctx.declare_func("format", variadic(vec![Str], Any, format));
    ctx.declare_func("join", variadic(vec![Str], any_list(), join));
    ctx.declare_func("split", f(vec![Str, Str], split));
    ctx.declare_func("concat", variadic(vec![], any_list(), concat));
    ctx.declare_func(
        "merge",
        variadic(vec![], ParamType::nullable(any_map()), merge),
    );
    ctx.declare_func("lookup", variadic(vec![any_map(), Str], Any, lookup));
    ctx.declare_func("coalesce", variadic(vec![], Any, coalesce));
    ctx.declare_func("replace", f(vec![Str, Str, Str], replace));
    ctx.declare_func(
        "jsonencode",
        f(vec![Any], |a| Ok(Value::from(json_text(&a[0])))),
    );
    ctx.declare_func("jsondecode", f(vec![Str], jsondecode));
    ctx.declare_func("file", f(vec![Str], file));
    ctx.declare_func("length", f(vec![Any], length));
    ctx.declare_func("keys", f(vec![any_map()], keys));
    ctx.declare_func("values", f(vec![any_map()], values));
    ctx.declare_func(
        "contains",
        f(vec![any_list(), Any], |a| {
            Ok(Value::Bool(list(&a[0])?.contains(&a[1])))
        }),
    );
    ctx.declare_func("tostring", f(vec![Any], tostring));
    ctx.declare_func("tonumber", f(vec![Any], tonumber));
    ctx.declare_func("toset", f(vec![any_list()], toset));
    ctx.declare_func("tolist", f(vec![any_list()], |a| Ok(a[0].clone())));
}

thread_local! {
    /// The configuration directory that `file()` reads relative to.
    static BASE_DIR: RefCell<Option<PathBuf>> = const { RefCell::new(None) };
}

/// While alive, `file()` on this thread reads relative to `dir`.
///
/// hcl-rs takes functions as plain `fn` pointers, which cannot capture the directory, and a
/// path computed at run time (`file("${var.dir}/x.sql")`) cannot be rewritten before
/// evaluation; so the directory is passed beside the call, for the duration of one load.
pub(crate) struct BaseDirGuard {
    previous: Option<PathBuf>,
}

impl BaseDirGuard {
    pub(crate) fn enter(dir: &Path) -> BaseDirGuard {
        let previous = BASE_DIR.with(|d| d.replace(Some(dir.to_path_buf())));
        BaseDirGuard { previous }
    }
}

impl Drop for BaseDirGuard {
    fn drop(&mut self) {
        let previous = self.previous.take();
        BASE_DIR.with(|d| *d.borrow_mut() = previous);
    }
}

fn text(value: &Value) -> Result<&str, String> {
    value
        .as_str()
        .ok_or_else(|| format!("expected a string, got {}", describe(value)))
}

fn list(value: &Value) -> Result<&Vec<Value>, String> {
    value
        .as_array()
        .ok_or_else(|| format!("expected a list, got {}", describe(value)))
}

/// How a value reads in messages: "a string", "a list".
pub(crate) fn describe(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a bool",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

/// A primitive value as text, the way templates print it.
pub(crate) fn primitive_text(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// A value as serde JSON, with object keys sorted.
pub(crate) fn to_json(value: &Value) -> serde_json::Value {
    match value {
        Value::Null => serde_json::Value::Null,
        Value::Bool(b) => serde_json::Value::Bool(*b),
        Value::Number(n) => match (n.as_i64(), n.as_f64()) {
            (Some(i), _) => serde_json::Value::from(i),
            (None, Some(f)) => serde_json::Number::from_f64(f)
                .map_or(serde_json::Value::Null, serde_json::Value::Number),
            _ => serde_json::Value::Null,
        },
        Value::String(s) => serde_json::Value::String(s.clone()),
        Value::Array(a) => serde_json::Value::Array(a.iter().map(to_json).collect()),
        Value::Object(o) => {
            let sorted: BTreeMap<&String, &Value> = o.iter().collect();
            serde_json::Value::Object(
                sorted
                    .into_iter()
                    .map(|(k, v)| (k.clone(), to_json(v)))
                    .collect(),
            )
        }
    }
}

/// A serde JSON value as an HCL value.
pub(crate) fn from_json(value: serde_json::Value) -> Value {
    match value {
        serde_json::Value::Null => Value::Null,
        serde_json::Value::Bool(b) => Value::Bool(b),
        serde_json::Value::Number(n) => match (n.as_i64(), n.as_f64()) {
            (Some(i), _) => Value::from(i),
            (None, Some(f)) => Value::from(f),
            _ => Value::Null,
        },
        serde_json::Value::String(s) => Value::String(s),
        serde_json::Value::Array(a) => Value::Array(a.into_iter().map(from_json).collect()),
        serde_json::Value::Object(o) => {
            Value::Object(o.into_iter().map(|(k, v)| (k, from_json(v))).collect())
        }
    }
}

pub(crate) fn json_text(value: &Value) -> String {
    serde_json::to_string(&to_json(value)).expect("JSON values serialise")
}

/// printf-style formatting: `%s`, `%d`, `%f`, `%t`, `%v`, `%q` and `%%`.
fn format(args: FuncArgs) -> Result<Value, String> {
    let spec = text(&args[0])?;
    let mut rest = args.iter().skip(1);
    let mut out = String::new();
    let mut chars = spec.chars();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        let verb = chars
            .next()
            .ok_or("the format ends with a lone %; write %% for a percent sign")?;
        if verb == '%' {
            out.push('%');
            continue;
        }
        let arg = rest
            .next()
            .ok_or_else(|| format!("not enough arguments for the verbs in {spec:?}"))?;
        match verb {
            's' => out.push_str(
                &primitive_text(arg)
                    .ok_or_else(|| format!("%s cannot format {}", describe(arg)))?,
            ),
            'd' => match arg
                .as_i64()
                .or_else(|| arg.as_str().and_then(|s| s.trim().parse().ok()))
            {
                Some(i) => out.push_str(&i.to_string()),
                None => return Err(format!("%d needs a whole number, got {}", describe(arg))),
            },
            'f' => match arg
                .as_f64()
                .or_else(|| arg.as_str().and_then(|s| s.trim().parse().ok()))
            {
                Some(x) => out.push_str(&format!("{x:.6}")),
                None => return Err(format!("%f needs a number, got {}", describe(arg))),
            },
            't' => match arg.as_bool() {
                Some(b) => out.push_str(&b.to_string()),
                None => return Err(format!("%t needs a bool, got {}", describe(arg))),
            },
            'q' => {
                let s = primitive_text(arg)
                    .ok_or_else(|| format!("%q cannot format {}", describe(arg)))?;
                out.push_str(&serde_json::to_string(&s).expect("strings serialise"));
            }
            'v' => out.push_str(&primitive_text(arg).unwrap_or_else(|| json_text(arg))),
            other => {
                return Err(format!(
                    "unsupported verb %{other}; use %s, %d, %f, %t, %v, %q or %%"
                ))
            }
        }
    }
    if rest.next().is_some() {
        return Err(format!("too many arguments for the verbs in {spec:?}"));
    }
    Ok(Value::from(out))
}

fn join(args: FuncArgs) -> Result<Value, String> {
    let sep = text(&args[0])?;
    let mut parts = Vec::new();
    for l in args.iter().skip(1) {
        for item in list(l)? {
            parts.push(
                primitive_text(item)
                    .ok_or_else(|| format!("join needs strings, got {}", describe(item)))?,
            );
        }
    }
    Ok(Value::from(parts.join(sep)))
}

fn split(args: FuncArgs) -> Result<Value, String> {
    let (sep, s) = (text(&args[0])?, text(&args[1])?);
    if sep.is_empty() {
        return Err("the separator of split cannot be empty".into());
    }
    if s.is_empty() {
        return Ok(Value::Array(Vec::new()));
    }
    Ok(Value::Array(s.split(sep).map(Value::from).collect()))
}

fn concat(args: FuncArgs) -> Result<Value, String> {
    let mut out = Vec::new();
    for l in args.iter() {
        out.extend(list(l)?.iter().cloned());
    }
    Ok(Value::Array(out))
}

fn merge(args: FuncArgs) -> Result<Value, String> {
    let mut out = Map::new();
    for m in args.iter() {
        if let Value::Object(o) = m {
            for (k, v) in o {
                out.insert(k.clone(), v.clone());
            }
        }
    }
    Ok(Value::Object(out))
}

fn lookup(args: FuncArgs) -> Result<Value, String> {
    let key = text(&args[1])?;
    if args.len() > 3 {
        return Err("lookup takes a map, a key and an optional default".into());
    }
    match args[0].as_object().and_then(|m| m.get(key)) {
        Some(v) => Ok(v.clone()),
        None => args.get(2).cloned().ok_or_else(|| {
            format!("the map has no key {key:?}; pass a default as the third argument")
        }),
    }
}

fn coalesce(args: FuncArgs) -> Result<Value, String> {
    args.iter()
        .find(|v| !v.is_null() && v.as_str() != Some(""))
        .cloned()
        .ok_or_else(|| "every argument of coalesce is null or empty".into())
}

fn replace(args: FuncArgs) -> Result<Value, String> {
    let (s, from, to) = (text(&args[0])?, text(&args[1])?, text(&args[2])?);
    if from.is_empty() {
        return Err("the substring to replace cannot be empty".into());
    }
    Ok(Value::from(s.replace(from, to)))
}

fn jsondecode(args: FuncArgs) -> Result<Value, String> {
    let v: serde_json::Value =
        serde_json::from_str(text(&args[0])?).map_err(|e| format!("not valid JSON: {e}"))?;
    Ok(from_json(v))
}

/// The most `file()` reads: SQL and Python bodies are far smaller, and a configuration
/// must not pull a large file into every plan.
pub(crate) const FILE_LIMIT: u64 = 1024 * 1024;

/// `file(path)`: a file under the configuration directory, and nothing else. A pull request
/// can change the configuration, so an absolute path, a `..` out of the directory or a
/// symbolic link leading out would put any readable file (the process environment, a key)
/// into a plan comment.
fn file(args: FuncArgs) -> Result<Value, String> {
    let rel = text(&args[0])?;
    let base = BASE_DIR
        .with(|d| d.borrow().clone())
        .ok_or("file() is only available while a configuration is loaded")?;
    read_inside(&base, rel).map(Value::from)
}

pub(crate) fn read_inside(base: &Path, rel: &str) -> Result<String, String> {
    use std::io::Read;
    let given = Path::new(rel);
    if given.is_absolute() || given.has_root() {
        return Err(format!(
            "file({rel:?}): file() reads only files inside the configuration directory, and this is an absolute path; copy the file into the configuration directory and name it relative to it"
        ));
    }
    let outside = || {
        format!(
            "file({rel:?}): the path leads out of the configuration directory (through `..` or a symbolic link); file() reads only files inside it: copy the file into the configuration directory"
        )
    };
    // `..` past the directory, said as such even when what it names does not exist.
    let mut depth = 0usize;
    for c in given.components() {
        match c {
            std::path::Component::ParentDir if depth == 0 => return Err(outside()),
            std::path::Component::ParentDir => depth -= 1,
            std::path::Component::Normal(_) => depth += 1,
            _ => {}
        }
    }
    let root = base
        .canonicalize()
        .map_err(|e| format!("file({rel:?}): cannot resolve the configuration directory: {e}"))?;
    let path = root.join(given);
    let real = path
        .canonicalize()
        .map_err(|e| format!("file({rel:?}): cannot read {}: {e}", path.display()))?;
    if !real.starts_with(&root) {
        return Err(outside());
    }
    let meta = std::fs::metadata(&real)
        .map_err(|e| format!("file({rel:?}): cannot read {}: {e}", path.display()))?;
    if !meta.is_file() {
        return Err(format!(
            "file({rel:?}): {} is not a regular file; name a file of the configuration directory",
            path.display()
        ));
    }
    let too_big = || {
        format!(
            "file({rel:?}): the file is larger than {} KiB, the most file() reads; keep large files out of the configuration",
            FILE_LIMIT / 1024
        )
    };
    if meta.len() > FILE_LIMIT {
        return Err(too_big());
    }
    let mut bytes = Vec::new();
    std::fs::File::open(&real)
        .and_then(|f| f.take(FILE_LIMIT + 1).read_to_end(&mut bytes))
        .map_err(|e| format!("file({rel:?}): cannot read {}: {e}", path.display()))?;
    if bytes.len() as u64 > FILE_LIMIT {
        return Err(too_big());
    }
    String::from_utf8(bytes).map_err(|_| {
        format!("file({rel:?}): the file is not UTF-8 text; file() reads text files only")
    })
}

fn length(args: FuncArgs) -> Result<Value, String> {
    match &args[0] {
        Value::String(s) => Ok(Value::from(s.chars().count() as u64)),
        Value::Array(a) => Ok(Value::from(a.len() as u64)),
        Value::Object(o) => Ok(Value::from(o.len() as u64)),
        other => Err(format!(
            "length needs a string, list or map, got {}",
            describe(other)
        )),
    }
}

fn sorted_entries(value: &Value) -> Vec<(&String, &Value)> {
    let mut entries: Vec<_> = value
        .as_object()
        .map(|o| o.iter().collect())
        .unwrap_or_default();
    entries.sort_by(|a, b| a.0.cmp(b.0));
    entries
}

fn keys(args: FuncArgs) -> Result<Value, String> {
    Ok(Value::Array(
        sorted_entries(&args[0])
            .into_iter()
            .map(|(k, _)| Value::from(k.as_str()))
            .collect(),
    ))
}

fn values(args: FuncArgs) -> Result<Value, String> {
    Ok(Value::Array(
        sorted_entries(&args[0])
            .into_iter()
            .map(|(_, v)| v.clone())
            .collect(),
    ))
}

fn tostring(args: FuncArgs) -> Result<Value, String> {
    match &args[0] {
        Value::Null => Ok(Value::Null),
        v => primitive_text(v)
            .map(Value::from)
            .ok_or_else(|| format!("tostring cannot convert {}", describe(v))),
    }
}

fn tonumber(args: FuncArgs) -> Result<Value, String> {
    match &args[0] {
        Value::Null => Ok(Value::Null),
        Value::Number(n) => Ok(Value::Number(*n)),
        Value::String(s) => parse_number(s).ok_or_else(|| format!("{s:?} is not a number")),
        v => Err(format!("tonumber cannot convert {}", describe(v))),
    }
}

/// A number written as text: whole numbers stay whole.
pub(crate) fn parse_number(text: &str) -> Option<Value> {
    let t = text.trim();
    if let Ok(i) = t.parse::<i64>() {
        return Some(Value::from(i));
    }
    t.parse::<f64>()
        .ok()
        .filter(|f| f.is_finite())
        .map(Value::from)
}

fn toset(args: FuncArgs) -> Result<Value, String> {
    Ok(Value::Array(set_of(list(&args[0])?)))
}

/// The distinct elements of a list; strings sorted, as a set of strings iterates.
pub(crate) fn set_of(items: &[Value]) -> Vec<Value> {
    let mut out: Vec<Value> = Vec::new();
    for item in items {
        if !out.contains(item) {
            out.push(item.clone());
        }
    }
    if out.iter().all(|v| v.is_string()) {
        out.sort_by(|a, b| a.as_str().cmp(&b.as_str()));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use hcl::eval::Evaluate;

    fn eval(src: &str) -> Result<Value, String> {
        let mut ctx = Context::new();
        declare(&mut ctx);
        let expr: hcl::Expression = hcl_edit::parser::parse_expr(src)
            .map_err(|e| e.to_string())?
            .into();
        expr.evaluate(&ctx).map_err(|e| e.kind().to_string())
    }

    fn s(src: &str) -> String {
        match eval(src) {
            Ok(Value::String(s)) => s,
            other => panic!("{src}: {other:?}"),
        }
    }

    #[test]
    fn string_functions() {
        assert_eq!(s(r#"upper("xyz_dev")"#), "XYZ_DEV");
        assert_eq!(s(r#"lower("ABC")"#), "abc");
        assert_eq!(s(r#"trimspace("  a b \n")"#), "a b");
        assert_eq!(s(r#"replace("a-b-c", "-", "_")"#), "a_b_c");
        assert_eq!(s(r#"join(",", ["a", "b"], ["c"])"#), "a,b,c");
        assert_eq!(
            eval(r#"split(",", "a,b")"#).unwrap(),
            Value::from_iter(["a", "b"])
        );
        assert_eq!(eval(r#"split(",", "")"#).unwrap(), Value::Array(vec![]));
    }

    #[test]
    fn format_verbs() {
        assert_eq!(s(r#"format("%s_%d", "XYZ", 7)"#), "XYZ_7");
        assert_eq!(s(r#"format("%q", "a\"b")"#), r#""a\"b""#);
        assert_eq!(
            s(r#"format("100%% %v %t", true, false)"#),
            "100% true false"
        );
        assert!(eval(r#"format("%s %s", "a")"#)
            .unwrap_err()
            .contains("not enough arguments"));
        assert!(eval(r#"format("%s", "a", "b")"#)
            .unwrap_err()
            .contains("too many arguments"));
        assert!(eval(r#"format("%x", 1)"#)
            .unwrap_err()
            .contains("unsupported verb"));
    }

    #[test]
    fn collection_functions() {
        assert_eq!(
            eval(r#"concat(["a"], ["b", "c"])"#).unwrap(),
            Value::from_iter(["a", "b", "c"])
        );
        assert_eq!(s(r#"merge({a = "1", b = "2"}, {b = "3"}).b"#), "3");
        assert_eq!(s(r#"lookup({a = "1"}, "a")"#), "1");
        assert_eq!(s(r#"lookup({a = "1"}, "z", "dflt")"#), "dflt");
        assert!(eval(r#"lookup({a = "1"}, "z")"#).is_err());
        assert_eq!(s(r#"coalesce(null, "", "x", "y")"#), "x");
        assert_eq!(
            eval(r#"keys({b = 1, a = 2})"#).unwrap(),
            Value::from_iter(["a", "b"])
        );
        assert_eq!(
            eval(r#"values({b = 1, a = 2})"#).unwrap(),
            Value::from_iter([2, 1])
        );
        assert_eq!(eval(r#"length([1, 2, 3])"#).unwrap(), Value::from(3));
        assert_eq!(eval(r#"length("héllo")"#).unwrap(), Value::from(5));
        assert_eq!(
            eval(r#"contains(["a", "b"], "b")"#).unwrap(),
            Value::Bool(true)
        );
        assert_eq!(
            eval(r#"toset(["b", "a", "b"])"#).unwrap(),
            Value::from_iter(["a", "b"])
        );
    }

    #[test]
    fn conversions_and_json() {
        assert_eq!(s(r#"tostring(5)"#), "5");
        assert_eq!(eval(r#"tonumber("42")"#).unwrap(), Value::from(42));
        assert!(eval(r#"tonumber("x")"#).is_err());
        assert_eq!(
            s(r#"jsonencode({b = 1, a = [true, "x"]})"#),
            r#"{"a":[true,"x"],"b":1}"#
        );
        assert_eq!(s(r#"jsondecode("{\"a\": \"b\"}").a"#), "b");
    }

    #[test]
    fn file_reads_relative_to_the_configuration_directory() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("q.sql"), "SELECT 1").unwrap();
        assert!(eval(r#"file("q.sql")"#)
            .unwrap_err()
            .contains("only available"));
        {
            let _guard = BaseDirGuard::enter(dir.path());
            assert_eq!(s(r#"file("q.sql")"#), "SELECT 1");
            assert!(eval(r#"file("missing.sql")"#)
                .unwrap_err()
                .contains("cannot read"));
        }
        assert!(eval(r#"file("q.sql")"#).is_err());
    }

    #[test]
    fn file_reads_nothing_outside_the_configuration_directory() {
        let outer = tempfile::tempdir().unwrap();
        let dir = outer.path().join("config");
        std::fs::create_dir_all(dir.join("sql")).unwrap();
        std::fs::write(outer.path().join("key.p8"), "PRIVATE KEY").unwrap();
        std::fs::write(dir.join("sql/q.sql"), "SELECT 1").unwrap();
        std::fs::write(dir.join("big.sql"), vec![b'x'; FILE_LIMIT as usize + 1]).unwrap();
        let _guard = BaseDirGuard::enter(&dir);
        // Inside, also through a `..` that stays inside.
        assert_eq!(s(r#"file("sql/../sql/q.sql")"#), "SELECT 1");
        let key = outer.path().join("key.p8");
        for (src, says) in [
            (
                format!("file({:?})", key.display().to_string()),
                "absolute path",
            ),
            ("file(\"/proc/self/environ\")".to_string(), "absolute path"),
            (
                "file(\"../key.p8\")".to_string(),
                "leads out of the configuration directory",
            ),
            (
                "file(\"sql/../../key.p8\")".to_string(),
                "leads out of the configuration directory",
            ),
            ("file(\"big.sql\")".to_string(), "larger than 1024 KiB"),
            ("file(\"sql\")".to_string(), "not a regular file"),
        ] {
            let err = eval(&src).unwrap_err();
            assert!(err.contains(says), "{src}: {err}");
            assert!(!err.contains("PRIVATE KEY"), "{err}");
        }
        #[cfg(unix)]
        {
            std::os::unix::fs::symlink(&key, dir.join("link.p8")).unwrap();
            let err = eval(r#"file("link.p8")"#).unwrap_err();
            assert!(
                err.contains("leads out of the configuration directory"),
                "{err}"
            );
        }
    }

    #[test]
    fn every_declared_function_is_named() {
        let mut names: Vec<&str> = NAMES.to_vec();
        names.sort();
        assert_eq!(names, NAMES, "keep NAMES sorted");
        for name in NAMES {
            let src = format!("{name}()");
            if let Err(err) = eval(&src) {
                assert!(
                    !err.contains("undefined function"),
                    "{name} is not declared: {err}"
                );
            }
        }
    }
}
