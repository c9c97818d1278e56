//! The kind registry is complete: every kind of `Kind::ALL` has every part a kind needs, or
//! this test names the kind and the part. Per kind: a property fixture
//! (tests/fixtures/properties/<kind>.toml) about an address of that kind, a section in
//! docs/attributes.md, and a round trip through the layers on the sandbox, in process over
//! the real client: the fixture's configuration is planned (ddl) and applied (the sandbox's
//! CREATE), read back (SHOW and the kind's decoder), written as HCL by `generate` and loaded
//! again as the same object, then dropped with the kind's DROP and gone from SHOW.
//!
//! What the compiler already flags (the exhaustive registry matches in model, ddl, live and
//! generate) is not repeated here; the rest of a kind's parts are checked by
//! `properties::every_property_of_every_kind_has_a_case` (a case per attribute),
//! `properties::every_kind_has_a_property_test`, the live reader's
//! `every_kind_has_show_families_recordings_and_a_decoder` (documented and made-up SHOW
//! recordings) and the sandbox's layout test (SHOW columns as documented).

use crate::common::repo;
use crate::properties::load;
use snowform::apply::{apply, ApplyOptions};
use snowform::config::{self, Config, LoadOptions};
use snowform::diff::{diff, DiffInput, Picture};
use snowform::live::{self, ReadOptions};
use snowform::model::{Address, Kind, Object};
use snowform::sandbox;
use snowform::snowflake::Client;
use snowform::state::State;
use std::sync::atomic::AtomicBool;

const TOKEN: &str = "kinds-test-token";

fn load_config(text: &str) -> Result<Config, String> {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("main.hcl"), text).unwrap();
    let (config, diags) = config::load(
        dir.path(),
        &LoadOptions {
            workspace: "default".into(),
            ..LoadOptions::default()
        },
    );
    config.ok_or_else(|| format!("{diags:?}\n{text}"))
}

/// A fresh sandbox account (with the test landing tables) and a client signed in to it.
async fn account() -> (sandbox::RunningServer, Client) {
    crate::common::served_account(TOKEN, "KINDS_WH", true).await
}

async fn read(client: &Client, objects: &[&Object]) -> Picture {
    live::read(client, objects, &ReadOptions::default())
        .await
        .unwrap()
        .picture
}

/// Apply a configuration of the fixture, read it back, generate it, load it again, and
/// drop the fixture's object: the first part that fails, or Ok.
async fn round_trip(kind: Kind, text: &str, address: &Address) -> Result<(), String> {
    let config = load_config(text).map_err(|e| format!("the fixture's template: {e}"))?;
    let target = config
        .objects
        .iter()
        .find(|o| &o.address == address)
        .ok_or_else(|| format!("the template has no {address}"))?
        .clone();
    let (_server, client) = account().await;
    let wanted: Vec<&Object> = config.objects.iter().collect();

    // ddl and the sandbox's CREATE.
    let live = read(&client, &wanted).await;
    let state = State::new("default");
    let changes = diff(&DiffInput {
        desired: &config.objects,
        recorded: &state.objects(),
        live: Some(&live),
    })
    .map_err(|d| format!("diff: {d:?}"))?;
    let plan = snowform::plan::build(changes, "default");
    let mut state = state;
    let stop = AtomicBool::new(false);
    let report = apply(
        &plan,
        &mut state,
        &mut crate::common::NoStateSink,
        &client,
        &ApplyOptions {
            parallelism: 1,
            stop: &stop,
        },
    )
    .await
    .unwrap();
    if !report.ok() {
        return Err(format!("apply (sandbox CREATE): {report:?}"));
    }

    // SHOW and the decoder.
    let live = read(&client, &wanted).await;
    let Some(found) = live.get(&(kind, target.name.clone())) else {
        return Err(format!("SHOW / decoder: {} not read back", target.name));
    };
    let after = diff(&DiffInput {
        desired: &config.objects,
        recorded: &state.objects(),
        live: Some(&live),
    })
    .map_err(|d| format!("re-plan: {d:?}"))?;
    let left: Vec<String> = after
        .iter()
        .filter(|c| !c.is_noop())
        .map(|c| format!("{} {:?}", c.address, c.action))
        .collect();
    if !left.is_empty() {
        return Err(format!("re-plan after apply is not empty: {left:?}"));
    }

    // generate: every object of the configuration as read, written and loaded again.
    let read_back: Vec<Object> = config
        .objects
        .iter()
        .filter_map(|o| live.get(&(o.kind(), o.name.clone())).cloned())
        .collect();
    let generated = snowform::generate::generate(&read_back);
    let again = load_config(&generated.hcl).map_err(|e| format!("generate: {e}"))?;
    if !again
        .objects
        .iter()
        .any(|o| o.kind() == kind && o.name == found.name)
    {
        return Err(format!(
            "generate: no {kind} block for {}:\n{}",
            found.name, generated.hcl
        ));
    }

    // The kind's DROP, and SHOW no longer lists it.
    for stmt in snowform::ddl::drop(found) {
        if let Some(sql) = stmt.sql {
            client
                .query(&sql)
                .await
                .map_err(|e| format!("drop ({sql}): {e}"))?;
        }
    }
    let live = read(&client, &wanted).await;
    if live.contains_key(&(kind, target.name.clone())) {
        return Err(format!("drop: {} still listed by SHOW", target.name));
    }
    Ok(())
}

#[test]
fn every_kind_has_every_part() {
    let docs = std::fs::read_to_string(repo().join("docs/attributes.md")).unwrap();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let mut missing = Vec::new();
    for kind in Kind::ALL {
        if !docs.contains(&format!("\n## `{kind}`\n")) {
            missing.push(format!("{kind}: no section in docs/attributes.md"));
        }
        let path = repo().join(format!("tests/fixtures/properties/{kind}.toml"));
        if !path.is_file() {
            missing.push(format!("{kind}: no property fixture {}", path.display()));
            continue;
        }
        let fixture = load(kind.as_str());
        let address = match Address::parse(&fixture.address) {
            Ok(a) if a.kind == kind => a,
            _ => {
                missing.push(format!(
                    "{kind}: the property fixture is about {}, not a {kind}",
                    fixture.address
                ));
                continue;
            }
        };
        // The first case's configuration: the template alone may leave out a required
        // attribute that every case sets (an entity's join keys).
        let Some(case) = fixture.cases.first() else {
            missing.push(format!("{kind}: the property fixture has no case"));
            continue;
        };
        if let Err(e) = rt.block_on(round_trip(kind, &case.config(&fixture), &address)) {
            missing.push(format!("{kind}: {e}"));
        }
    }
    assert!(missing.is_empty(), "{}", missing.join("\n\n"));
}
