use crate::cli::args::PlanArgs;
use crate::cli::planning::{
    load_reading_ahead, plan_consistently, targets, targets_named, Loaded, PlanRequest,
};
use crate::cli::{CliError, Ctx, Exit};
use crate::plan::saved::SavedPlan;
use crate::render::{self, plan_human, plan_markdown, Format, PlanView, Redactor};

pub fn run(ctx: &Ctx, args: &PlanArgs) -> Result<Exit, CliError> {
    let runtime = super::runtime(ctx)?;
    let wait: std::time::Duration = args.lock_timeout.into();
    let deadline = std::time::Instant::now() + wait;
    let Loaded {
        mut config,
        session,
        ahead,
    } = load_reading_ahead(ctx, &runtime, args.refresh, deadline)?;
    let targets = targets(&args.targets)?;
    let replace = targets_named("--replace", &args.replace)?;
    let result = runtime.block_on(async {
        if session.is_none() && args.refresh {
            println_to!(
                ctx.stderr,
                "{}",
                ctx.err_style
                    .dim("No connection is configured: planning against the recorded state only.")
            );
        }
        let made = plan_consistently(
            ctx,
            &config,
            session.as_ref(),
            &PlanRequest {
                targets: &targets,
                replace: &replace,
                effects: args.out.is_some(),
            },
            (wait, deadline),
            ahead,
        )
        .await?;
        // The view is built while everything else is still held: the run's peak of memory.
        // The plan holds its own copies of the objects, so the configuration's go first.
        // (What each step records in state is for apply: a plan that is shown and not
        // saved never works it out.)
        drop(std::mem::take(&mut config.objects));
        let redactor = Redactor::new(config.sensitive.clone());
        let view = PlanView::new(&made.plan, &redactor);
        print_plan(ctx, &view);
        if let Some(out) = &args.out.as_deref().map(|p| ctx.resolve(p)) {
            // The file is uploaded as a pipeline artifact: no sensitive value goes in it.
            let saved = SavedPlan::new(&made.plan, &targets, &replace, |v| redactor.json(v));
            let text = render::to_json(&saved);
            // A sensitive value that is also a word of the file's own format (an action, a
            // kind) would leave a file no apply can read: say so now, not at apply.
            if let Err(e) = SavedPlan::parse(&text) {
                return Err(crate::cli::CliError::new(format!(
                    "the plan cannot be saved with its sensitive values hidden ({e}); nothing was written"
                )));
            }
            crate::state::atomic_write(out, text.as_bytes())?;
            println_to!(
                ctx.stderr,
                "Saved the plan to {}; apply exactly this plan with: snowform apply {}",
                out.display(),
                out.display()
            );
        }
        let exit = if args.detailed_exitcode && view.has_changes() {
            Exit::Changes
        } else {
            Exit::Ok
        };
        ctx.discard(view);
        ctx.discard(made);
        Ok(exit)
    });
    ctx.discard(config);
    result
}

pub(crate) fn print_plan(ctx: &Ctx, view: &PlanView) {
    match ctx.global.format {
        Format::Json => {
            // A closed pipe (`| head`) is not worth a panic.
            let _ = render::write_json(ctx.stdout.clone(), view);
        }
        Format::Markdown => print_to!(ctx.stdout, "{}", plan_markdown::render(view, &[])),
        Format::Human => print_to!(ctx.stdout, "{}", plan_human::render(view, &ctx.out_style)),
    }
}
