//! sandbox serve / exec / reset.

use crate::cli::args::{SandboxCommand, ServeArgs};
use crate::cli::{CliError, Ctx, Exit};
use crate::render::Format;
use crate::sandbox::{self, AccessToken, FaultOptions, ServeOptions, UserKey, UserPassword};
use crate::snowflake::Secret;
use std::time::Duration;

pub fn run(ctx: &Ctx, cmd: SandboxCommand) -> Result<Exit, CliError> {
    match cmd {
        SandboxCommand::Serve(args) => serve(ctx, &args),
        SandboxCommand::Exec { sql } => exec(ctx, &sql),
        SandboxCommand::Reset => reset(ctx),
    }
}

fn serve(ctx: &Ctx, args: &ServeArgs) -> Result<Exit, CliError> {
    if args.users.len() != args.public_keys.len() {
        return Err(CliError::new(
            "give one --public-key FILE after each --user NAME",
        ));
    }
    let mut users = Vec::new();
    for (user, path) in args.users.iter().zip(&args.public_keys) {
        let pem = std::fs::read_to_string(path).map_err(|e| {
            CliError::new(format!(
                "cannot read the public key {}: {e}",
                path.display()
            ))
        })?;
        users.push(UserKey {
            user: user.clone(),
            public_key: pem,
        });
    }
    let mut tokens = Vec::new();
    for t in &args.tokens {
        let (user, token) = t
            .split_once('=')
            .ok_or_else(|| CliError::new(format!("--token takes USER=TOKEN, not {t:?}")))?;
        tokens.push(AccessToken {
            user: user.to_string(),
            token: Secret::new(token),
        });
    }
    let mut passwords = Vec::new();
    for p in &args.passwords {
        let (user, password) = p.split_once('=').ok_or_else(|| {
            CliError::new("--password takes USER=SECRET (the secret is not shown here)")
        })?;
        passwords.push(UserPassword {
            user: user.to_string(),
            password: Secret::new(password),
        });
    }
    let opts = ServeOptions {
        port: args.port,
        account: args.account.clone(),
        users,
        tokens,
        passwords,
        faults: FaultOptions {
            latency: Duration::from_millis(args.latency_ms),
            fail_every: args.fail_every,
            fail_status: args.fail_status,
            drop_connection_every: args.drop_connection_every,
            async_after: args.async_after_ms.map(Duration::from_millis),
            fail_matching: args.fail_matching.clone(),
        },
        ..ServeOptions::default()
    };
    let engine: Box<dyn sandbox::SqlEngine> = match &args.account_file {
        Some(path) => Box::new(
            sandbox::Engine::open(path, &args.account)
                .map_err(|e| CliError::new(format!("cannot open {}: {e}", path.display())))?,
        ),
        None => Box::new(sandbox::Engine::new(&args.account)),
    };
    super::runtime(ctx)?.block_on(async {
        let server = sandbox::start(opts, engine)
            .await
            .map_err(|e| CliError::new(e.to_string()))?;
        println_to!(ctx.stdout, "listening on {}", server.base_url());
        // Ctrl-C stops a server of its own process; in a shared one the caller ends it.
        let interrupted = async {
            if ctx.signals {
                let _ = tokio::signal::ctrl_c().await;
            } else {
                std::future::pending::<()>().await;
            }
        };
        let flusher = server.flusher();
        tokio::select! {
            _ = server.wait() => {}
            _ = interrupted => {}
        }
        // The account file alone is the account again (the journal kept it meanwhile).
        flusher.flush();
        Ok(Exit::Ok)
    })
}

fn exec(ctx: &Ctx, sql: &str) -> Result<Exit, CliError> {
    let ctx = ctx.with_connection(crate::cli::session::SANDBOX);
    super::runtime(&ctx)?.block_on(async {
        let session = ctx.session(true).await?.expect("required");
        let mut results = Vec::new();
        for (stmt, _) in crate::sql::split_statements(sql)
            .map_err(|e| CliError::new(format!("cannot read the SQL: {e}")))?
        {
            let r = session
                .client
                .query(&stmt)
                .await
                .map_err(|e| CliError::new(e.to_string()))?;
            results.push(r);
        }
        for r in results {
            match ctx.global.format {
                Format::Json => {
                    let cols: Vec<&str> = r.columns.iter().map(|c| c.name.as_str()).collect();
                    println_to!(
                        ctx.stdout,
                        "{}",
                        serde_json::json!({ "columns": cols, "rows": r.rows })
                    );
                }
                _ => {
                    let mut t = comfy_table::Table::new();
                    t.load_style(comfy_table::presets::UTF8_FULL_CONDENSED);
                    t.force_no_tty();
                    t.set_header(r.columns.iter().map(|c| c.name.clone()).collect::<Vec<_>>());
                    for row in &r.rows {
                        t.add_row(
                            row.iter()
                                .map(|v| v.clone().unwrap_or_else(|| "NULL".into()))
                                .collect::<Vec<_>>(),
                        );
                    }
                    println_to!(ctx.stdout, "{t}");
                }
            }
        }
        Ok(Exit::Ok)
    })
}

fn reset(ctx: &Ctx) -> Result<Exit, CliError> {
    let path = ctx.sandbox_account_path()?;
    // Its journal goes with it (a new file would not replay it, but it would be left over).
    let _ = std::fs::remove_file(crate::sandbox::engine::persist::journal_path(&path));
    match std::fs::remove_file(&path) {
        Ok(()) => println_to!(
            ctx.stderr,
            "Emptied the sandbox account {}.",
            path.display()
        ),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            println_to!(
                ctx.stderr,
                "The sandbox account {} is already empty.",
                path.display()
            )
        }
        Err(e) => {
            return Err(CliError::new(format!(
                "cannot remove {}: {e}",
                path.display()
            )))
        }
    }
    Ok(Exit::Ok)
}
