//! comment azure-devops: post the plan (saved with `plan --out`), the error of a plan that
//! failed, or a drift report (saved with `drift --out`) to the pull request of the running
//! Azure Pipelines build, in the thread of this workspace and configuration directory.

use crate::azure::{self, Environment, PipelineEnv, Report};
use crate::cli::{CliError, Ctx, Exit};
use crate::drift::DriftReport;
use crate::plan::saved::SavedPlan;
use crate::render::{PlanView, Redactor};
use std::path::Path;

pub(crate) fn azure_devops(
    ctx: &Ctx,
    plan: Option<&Path>,
    drift: Option<&Path>,
    plan_failed: Option<&Path>,
) -> Result<Exit, CliError> {
    let env = PipelineEnv::from_env(|k| ctx.env.var(k).map(str::to_string))
        .map_err(|e| CliError::new(e.to_string()))?;
    let read = |p: &Path| {
        std::fs::read_to_string(ctx.resolve(p))
            .map_err(|e| CliError::new(format!("cannot read {}: {e}", p.display())))
    };
    let mut workspace = ctx.global.workspace.clone();
    let report = match (plan, drift, plan_failed) {
        (Some(p), None, None) => {
            let (_, saved) = SavedPlan::parse(&read(p)?)
                .map_err(|e| CliError::new(format!("{}: {e}", p.display())))?;
            // Sensitive values are redacted as the configuration marks them, when it loads.
            let sensitive = ctx.load_config().map(|c| c.sensitive).unwrap_or_default();
            // The plan says which workspace it was made for.
            workspace = saved.workspace.clone();
            let view = PlanView::new(&saved, &Redactor::new(sensitive));
            Report::plan(&view, env.build_url.as_deref())
        }
        (None, None, Some(f)) => Report::plan_failed(&read(f)?, env.build_url.as_deref()),
        (None, Some(d), None) => {
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
                "give --plan FILE (from `plan --out`), --plan-failed FILE (the error output of a failed plan) or --drift FILE (from `drift --out`)",
            ))
        }
    };
    let report = report.scoped(Environment {
        workspace,
        dir: scope_dir(&ctx.global.dir, ctx.current_dir().as_deref()),
    });
    let posted = super::runtime(ctx)?
        .block_on(azure::post(&env, &report))
        .map_err(|e| CliError::new(e.to_string()))?;
    println_to!(
        ctx.stderr,
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

/// The configuration directory as the thread names it: relative to the working directory
/// (the repository, in a pipeline) when it is inside it, with `/` separators, so that
/// every build machine names one directory alike.
fn scope_dir(dir: &Path, cwd: Option<&Path>) -> String {
    let absolute = if dir.is_absolute() {
        dir.to_path_buf()
    } else {
        cwd.unwrap_or(Path::new("")).join(dir)
    };
    let shown = match cwd.and_then(|c| absolute.strip_prefix(c).ok()) {
        Some(rel) => rel.to_path_buf(),
        None => absolute,
    };
    let parts: Vec<String> = shown
        .components()
        .filter(|c| !matches!(c, std::path::Component::CurDir))
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    let joined = parts.join("/").replace("//", "/");
    if joined.is_empty() {
        ".".into()
    } else {
        joined
    }
}

#[cfg(test)]
mod tests {
    use super::scope_dir;
    use std::path::Path;

    #[test]
    fn the_directory_is_named_alike_however_it_is_given() {
        let cwd = std::env::current_dir().unwrap();
        let within = Some(cwd.as_path());
        assert_eq!(scope_dir(Path::new("."), within), ".");
        assert_eq!(scope_dir(Path::new("./examples/x/"), within), "examples/x");
        assert_eq!(scope_dir(&cwd.join("examples/x"), within), "examples/x");
    }
}
