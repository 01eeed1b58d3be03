//! JSON, as `direnv export json` writes it: each variable to its value, `null` when removed.
//! Keys keep the session's order.

use super::writer::{Detect, Writer};
use crate::session::EnvChange;

pub const JSON: Writer = Writer {
    name: "json",
    aliases: &[],
    help: Some("An object mapping each variable to its value, `null` for each removed one"),
    detect: Detect::programs(&[]),
    render: |changes, _| Ok(render(changes)),
    eval: None,
    init: None,
    completions: None,
};

pub fn render(changes: &[EnvChange]) -> String {
    let members: Vec<String> = changes
        .iter()
        .map(|change| {
            let value = match change {
                EnvChange::Set(_, value) => serde_json::Value::from(value.as_str()),
                EnvChange::Unset(_) => serde_json::Value::Null,
            };
            format!("  {}: {value}", serde_json::Value::from(change.name()))
        })
        .collect();
    format!("{{\n{}\n}}\n", members.join(",\n"))
}
