//! Values of variables marked sensitive never reach a report: every string a renderer
//! prints passes through here.

#[derive(Clone, Debug, Default)]
pub struct Redactor {
    values: Vec<String>,
}

pub const REDACTED: &str = "(sensitive)";

impl Redactor {
    pub fn new(values: impl IntoIterator<Item = String>) -> Redactor {
        let mut values: Vec<String> = values.into_iter().filter(|v| v.len() >= 3).collect();
        // Longest first, so a value containing another is replaced whole.
        values.sort_by_key(|v| std::cmp::Reverse(v.len()));
        values.dedup();
        Redactor { values }
    }

    pub fn apply(&self, text: &str) -> String {
        let mut out = text.to_string();
        for v in &self.values {
            if out.contains(v.as_str()) {
                out = out.replace(v.as_str(), REDACTED);
            }
        }
        out
    }

    pub fn json(&self, v: &serde_json::Value) -> serde_json::Value {
        match v {
            serde_json::Value::String(s) => serde_json::Value::String(self.apply(s)),
            serde_json::Value::Array(a) => {
                serde_json::Value::Array(a.iter().map(|x| self.json(x)).collect())
            }
            serde_json::Value::Object(m) => serde_json::Value::Object(
                m.iter().map(|(k, x)| (k.clone(), self.json(x))).collect(),
            ),
            other => other.clone(),
        }
    }
}
