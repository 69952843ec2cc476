//! Turning JSON arguments into typed inputs, with errors that name the field.

use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::ServiceError;

/// Deserializes `args` into `T`. Wrong types, bad enum values, missing and
/// unknown fields all become `Invalid` naming the field.
pub fn parse_input<T: DeserializeOwned>(args: Value) -> Result<T, ServiceError> {
    parse_with_lists(args, &[])
}

/// [`parse_input`] for an operation whose list fields are `lists`: each of
/// them also takes a string, split into items (see [`split_list`]).
/// Argument names may be written with dashes (`time-spent`), and no text
/// anywhere in the arguments may hold a control character.
pub(crate) fn parse_with_lists<T: DeserializeOwned>(
    args: Value,
    lists: &[String],
) -> Result<T, ServiceError> {
    let mut args = if args.is_null() {
        Value::Object(Default::default())
    } else {
        args
    };
    if let Value::Object(map) = &mut args {
        let dashed: Vec<String> = map.keys().filter(|k| k.contains('-')).cloned().collect();
        for k in dashed {
            let underscored = k.replace('-', "_");
            if !map.contains_key(&underscored)
                && let Some(v) = map.remove(&k)
            {
                map.insert(underscored, v);
            }
        }
        for field in lists {
            if let Some(v) = map.get_mut(field)
                && let Value::String(text) = v
            {
                *v = Value::Array(split_list(text).into_iter().map(Value::String).collect());
            }
        }
    }
    check_text(&args, &mut String::new())?;
    if !args.is_object() {
        return Err(ServiceError::invalid(
            "arguments",
            format!(
                "expected a JSON object of named arguments, got {}",
                kind(&args)
            ),
        ));
    }
    serde_path_to_error::deserialize(args).map_err(|e| {
        let path = e.path().to_string();
        let message = e.inner().to_string();
        let named = between_backticks(&message);
        let field = if message.starts_with("unknown field") || message.starts_with("missing field")
        {
            match (path.as_str(), named) {
                (".", Some(n)) => n.to_string(),
                (p, Some(n)) if p == n || p.ends_with(&format!(".{n}")) => p.to_string(),
                (p, Some(n)) => format!("{p}.{n}"),
                (p, None) => p.to_string(),
            }
        } else if path == "." {
            "arguments".to_string()
        } else {
            path
        };
        let message = message.replace('`', "'");
        let message = match message.find(" at line ") {
            Some(pos) => message[..pos].to_string(),
            None => message,
        };
        ServiceError::invalid(field, message)
    })
}

/// The items of a list written as a string: one per line when it has line
/// breaks, else comma-separated; blank items dropped.
pub fn split_list(text: &str) -> Vec<String> {
    let parts: Vec<&str> = if text.contains('\n') {
        text.lines().collect()
    } else {
        text.split(',').collect()
    };
    parts
        .into_iter()
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(str::to_string)
        .collect()
}

/// Refuses any string in `v` holding a control character, naming where.
fn check_text(v: &Value, path: &mut String) -> Result<(), ServiceError> {
    match v {
        Value::String(s) => {
            let field = if path.is_empty() {
                "arguments"
            } else {
                path.as_str()
            };
            lazypm_domain::text::printable(field, s).map_err(ServiceError::from)
        }
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                let len = path.len();
                path.push_str(&format!("[{i}]"));
                check_text(item, path)?;
                path.truncate(len);
            }
            Ok(())
        }
        Value::Object(map) => {
            for (k, item) in map {
                let len = path.len();
                if !path.is_empty() {
                    path.push('.');
                }
                path.push_str(k);
                check_text(item, path)?;
                path.truncate(len);
            }
            Ok(())
        }
        _ => Ok(()),
    }
}

/// The top-level fields of an input schema that take a list, and the schema
/// saying that each of them also takes a string of items.
pub(crate) fn list_fields(schema: &mut Value) -> Vec<String> {
    let defs = schema.get("$defs").cloned().unwrap_or(Value::Null);
    let mut names = Vec::new();
    let Some(Value::Object(props)) = schema.get_mut("properties") else {
        return names;
    };
    for (name, prop) in props.iter_mut() {
        if let Some(items) = list_items(prop, &defs) {
            let mut list = serde_json::Map::new();
            if let Some(d) = prop.get("description").cloned() {
                list.insert("description".into(), d);
            }
            list.insert("type".into(), serde_json::json!(["array", "string"]));
            list.insert("items".into(), items);
            *prop = Value::Object(list);
            names.push(name.clone());
        }
    }
    names
}

