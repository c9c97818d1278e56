//! The state file stays small: a configuration shaped like a large ML platform (the scale
//! benchmark's own generator, docs/performance.md) records under 250 bytes an object.

use snowform::config::LoadOptions;
use snowform::plan::Effect;
use snowform::state::State;

#[allow(dead_code)]
#[path = "../../benches/scale/generate.rs"]
mod scale_generate;

#[test]
fn the_state_of_a_generated_platform_takes_under_250_bytes_an_object() {
    let dir = tempfile::tempdir().unwrap();
    let objects = 1_000;
    // The shape the benchmark's scaling curve uses: 200 objects a schema.
    let shape = scale_generate::Shape {
        objects,
        schemas: 5,
        databases: 1,
        roles: 5,
    };
    scale_generate::write(dir.path(), shape).unwrap();
    let opts = LoadOptions {
        workspace: "default".into(),
        ..LoadOptions::default()
    };
    let (config, diags) = snowform::config::load(dir.path(), &opts);
    let config = config.unwrap_or_else(|| panic!("{diags:?}"));
    assert_eq!(config.objects.len(), objects);
    // What a first apply records: every object as created.
    let mut state = State::new("default");
    state.serial = 1_900;
    for object in config.objects {
        state.apply_effect(&Effect::Put { object });
    }
    let text = state.to_file(Some("00000000-0000-4000-8000-000000000000"));
    let per_object = text.len() / objects;
    assert!(
        per_object < 250,
        "{per_object} bytes an object ({} in all)",
        text.len()
    );
    let back = State::parse(std::str::from_utf8(&text).unwrap(), "state").unwrap();
    assert_eq!(back, state);
}
