//! `snowform output`: the configuration's outputs for people (HCL values, as they are
//! written) and for scripts (JSON). A sensitive output's value is never shown.

use crate::config::Output;
use crate::render::REDACTED;

/// `name = value` lines, in name order.
pub fn human(outputs: &[Output]) -> String {
    let mut out = String::new();
    for o in outputs {
        out.push_str(&format!("{} = {}\n", o.name, value(o)));
    }
    out
}

/// One output's value as HCL, or `(sensitive)`.
pub fn value(output: &Output) -> String {
    if output.sensitive {
        REDACTED.to_string()
    } else {
        crate::generate::json_to_hcl(&output.value, 0)
    }
}

/// `{NAME: {"value": ..., "sensitive": false, "description": ...}}`, in name order; the
/// value of a sensitive output is left out.
pub fn json(outputs: &[Output]) -> serde_json::Value {
    let mut map = serde_json::Map::new();
    for o in outputs {
        let mut entry = serde_json::Map::new();
        if !o.sensitive {
            entry.insert("value".into(), o.value.clone());
        }
        entry.insert("sensitive".into(), o.sensitive.into());
        if let Some(d) = &o.description {
            entry.insert("description".into(), d.clone().into());
        }
        map.insert(o.name.clone(), entry.into());
    }
    serde_json::Value::Object(map)
}

/// The value alone, for `output NAME --raw`: a string without quotes, a number or a
/// boolean as written. Err says why not (a list or map, or a sensitive value).
pub fn raw(output: &Output) -> Result<String, String> {
    if output.sensitive {
        return Err(format!(
            "output {:?} is sensitive: snowform does not print its value; read it where it comes from",
            output.name
        ));
    }
    match &output.value {
        serde_json::Value::String(s) => Ok(s.clone()),
        serde_json::Value::Number(n) => Ok(n.to_string()),
        serde_json::Value::Bool(b) => Ok(b.to_string()),
        _ => Err(format!(
            "output {:?} is not a string, number or boolean: --raw prints only those; use --format json",
            output.name
        )),
    }
}
