//! comment azure-devops: post the plan (saved with `plan --out`) or drift report (saved with
//! `drift --out`) to the pull request of the running Azure Pipelines build.

use crate::azure::{self, PipelineEnv, Report};
use crate::cli::{CliError, Ctx, Exit};
use crate::drift::DriftReport;
use crate::plan::saved::SavedPlan;
use crate::render::{PlanView, Redactor};
use std::path::Path;

pub fn azure_devops(
    ctx: &Ctx,
    plan: Option<&Path>,
    drift: Option<&Path>,
) -> Result<Exit, CliError> {
    let env = PipelineEnv::from_process().map_err(|e| CliError::new(e.to_string()))?;
    let read = |p: &Path| {
        std::fs::read_to_string(p)
            .map_err(|e| CliError::new(format!("cannot read {}: {e}", p.display())))
    };
    let report = match (plan, drift) {
        (Some(p), None) => {
            let (_, saved) = SavedPlan::parse(&read(p)?)
                .map_err(|e| CliError::new(format!("{}: {e}", p.display())))?;
            // Sensitive values are redacted as the configuration marks them, when it loads.
            let sensitive = ctx.load_config().map(|c| c.sensitive).unwrap_or_default();
            let view = PlanView::new(&saved, &Redactor::new(sensitive));
            Report::plan(&view, env.build_url.as_deref())
        }
        (None, Some(d)) => {
            let r: DriftReport = serde_json::from_str(&read(d)?).map_err(|e| {
                CliError::new(format!(
                    "{} is not a drift report written by `snowform drift --out`: {e}",
                    d.display()
                ))
            })?;
            // `drift --out` hid sensitive values already; a file from elsewhere is hidden here.
            let sensitive = ctx.load_config().map(|c| c.sensitive).unwrap_or_default();
            let r: DriftReport = serde_json::from_value(Redactor::new(sensitive).to_json_value(&r))
                .map_err(|e| CliError::new(format!("{}: {e}", d.display())))?;
            Report::drift(&r, env.build_url.as_deref())
        }
        _ => {
            return Err(CliError::new(
                "give --plan FILE (from `plan --out`) or --drift FILE (from `drift --out`)",
            ))
        }
    };
    let posted = super::runtime()?
        .block_on(azure::post(&env, &report))
        .map_err(|e| CliError::new(e.to_string()))?;
    eprintln!(
        "{} the pull request comment (thread {}, {}){}.",
        if posted.created { "Posted" } else { "Updated" },
        posted.thread_id,
        posted.status.as_str(),
        if posted.truncated {
            "; the report was cut to the service's limit, the full report is the pipeline artifact"
        } else {
            ""
        }
    );
    Ok(Exit::Ok)
}
