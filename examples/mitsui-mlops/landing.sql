-- The landing database the feature views read: raw data the ingestion side loads, outside
-- this configuration. snowform does not manage it, but its tables must exist before the
-- first apply. Against the sandbox, create it with
--   snowform -C examples/mitsui-mlops sandbox exec "$(cat examples/mitsui-mlops/landing.sql)"
-- (with a landing_database other than XYZ_LANDING, change the name below to match).
CREATE DATABASE IF NOT EXISTS XYZ_LANDING;
CREATE SCHEMA IF NOT EXISTS XYZ_LANDING.RAW;
CREATE TABLE IF NOT EXISTS XYZ_LANDING.RAW.PATIENTS (
  PATIENT_ID NUMBER,
  BIRTH_DATE DATE
);
CREATE TABLE IF NOT EXISTS XYZ_LANDING.RAW.VITALS (
  PATIENT_ID NUMBER,
  MEASURED_AT TIMESTAMP_NTZ,
  HEART_RATE NUMBER,
  SYSTOLIC_BP NUMBER,
  DIASTOLIC_BP NUMBER
);
