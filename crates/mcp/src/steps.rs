//! `next_steps` that name only what this server can run. The service
//! suggests tools from its whole table; a step whose tool is not enabled on
//! this server becomes a hint saying how to enable it, so a model never
//! calls a tool it cannot see.

use std::collections::HashSet;

use lazypm_service::OPERATIONS;
use serde_json::Value;

/// Fields whose strings start with a tool name: lists of steps, and a
/// queue item's single next action.
const STEP_LISTS: &[&str] = &["next_steps"];
const STEP_FIELDS: &[&str] = &["next_action"];

/// Rewrites, wherever they are in `value`, the steps whose tool is not in
/// `enabled`.
pub fn only_enabled(value: &mut Value, enabled: &HashSet<&'static str>) {
    match value {
        Value::Object(m) => {
            for (k, v) in m.iter_mut() {
                if STEP_LISTS.contains(&k.as_str())
                    && let Value::Array(steps) = v
                {
                    for s in steps.iter_mut() {
                        rewrite(s, enabled);
                    }
                } else if STEP_FIELDS.contains(&k.as_str()) {
                    rewrite(v, enabled);
                } else {
                    only_enabled(v, enabled);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|v| only_enabled(v, enabled)),
        _ => {}
    }
}

fn rewrite(step: &mut Value, enabled: &HashSet<&'static str>) {
    let Value::String(s) = step else { return };
    if let Some(hint) = hint(s, enabled) {
        *s = hint;
    }
}

/// `pm_link_issues: link them` → `pm_link_issues (enable with --toolsets planning): link them`
/// when pm_link_issues is not enabled; `None` when the step can stay.
fn hint(step: &str, enabled: &HashSet<&'static str>) -> Option<String> {
    let end = step
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .unwrap_or(step.len());
    let (tool, rest) = step.split_at(end);
    if !tool.starts_with("pm_") || enabled.contains(tool) {
        return None;
    }
    let name = lazypm_service::canonical_tool_name(tool)?;
    if enabled.contains(name) {
        return None;
    }
    let op = OPERATIONS.iter().find(|o| o.name == name)?;
    Some(format!(
        "{tool} (enable with --toolsets {}){rest}",
        op.toolset.as_str()
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn steps_for_tools_not_enabled_say_how_to_enable_them() {
        let enabled: HashSet<&'static str> = ["pm_log_work", "pm_get_issue", "pm_estimate"]
            .into_iter()
            .collect();
        let mut v = json!({
            "next_steps": ["pm_log_work: record progress", "pm_link_issues: link them", "read the docs", "pm_nope: ?", "pm_estimate_issue: size it"],
            "status": { "next_steps": ["pm_create_sprint: plan one"] },
            "items": [{ "key": "A-1", "next_action": "pm_start_work A-1" }],
            "note": "pm_link_issues: untouched outside steps"
        });
        only_enabled(&mut v, &enabled);
        assert_eq!(
            v,
            json!({
                "next_steps": ["pm_log_work: record progress", "pm_link_issues (enable with --toolsets planning): link them", "read the docs", "pm_nope: ?", "pm_estimate_issue: size it"],
                "status": { "next_steps": ["pm_create_sprint (enable with --toolsets planning): plan one"] },
                "items": [{ "key": "A-1", "next_action": "pm_start_work (enable with --toolsets core) A-1" }],
                "note": "pm_link_issues: untouched outside steps"
            })
        );
    }
}
