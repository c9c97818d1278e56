//! SQL text as snowflake sees it: a lexer, identifier and literal quoting, and the
//! normalisation used to compare SQL bodies. Pure; shared by the DDL writer, the live
//! reader and the sandbox's parser so that all three agree on what a statement means.

pub mod lexer;
pub mod normalize;
pub mod quote;

pub use lexer::{tokenize, tokens, LexError, Token, TokenKind};
pub use normalize::{body_after_top_level_as, normalize_sql, split_statements};
pub use quote::{
    is_reserved, quote_ident, quote_json_literal, quote_literal, quote_stage_location,
};
