use super::props::{create_line, set_unset};
use super::{Stmt, CREATE};
use crate::model::Object;

pub fn create(o: &Object) -> Vec<Stmt> {
    let (sql, _) = create_line("CREATE WAREHOUSE", o, &[]);
    vec![Stmt::new(sql, &[CREATE])]
}

/// Every warehouse property can be altered (reference §5.3).
pub fn update(o: &Object, changed: &[&str]) -> Vec<Stmt> {
    set_unset("WAREHOUSE", o, changed)
}
