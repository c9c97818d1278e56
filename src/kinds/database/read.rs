//! How databases are read: the SHOW families and the row decoder, in the canonical forms of
//! `model::canon`, so that what Snowflake prints and what the configuration says compare equal.

use crate::kinds::read::{id, live_object, options, set_opt, Family, KindRead};
use crate::kinds::rows::ShowRows;
use crate::model::attr;
use crate::model::{Kind, Object, ObjectName};

pub(crate) const DATABASES: Family = Family {
    name: "databases",
    show: "SHOW DATABASES",
    pages: true,
    recording: "show_databases",
};

#[linkme::distributed_slice(crate::kinds::read::READERS)]
static READ: KindRead = KindRead {
    kind: Kind::Database,
    families: &[DATABASES],
    decode: |fetch| databases(fetch.rows(DATABASES)),
    details: None,
};

pub fn databases(rows: &ShowRows) -> Vec<Object> {
    rows.iter()
        .filter_map(|r| {
            let mut o = live_object(
                Kind::Database,
                ObjectName::account(id(rows.raw(r, "name")?)),
            );
            o.set(
                attr::TRANSIENT,
                options(rows, r).iter().any(|x| x == "TRANSIENT"),
            );
            set_opt(
                &mut o,
                attr::DATA_RETENTION_TIME_IN_DAYS,
                rows.int(r, "retention_time"),
            );
            set_opt(&mut o, attr::COMMENT, rows.text(r, "comment"));
            set_opt(&mut o, attr::OWNER, rows.get(r, "owner"));
            Some(o)
        })
        .collect()
}
