//! A SQL attribute (a task's statement, a feature view's query) holds one statement. A
//! second one after a `;` is not refused until apply sends the CREATE, half-way through
//! the run; validate finds it with the project's SQL lexer.

use super::decode::Decoded;
use crate::diag::{excerpt, Diagnostic, Diagnostics};
use crate::model::schema;
use crate::model::schema::AttrType;
use crate::sql::normalize::split_statements;

pub(crate) fn run(decoded: &[Decoded], diags: &mut Diagnostics) {
    for d in decoded {
        for attr in schema(d.object.kind())
            .properties()
            .filter(|a| matches!(a.ty, AttrType::Sql))
        {
            let Some(sql) = d.object.get_str(attr.name) else {
                continue;
            };
            // Only a `;` separates statements: text without one is one statement at most,
            // and is not worth lexing here.
            if !sql.contains(';') {
                continue;
            }
            // Text the lexer cannot read is left to Snowflake, which reads more than it does.
            let Ok(statements) = split_statements(sql) else {
                continue;
            };
            // A Snowflake Scripting block (a task may run one) holds statements of its own.
            let scripting = statements
                .first()
                .and_then(|(_, tokens)| tokens.first())
                .is_some_and(|t| t.is_keyword("BEGIN") || t.is_keyword("DECLARE"));
            if statements.len() > 1 && !scripting {
                diags.push(
                    Diagnostic::error(format!(
                        "{}.{} holds {} SQL statements; it takes one",
                        d.object.address,
                        attr.name,
                        statements.len()
                    ))
                    .with_detail(format!(
                        "the second starts with: {}\nremove the `;` and what follows it, or put the statements in a stored procedure (or a BEGIN ... END block) and call that",
                        excerpt(&statements[1].0, 80)
                    ))
                    .at(d.spans.get(attr.name).cloned().or_else(|| d.object.span.clone())),
                );
            }
        }
    }
}
