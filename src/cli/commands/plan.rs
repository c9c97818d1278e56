use crate::cli::args::PlanArgs;
use crate::cli::{CliError, Ctx, Exit};
use crate::diff::{diff, DiffInput};
use crate::model::Address;
use crate::plan::{self, Plan};
use crate::render::{self, plan_human, plan_markdown, Format, PlanView, Redactor};
use crate::state::State;

pub fn run(ctx: &Ctx, args: &PlanArgs) -> Result<Exit, CliError> {
    let config = ctx.load_config()?;
    let backend = ctx.local_backend(Some(&config));
    let state = backend
        .load()?
        .unwrap_or_else(|| State::new(&ctx.global.workspace));
    let targets = args
        .targets
        .iter()
        .map(|t| Address::parse(t))
        .collect::<Result<Vec<_>, _>>()?;
    let plan = offline_plan(ctx, &config, &state, &targets)?;
    let view = PlanView::new(&plan, &Redactor::new(config.sensitive.clone()));
    print_plan(ctx, &view);
    if let Some(out) = &args.out {
        crate::state::atomic_write(out, render::to_json(&plan).as_bytes())?;
        eprintln!(
            "Saved the plan to {}; apply it with: snowform apply {}",
            out.display(),
            out.display()
        );
    }
    Ok(if args.detailed_exitcode && view.has_changes() {
        Exit::Changes
    } else {
        Exit::Ok
    })
}

pub fn offline_plan(
    ctx: &Ctx,
    config: &crate::config::Config,
    state: &State,
    targets: &[Address],
) -> Result<Plan, CliError> {
    let recorded = state.objects();
    let changes = match diff(&DiffInput {
        desired: &config.objects,
        recorded: &recorded,
        live: None,
    }) {
        Ok(c) => c,
        Err(diags) => {
            for d in diags.iter() {
                eprintln!("{}", ctx.paint_diag(d));
            }
            return Err(CliError::new(
                "the plan cannot be made; nothing was changed",
            ));
        }
    };
    let changes = plan::filter_targets(changes, targets);
    let mut plan = plan::build(changes, &ctx.global.workspace);
    plan.provenance.config_digest = config.digest.clone();
    plan.provenance.state_lineage = Some(state.lineage.clone());
    plan.provenance.state_serial = state.serial;
    Ok(plan)
}

pub fn print_plan(ctx: &Ctx, view: &PlanView) {
    match ctx.global.format {
        Format::Json => print!("{}", render::to_json(view)),
        Format::Markdown => print!("{}", plan_markdown::render(view, &[])),
        Format::Human => print!("{}", plan_human::render(view, &ctx.out_style)),
    }
}
