//! The dependency graph as DOT: one node per object, an edge from each object to what it
//! depends on.

use crate::cli::{CliError, Ctx, Exit};

pub fn run(ctx: &Ctx) -> Result<Exit, CliError> {
    let config = ctx.load_config()?;
    print_to!(ctx.stdout, "{}", ctx.redact(&dot(&config.objects)));
    Ok(Exit::Ok)
}

pub fn dot(objects: &[crate::model::Object]) -> String {
    let q = |s: &str| serde_json::to_string(s).expect("strings serialise");
    let mut out = String::from("digraph snowform {\n  rankdir = \"BT\";\n  node [shape = box];\n");
    for o in objects {
        out.push_str(&format!(
            "  {} [label = {}];\n",
            q(&o.address.to_string()),
            q(&format!("{}\n{}", o.address, o.name))
        ));
    }
    for o in objects {
        for d in &o.deps {
            out.push_str(&format!(
                "  {} -> {};\n",
                q(&o.address.to_string()),
                q(&d.to_string())
            ));
        }
    }
    out.push_str("}\n");
    out
}
