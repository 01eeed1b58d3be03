//! JSON, as `direnv export json` writes it: each variable to its value, `null` when removed.
//! Keys keep the session's order.

use crate::session::EnvChange;

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
