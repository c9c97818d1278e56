//! Every property of every kind through its life on the sandbox: applied with a
//! non-default value and planned again with no change; changed out of band and reported
//! by plan and drift as exactly that property with the right action; applied again and
//! clean. The cases are data: tests/fixtures/properties/<kind>.toml (format in README.md
//! there).

use crate::common::{actions, repo, Dir, Out};
use serde::Deserialize;
use serde_json::{json, Value as Json};
use std::collections::BTreeMap;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Fixture {
    /// The configuration of every case; `{props}` is replaced by a case's `set` lines.
    pub(crate) template: String,
    /// The address whose change the cases describe.
    pub(crate) address: String,
    /// Values of the template's other `{placeholders}`, which a case's `vars` override.
    #[serde(default)]
    pub(crate) defaults: BTreeMap<String, String>,
    #[serde(rename = "case")]
    pub(crate) cases: Vec<Case>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Case {
    pub(crate) name: String,
    /// Lines put in place of `{props}`.
    #[serde(default)]
    set: String,
    /// The property the case is about, when it names no attribute (a change that is
    /// invisible by design): `size`, or `version.source` for a model version's field.
    property: Option<String>,
    /// Values of the template's `{placeholders}` for this case.
    #[serde(default)]
    vars: BTreeMap<String, String>,
    /// A whole configuration instead of the template.
    hcl: Option<String>,
    /// The address, when not the file's.
    address: Option<String>,
    /// The out-of-band change, as someone would run it in Snowsight. None: the case only
    /// checks that a configuration written this way re-plans empty.
    oob: Option<String>,
    /// The plan's action for the address after the out-of-band change: update, replace,
    /// create, or none (the change is invisible to snowform by design, or ignored).
    plan: Option<String>,
    /// Other changes the plan must hold besides the address's (e.g. objects in a replaced
    /// schema): [[address, action], ...].
    #[serde(default)]
    also: Vec<(String, String)>,
    /// Other objects drift reports besides the address's: [[address, drift], ...].
    #[serde(default)]
    also_drift: Vec<(String, String)>,
    /// The attribute the plan and drift report.
    attribute: Option<String>,
    /// Drift's expected (the recorded value) and actual (the live value); absent is null.
    expected: Option<toml::Value>,
    actual: Option<toml::Value>,
    /// Instead of attribute/expected/actual, when one out-of-band statement changes
    /// several properties at once.
    #[serde(default)]
    attributes: Vec<AttrCase>,
    /// What drift reports: changed, deleted or none. Follows from `plan` when absent.
    drift: Option<String>,
    /// A text one of the plan's reasons for the address must contain.
    reason: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct AttrCase {
    name: String,
    expected: Option<toml::Value>,
    actual: Option<toml::Value>,
}

impl Fixture {
    /// The template with no case's lines and the default placeholder values.
    pub(crate) fn base(&self) -> String {
        let mut text = self.template.replace("{props}", "");
        for (k, v) in &self.defaults {
            text = text.replace(&format!("{{{k}}}"), v);
        }
        text
    }
}

impl Case {
    /// The configuration: `hcl`, or the template with this case's values.
    pub(crate) fn config(&self, fixture: &Fixture) -> String {
        if let Some(h) = &self.hcl {
            return h.clone();
        }
        let mut text = fixture.template.replace("{props}", &self.set);
        let mut vars = fixture.defaults.clone();
        vars.extend(self.vars.clone());
        for (k, v) in &vars {
            text = text.replace(&format!("{{{k}}}"), v);
        }
        text
    }

    /// (name, expected, actual) of every attribute the case reports, by name.
    fn reported(&self) -> Vec<(String, Json, Json)> {
        let mut out: Vec<(String, Json, Json)> = match &self.attribute {
            Some(a) => vec![(a.clone(), to_json(&self.expected), to_json(&self.actual))],
            None => self
                .attributes
                .iter()
                .map(|a| (a.name.clone(), to_json(&a.expected), to_json(&a.actual)))
                .collect(),
        };
        out.sort_by(|a, b| a.0.cmp(&b.0));
        out
    }

    /// The properties this case exercises, with model version paths as `version.<field>`.
    fn covers(&self) -> Vec<String> {
        let named = self
            .property
            .iter()
            .chain(&self.attribute)
            .chain(self.attributes.iter().map(|a| &a.name));
        named
            .map(|n| match n.split('.').collect::<Vec<_>>().as_slice() {
                ["versions", _, field] => format!("version.{field}"),
                ["versions", _] => "version".to_string(),
                _ => n.clone(),
            })
            .collect()
    }
}

fn to_json(v: &Option<toml::Value>) -> Json {
    v.as_ref()
        .map(|v| serde_json::to_value(v).expect("TOML values are JSON"))
        .unwrap_or(Json::Null)
}

/// A JSON array of objects, sorted by their "name".
fn by_name(v: &Json) -> Json {
    let mut items = v.as_array().cloned().unwrap_or_default();
    items.sort_by(|a, b| a["name"].as_str().cmp(&b["name"].as_str()));
    Json::Array(items)
}

fn failed(step: &str, out: &Out) -> String {
    format!(
        "{step}: exit {}\nstdout:\n{}\nstderr:\n{}",
        out.code, out.stdout, out.stderr
    )
}

/// Runs one case; Err says what went wrong, with the outputs that show it.
fn run_case(case: &Case, fixture: &Fixture) -> Result<(), String> {
    let address = case.address.as_deref().unwrap_or(&fixture.address);
    let config = case.config(fixture);
    let d = Dir::with(&[("main.hcl", &config)]);
    if config.contains("LANDING.RAW") {
        d.seed_test_landing();
    }

    let applied = d.sandbox(&["apply", "--auto-approve", "--format", "json"]);
    if applied.code != 0 {
        return Err(failed("first apply", &applied));
    }
    // Without an out-of-band change, the case is about reading back what was applied:
    // plan and drift both see nothing. With one, the drift after it (exactly the expected
    // report) also shows that the state recorded what the account held.
    expect_plan_empty(&d, "after the first apply")?;
    let Some(oob) = &case.oob else {
        return expect_no_drift(&d, "after the first apply");
    };
    let out = d.run(&["sandbox", "exec", oob]);
    if out.code != 0 {
        return Err(failed("out-of-band change", &out));
    }

    let changes = check_plan(&d, case, address)?;
    check_drift(&d, case, address)?;

    // Apply again: the account is back to the configuration.
    if changes {
        let applied = d.sandbox(&[
            "apply",
            "--auto-approve",
            "--allow-destroy",
            "--format",
            "json",
        ]);
        if applied.code != 0 {
            return Err(failed("apply after the out-of-band change", &applied));
        }
        expect_no_drift(&d, "after the second apply")?;
    }
    Ok(())
}

/// The plan after the out-of-band change holds exactly the expected changes; true when
/// there are any.
fn check_plan(d: &Dir, case: &Case, address: &str) -> Result<bool, String> {
    let action = case.plan.as_deref().unwrap_or("update");
    let out = d.sandbox(&["plan", "--format", "json", "--detailed-exitcode"]);
    let plan = serde_json::from_str::<Json>(&out.stdout)
        .map_err(|_| failed("plan after the out-of-band change", &out))?;
    let mut want: Vec<(String, String)> = case.also.clone();
    if action != "none" {
        want.push((address.to_string(), action.to_string()));
    }
    want.sort();
    let mut got = actions(&plan);
    got.sort();
    if got != want || out.code != if want.is_empty() { 0 } else { 2 } {
        return Err(format!(
            "plan after the out-of-band change: wanted {want:?}, got {got:?} (exit {})\n{}",
            out.code, out.stdout
        ));
    }
    if action == "none" {
        return Ok(!want.is_empty());
    }
    let change = plan["changes"]
        .as_array()
        .and_then(|cs| cs.iter().find(|c| c["address"] == address))
        .expect("listed above");
    // A create lists every attribute it sets: only its action is checked.
    if action != "create" {
        let got = by_name(&change["attributes"]);
        let want: Json = case
            .reported()
            .into_iter()
            .map(|(name, expected, actual)| json!({"name": name, "before": actual, "after": expected}))
            .collect();
        if got != want {
            return Err(format!(
                "plan attributes of {address}: wanted {want}, got {got}\n{}",
                out.stdout
            ));
        }
    }
    if let Some(reason) = &case.reason {
        let reasons = change["reasons"].to_string();
        if !reasons.contains(reason.as_str()) {
            return Err(format!(
                "plan reasons of {address} do not mention {reason:?}: {reasons}"
            ));
        }
    }
    Ok(true)
}

/// Drift after the out-of-band change reports exactly the expected objects: the address
/// with its attributes, the others (`also_drift`) by kind of drift.
fn check_drift(d: &Dir, case: &Case, address: &str) -> Result<(), String> {
    let kind = case
        .drift
        .as_deref()
        .unwrap_or(match case.plan.as_deref().unwrap_or("update") {
            "none" => "none",
            "create" => "deleted",
            _ => "changed",
        });
    let mut want: Vec<Json> = match kind {
        "none" => vec![],
        "deleted" => vec![json!({"address": address, "drift": "deleted", "attributes": []})],
        "changed" => {
            let attrs: Json = case
                .reported()
                .into_iter()
                .map(|(name, expected, actual)| json!({"name": name, "expected": expected, "actual": actual}))
                .collect();
            vec![json!({"address": address, "drift": "changed", "attributes": attrs})]
        }
        other => return Err(format!("unknown drift {other:?}")),
    };
    want.extend(
        case.also_drift
            .iter()
            .map(|(a, k)| json!({"address": a, "drift": k})),
    );
    let out = d.sandbox(&["drift", "--format", "json"]);
    let drift = serde_json::from_str::<Json>(&out.stdout)
        .map_err(|_| failed("drift after the out-of-band change", &out))?;
    let mut got: Vec<Json> = drift["drifted"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|x| {
            if x["address"] == address {
                json!({"address": x["address"], "drift": x["drift"], "attributes": by_name(&x["attributes"])})
            } else {
                json!({"address": x["address"], "drift": x["drift"]})
            }
        })
        .collect();
    let key = |x: &Json| x["address"].as_str().unwrap_or_default().to_string();
    want.sort_by_key(key);
    got.sort_by_key(key);
    let code = if want.is_empty() { 0 } else { 2 };
    if got != want || out.code != code {
        return Err(format!(
            "drift after the out-of-band change: wanted {}, got {} (exit {})",
            Json::Array(want),
            Json::Array(got),
            out.code
        ));
    }
    Ok(())
}

/// A plan with nothing to do.
fn expect_plan_empty(d: &Dir, when: &str) -> Result<(), String> {
    let plan = d.sandbox(&["plan", "--format", "json", "--detailed-exitcode"]);
    let parsed: Option<Json> = serde_json::from_str(&plan.stdout).ok();
    if plan.code != 0 || parsed.as_ref().is_none_or(|p| !actions(p).is_empty()) {
        return Err(format!(
            "plan {when} is not empty (exit {}):\n{}\nstderr:\n{}",
            plan.code, plan.stdout, plan.stderr
        ));
    }
    Ok(())
}

/// The account is what the state recorded.
fn expect_no_drift(d: &Dir, when: &str) -> Result<(), String> {
    let drift = d.sandbox(&["drift", "--format", "json"]);
    if drift.code != 0 {
        return Err(format!(
            "drift {when} is not clean (exit {}):\n{}\nstderr:\n{}",
            drift.code, drift.stdout, drift.stderr
        ));
    }
    Ok(())
}

pub(crate) fn load(kind: &str) -> Fixture {
    let path = repo().join(format!("tests/fixtures/properties/{kind}.toml"));
    let text = std::fs::read_to_string(&path).unwrap();
    toml::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Adding an attribute to a kind's table without a case here fails this test.
#[test]
fn every_property_of_every_kind_has_a_case() {
    use snowform::model::{schema, Kind};
    let mut missing = Vec::new();
    for kind in Kind::ALL {
        let fixture = load(kind.as_str());
        let covered: std::collections::BTreeSet<String> =
            fixture.cases.iter().flat_map(Case::covers).collect();
        let s = schema(kind);
        let mut wanted: Vec<String> = s.properties().map(|a| a.name.to_string()).collect();
        for block in s.blocks {
            wanted.push(block.name.to_string());
            wanted.extend(
                block
                    .attrs
                    .iter()
                    .map(|a| format!("{}.{}", block.name, a.name)),
            );
        }
        missing.extend(
            wanted
                .into_iter()
                .filter(|p| !covered.contains(p))
                .map(|p| format!("{kind}.{p}")),
        );
    }
    assert!(missing.is_empty(), "properties without a case: {missing:?}");
}

/// Runs every case of tests/fixtures/properties/<kind>.toml and reports every failure.
fn run_kind(kind: &str) {
    let fixture = load(kind);
    let mut names: Vec<&str> = fixture.cases.iter().map(|c| c.name.as_str()).collect();
    names.sort();
    let n = names.len();
    names.dedup();
    assert_eq!(n, names.len(), "{kind}: case names repeat");

    let failures: Vec<String> = std::thread::scope(|s| {
        let handles: Vec<_> = fixture
            .cases
            .chunks(fixture.cases.len().div_ceil(2).max(1))
            .map(|chunk| {
                let fixture = &fixture;
                s.spawn(move || {
                    chunk
                        .iter()
                        .filter_map(|c| {
                            run_case(c, fixture)
                                .err()
                                .map(|e| format!("--- {kind}/{}: {e}", c.name))
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap())
            .collect()
    });
    assert!(
        failures.is_empty(),
        "{} of {} {kind} cases failed:\n{}",
        failures.len(),
        fixture.cases.len(),
        failures.join("\n\n")
    );
}

/// One test per kind, so that they run in parallel; `every_kind_has_a_property_test`
/// fails when a kind of `Kind::ALL` is missing from the list.
macro_rules! kind_tests {
    ($($kind:ident),* $(,)?) => {
        $(
            #[test]
            fn $kind() {
                run_kind(stringify!($kind));
            }
        )*
        const TESTED_KINDS: &[&str] = &[$(stringify!($kind)),*];
    };
}

kind_tests!(
    warehouse,
    database,
    schema,
    stage,
    entity,
    feature_view,
    model,
    task,
    role,
    table,
    view,
    grant,
    role_grant,
    database_role,
    procedure,
    user
);

#[test]
fn every_kind_has_a_property_test() {
    let kinds: Vec<&str> = snowform::model::Kind::ALL
        .iter()
        .map(|k| k.as_str())
        .collect();
    assert_eq!(TESTED_KINDS, kinds.as_slice());
}
