//! Turning JSON arguments into typed inputs, with errors that name the field.

use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::ServiceError;

/// Deserializes `args` into `T`. Wrong types, bad enum values, missing and
/// unknown fields all become `Invalid` naming the field.
pub fn parse_input<T: DeserializeOwned>(args: Value) -> Result<T, ServiceError> {
    let args = if args.is_null() {
        Value::Object(Default::default())
    } else {
        args
    };
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
    fn null_means_no_arguments() {
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Empty {}
        assert!(parse_input::<Empty>(Value::Null).is_ok());
    }
}
