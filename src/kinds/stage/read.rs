//! How stages are read: the SHOW families and the row decoder, in the canonical forms of
//! `model::canon`, so that what Snowflake prints and what the configuration says compare equal.

use crate::kinds::read::{live_object, schema_name, set_opt, Family, KindRead};
use crate::kinds::rows::ShowRows;
use crate::model::attr;
use crate::model::{Kind, Object};

pub(crate) const STAGES: Family = Family {
    name: "stages",
    show: "SHOW STAGES",
    pages: false,
    recording: "show_stages",
};

#[linkme::distributed_slice(crate::kinds::read::READERS)]
static READ: KindRead = KindRead {
    kind: Kind::Stage,
    families: &[STAGES],
    decode: |fetch| stages(fetch.rows(STAGES)),
    details: None,
};

pub fn stages(rows: &ShowRows) -> Vec<Object> {
    rows.iter()
        .filter_map(|r| {
            let mut o = live_object(Kind::Stage, schema_name(rows, r)?);
            let ty = rows
                .get(r, "type")
                .unwrap_or("INTERNAL")
                .to_ascii_uppercase();
            set_opt(&mut o, attr::URL, rows.get(r, "url"));
            set_opt(
                &mut o,
                attr::STORAGE_INTEGRATION,
                rows.get(r, "storage_integration"),
            );
            match ty.as_str() {
                "INTERNAL" => o.set(attr::ENCRYPTION, "SNOWFLAKE_FULL"),
                "INTERNAL NO CSE" => o.set(attr::ENCRYPTION, "SNOWFLAKE_SSE"),
                _ => {}
            }
            set_opt(&mut o, attr::DIRECTORY, rows.flag(r, "directory_enabled"));
            set_opt(&mut o, attr::COMMENT, rows.text(r, "comment"));
            set_opt(&mut o, attr::OWNER, rows.get(r, "owner"));
            Some(o)
        })
        .collect()
}