/// The item schema when `prop` is a list (an array, one value or an array,
/// either of them nullable), following `$ref`s into `defs`.
fn list_items(prop: &Value, defs: &Value) -> Option<Value> {
    let resolved = resolve(prop, defs);
    if resolved.get("type").and_then(Value::as_str) == Some("array")
        || resolved
            .get("type")
            .and_then(Value::as_array)
            .is_some_and(|t| t.iter().any(|x| x == "array"))
    {
        return Some(resolve(resolved.get("items")?, defs).clone());
    }
    let alts = resolved
        .get("anyOf")
        .or_else(|| resolved.get("oneOf"))?
        .as_array()?;
    alts.iter()
        .filter(|a| resolve(a, defs).get("type").and_then(Value::as_str) != Some("null"))
        .find_map(|a| list_items(a, defs))
}

fn resolve<'a>(v: &'a Value, defs: &'a Value) -> &'a Value {
    match v.get("$ref").and_then(Value::as_str) {
        Some(r) => r
            .rsplit('/')
            .next()
            .and_then(|name| defs.get(name))
            .unwrap_or(v),
        None => v,
    }
}

fn between_backticks(s: &str) -> Option<&str> {
    let start = s.find('`')? + 1;
    let len = s[start..].find('`')?;
    Some(&s[start..start + len])
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// Deserializer for `Option<Option<T>>` fields: absent → `None` (leave as is),
/// `null` → `Some(None)` (clear), a value → `Some(Some(v))` (set).
pub(crate) fn nullable<'de, D, T>(d: D) -> Result<Option<Option<T>>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: serde::Deserialize<'de>,
{
    use serde::Deserialize;
    Option::<T>::deserialize(d).map(Some)
}

#[cfg(test)]
mod tests {
    use super::*;
    use lazypm_domain::Priority;
    use serde::Deserialize;
    use serde_json::json;

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Sample {
        title: String,
        priority: Option<Priority>,
        limit: Option<u32>,
    }

    fn field_of(args: Value) -> (String, String) {
        match parse_input::<Sample>(args) {
            Err(ServiceError::Invalid { field, message }) => (field, message),
            other => panic!("expected Invalid, got {other:?}"),
        }
    }

    #[test]
    fn names_the_field_for_every_kind_of_mistake() {
        let (f, m) = field_of(json!({"title": "x", "priority": "P9"}));
        assert_eq!(f, "priority");
        assert!(m.contains("expected one of P1, P2, P3, P4, P5"), "{m}");
        let (f, m) = field_of(json!({"title": "x", "colour": "red"}));
        assert_eq!(f, "colour");
        assert!(m.contains("unknown field 'colour'"), "{m}");
        let (f, _) = field_of(json!({}));
        assert_eq!(f, "title");
        let (f, m) = field_of(json!({"title": 3}));
        assert_eq!(f, "title");
        assert!(m.contains("expected a string"), "{m}");
        let (f, _) = field_of(json!({"title": "x", "limit": -1}));
        assert_eq!(f, "limit");
        let (f, _) = field_of(json!([1, 2]));
        assert_eq!(f, "arguments");
    }

    #[test]
    fn lists_take_strings_and_text_takes_no_control_characters() {
        #[derive(Debug, Deserialize, schemars::JsonSchema)]
        #[serde(deny_unknown_fields)]
        struct Listy {
            labels: Option<Vec<String>>,
            time_spent: Option<String>,
        }
        let mut schema = schemars::schema_for!(Listy).to_value();
        let lists = list_fields(&mut schema);
        assert_eq!(lists, vec!["labels".to_string()]);
        assert_eq!(
            schema["properties"]["labels"]["type"],
            serde_json::json!(["array", "string"])
        );
        let parsed: Listy =
            parse_with_lists(json!({"labels": " a, b ,,c", "time-spent": "2h"}), &lists).unwrap();
        assert_eq!(parsed.labels.unwrap(), vec!["a", "b", "c"]);
        assert_eq!(parsed.time_spent.as_deref(), Some("2h"));
        let parsed: Listy =
            parse_with_lists(json!({"labels": "one, with comma\ntwo"}), &lists).unwrap();
        assert_eq!(parsed.labels.unwrap(), vec!["one, with comma", "two"]);
        match parse_with_lists::<Listy>(json!({"labels": ["ok", "x\u{0}y"]}), &lists) {
            Err(ServiceError::Invalid { field, message }) => {
                assert_eq!(field, "labels[1]");
                assert!(message.contains("U+0000"), "{message}");
            }
            other => panic!("expected Invalid, got {other:?}"),
        }
    }

    #[test]
    fn null_means_no_arguments() {
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Empty {}
        assert!(parse_input::<Empty>(Value::Null).is_ok());
    }
}
