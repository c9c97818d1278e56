# Retrains the age model on the last `train_days` days of vital signs and logs the result
# as a new version of AGE_MODEL in the Model Registry (snowflake-ml-python).
from sklearn.linear_model import LinearRegression
from snowflake.ml.registry import Registry

FEATURES = ["HEART_RATE", "SYSTOLIC_BP", "DIASTOLIC_BP"]


def main(session, train_days):
    frame = session.sql(
        "SELECT v.HEART_RATE, v.SYSTOLIC_BP, v.DIASTOLIC_BP, "
        "DATEDIFF('year', p.BIRTH_DATE, v.MEASURED_AT) AS AGE "
        "FROM RAW.VITALS v JOIN RAW.PATIENTS p ON p.PATIENT_ID = v.PATIENT_ID "
        f"WHERE v.MEASURED_AT >= DATEADD('day', -{int(train_days)}, CURRENT_TIMESTAMP())"
    ).to_pandas()
    model = LinearRegression().fit(frame[FEATURES], frame["AGE"])
    registry = Registry(session=session, schema_name="FEATURE_STORE")
    version = registry.log_model(
        model,
        model_name="AGE_MODEL",
        sample_input_data=frame[FEATURES],
    )
    return version.version_name
