//! How warehouses are read: the SHOW families and the row decoder, in the canonical forms of
//! `model::canon`, so that what Snowflake prints and what the configuration says compare equal.

use crate::kinds::read::{id, live_object, set_opt, Family, KindRead};
use crate::kinds::rows::ShowRows;
use crate::kinds::warehouse;
use crate::model::attr;
use crate::model::canon::canonical_enum;
use crate::model::{Kind, Object, ObjectName};

pub(crate) const WAREHOUSES: Family = Family {
    name: "warehouses",
    show: "SHOW WAREHOUSES",
    pages: false,
    recording: "show_warehouses",
};

#[linkme::distributed_slice(crate::kinds::read::READERS)]
static READ: KindRead = KindRead {
    kind: Kind::Warehouse,
    families: &[WAREHOUSES],
    decode: |fetch| warehouses(fetch.rows(WAREHOUSES)),
    details: None,
};

pub fn warehouses(rows: &ShowRows) -> Vec<Object> {
    rows.iter()
        .filter_map(|r| {
            let mut o = live_object(
                Kind::Warehouse,
                ObjectName::account(id(rows.raw(r, "name")?)),
            );
            set_opt(
                &mut o,
                attr::SIZE,
                rows.get(r, "size")
                    .and_then(|s| canonical_enum(warehouse::SIZES, s)),
            );
            set_opt(
                &mut o,
                attr::TYPE,
                rows.get(r, "type")
                    .and_then(|s| canonical_enum(warehouse::TYPES, s)),
            );
            // NULL auto_suspend means the warehouse never suspends, which is AUTO_SUSPEND = 0.
            o.set(attr::AUTO_SUSPEND, rows.int(r, "auto_suspend").unwrap_or(0));
            set_opt(&mut o, attr::AUTO_RESUME, rows.flag(r, "auto_resume"));
            set_opt(
                &mut o,
                attr::MIN_CLUSTER_COUNT,
                rows.int(r, "min_cluster_count"),
            );
            set_opt(
                &mut o,
                attr::MAX_CLUSTER_COUNT,
                rows.int(r, "max_cluster_count"),
            );
            set_opt(
                &mut o,
                attr::SCALING_POLICY,
                rows.get(r, "scaling_policy").map(str::to_ascii_uppercase),
            );
            set_opt(
                &mut o,
                attr::ENABLE_QUERY_ACCELERATION,
                rows.flag(r, "enable_query_acceleration"),
            );
            set_opt(
                &mut o,
                attr::QUERY_ACCELERATION_MAX_SCALE_FACTOR,
                rows.int(r, "query_acceleration_max_scale_factor"),
            );
            set_opt(
                &mut o,
                attr::RESOURCE_MONITOR,
                rows.get(r, "resource_monitor"),
            );
            set_opt(
                &mut o,
                attr::RESOURCE_CONSTRAINT,
                resource_constraint(rows, r),
            );
            set_opt(&mut o, attr::COMMENT, rows.text(r, "comment"));
            set_opt(&mut o, attr::OWNER, rows.get(r, "owner"));
            Some(o)
        })
        .collect()
}

/// A standard warehouse's generation is set as RESOURCE_CONSTRAINT = STANDARD_GEN_<n>, but
/// SHOW may print it only in the `generation` column (resource_constraint NULL): both read
/// as the constraint that was set.
fn resource_constraint(rows: &ShowRows, row: &[Option<String>]) -> Option<String> {
    if let Some(c) = rows.get(row, "resource_constraint") {
        return Some(
            canonical_enum(warehouse::CONSTRAINTS, c)
                .map(str::to_string)
                .unwrap_or_else(|| c.to_ascii_uppercase()),
        );
    }
    let standard = rows
        .get(row, "type")
        .is_none_or(|t| t.eq_ignore_ascii_case("STANDARD"));
    let generation = rows.get(row, "generation")?.trim();
    standard
        .then(|| format!("STANDARD_GEN_{generation}"))
        .and_then(|c| canonical_enum(warehouse::CONSTRAINTS, &c))
        .map(str::to_string)
}
