//! One attribute table per kind. Each file says what Snowflake offers for that kind,
//! with Snowflake's defaults and ALTER rules, as Snowflake's CREATE and ALTER reference pages state them.

pub mod database;
pub mod database_role;
pub mod entity;
pub mod feature_view;
pub mod grant;
pub mod model;
pub mod procedure;
pub mod role;
pub mod role_grant;
pub mod schema;
pub mod stage;
pub mod table;
pub mod task;
pub mod view;
pub mod warehouse;
