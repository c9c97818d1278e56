-- The raw table the teams' feature views read: loaded by the ingestion side, outside this
-- configuration, but it must exist before the first apply. Against the sandbox:
--   snowform -C examples/feature-store-module sandbox exec "$(cat examples/feature-store-module/landing.sql)"
CREATE DATABASE IF NOT EXISTS LANDING;
CREATE SCHEMA IF NOT EXISTS LANDING.RAW;
CREATE TABLE IF NOT EXISTS LANDING.RAW.ORDERS (
  CUSTOMER_ID NUMBER NOT NULL,
  ORDERED_AT TIMESTAMP_NTZ,
  AMOUNT NUMBER(12, 2)
);
