//! The order of deletes: what refers to an object goes before it. A regression test of
//! the random walks (tests/it/walks.rs).

use crate::regression_setup::{apply_ok, plan_statements, reconfigure, regression_dir};

/// Seed 1: a refreshed plan read the objects to delete from SHOW, which knows nothing of
/// references, so an entity's tag could be dropped before the feature view using it.
#[test]
fn deleting_a_feature_view_and_its_entity_drops_the_view_first() {
    let d = regression_dir(
        r#"
entity "e" {
  schema    = schema.s
  name      = "E"
  join_keys = ["ID"]
}

feature_view "f" {
  schema   = schema.s
  name     = "F"
  version  = "V1"
  entities = [entity.e]
  query    = "SELECT id FROM LANDING.RAW.T"
}
"#,
    );
    reconfigure(&d, "");
    let want = [
        "DROP VIEW RDB.S.F$V1",
        "DROP TAG RDB.S.SNOWML_FEATURE_STORE_ENTITY_E",
    ];
    assert_eq!(plan_statements(&d, true), want);
    assert_eq!(plan_statements(&d, false), want);
    apply_ok(&d);
}
