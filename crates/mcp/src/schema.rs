//! JSON Schemas as tools/list carries them: the input schema whole (minus
//! the meta keys clients ignore) and a shallow output schema, which names the
//! result's fields and their JSON types without restating every nested
//! record. Tools cost context; the full shapes are in `pm_docs`.

use serde_json::{Map, Value, json};

/// An input schema ready for tools/list, compacted without refusing anything
/// the server accepts: `$defs` are inlined, numeric `format`s and the
/// `minimum: 0` of unsigned numbers dropped, `type` dropped where an `enum`
/// already says it, and an optional field's `null` is left out of its type
/// unless its description says null means something (clearing the field).
pub fn input(schema: Value) -> Map<String, Value> {
    let defs = schema.get("$defs").cloned().unwrap_or(Value::Null);
    let mut obj = match compact(schema, &defs) {
        Value::Object(m) => m,
        _ => Map::new(),
    };
    obj.remove("$defs");
    // The tool's description already says what the input is for, and unknown
    // arguments are refused by name at call time.
    obj.remove("description");
    obj.remove("additionalProperties");
    obj.entry("type").or_insert_with(|| json!("object"));
    obj.entry("properties").or_insert_with(|| json!({}));
    let required: Vec<String> = obj
        .get("required")
        .and_then(Value::as_array)
        .map(|r| {
            r.iter()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    if let Some(Value::Object(props)) = obj.get_mut("properties") {
        for (name, prop) in props.iter_mut() {
            let says_null = prop
                .get("description")
                .and_then(Value::as_str)
                .is_some_and(|d| d.contains("null"));
            if !required.contains(name) && !says_null {
                drop_null(prop);
            }
        }
    }
    obj
}

/// A schema with its `$defs` inlined and nothing else dropped: nullable
/// fields stay nullable (for describing outputs).
pub fn inlined(schema: Value) -> Map<String, Value> {
    let defs = schema.get("$defs").cloned().unwrap_or(Value::Null);
    let mut obj = match compact(schema, &defs) {
        Value::Object(m) => m,
        _ => Map::new(),
    };
    obj.remove("$defs");
    obj
}

const NOISE: &[&str] = &["$schema", "title"];
const NUMERIC_FORMATS: &[&str] = &[
    "uint", "uint8", "uint16", "uint32", "uint64", "int", "int8", "int16", "int32", "int64",
    "float", "double",
];

/// Inlines `$ref`s and removes keys that tell a client nothing.
fn compact(v: Value, defs: &Value) -> Value {
    match v {
        Value::Object(m) => {
            if let Some(r) = m.get("$ref").and_then(Value::as_str)
                && let Some(def) = r.rsplit('/').next().and_then(|n| defs.get(n))
            {
                let mut inlined = compact(def.clone(), defs);
                if let (Value::Object(target), Some(desc)) = (&mut inlined, m.get("description")) {
                    target.insert("description".into(), desc.clone());
                } else if let Value::Object(target) = &mut inlined {
                    target.remove("description");
                }
                return inlined;
            }
            if let Some(many) = one_or_many(&m, defs) {
                return many;
            }
            if let Some(plain) = const_choices(&m) {
                return plain;
            }
            let unsigned = m
                .get("format")
                .and_then(Value::as_str)
                .is_some_and(|f| f.starts_with("uint"));
            let enum_says_type = enum_says_type(&m);
            let mut out = Map::new();
            for (k, val) in m {
                if NOISE.contains(&k.as_str()) {
                    continue;
                }
                if k == "format" && val.as_str().is_some_and(|f| NUMERIC_FORMATS.contains(&f)) {
                    continue;
                }
                // Unsigned numbers carry `minimum: 0`; every such field says its range.
                if k == "minimum" && unsigned && val.as_f64() == Some(0.0) {
                    continue;
                }
                if k == "type" && enum_says_type {
                    continue;
                }
                // Doc comments wrap lines; a description reads the same on one.
                if k == "description"
                    && let Value::String(d) = &val
                {
                    out.insert(k, Value::String(one_line(d)));
                    continue;
                }
                if k == "default" && val.is_null() {
                    continue;
                }
                let val = if k == "properties" {
                    // Property names are data, never noise: compact each schema, keep every name.
                    match val {
                        Value::Object(props) => Value::Object(
                            props
                                .into_iter()
                                .map(|(name, p)| (name, compact(p, defs)))
                                .collect(),
                        ),
                        other => other,
                    }
                } else {
                    compact(val, defs)
                };
                out.insert(k, val);
            }
            Value::Object(out)
        }
        Value::Array(items) => Value::Array(items.into_iter().map(|i| compact(i, defs)).collect()),
        other => other,
    }
}

/// Whitespace runs (wrapped lines included) as single spaces.
fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// True when an `enum` lists the only values and each is of a `type` the
/// schema names, so `type` says nothing more.
fn enum_says_type(m: &Map<String, Value>) -> bool {
    let Some(Value::Array(values)) = m.get("enum") else {
        return false;
    };
    let types: Vec<&str> = match m.get("type") {
        Some(Value::String(t)) => vec![t.as_str()],
        Some(Value::Array(ts)) => ts.iter().filter_map(Value::as_str).collect(),
        _ => return false,
    };
    !values.is_empty()
        && values.iter().all(|v| {
            let t = match v {
                Value::Null => "null",
                Value::Bool(_) => "boolean",
                Value::String(_) => "string",
                Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
                Value::Number(_) => "number",
                Value::Array(_) => "array",
                Value::Object(_) => "object",
            };
            types.contains(&t) || (t == "integer" && types.contains(&"number"))
        })
}

/// `anyOf: [X, array of X]` (one value or several) documented as the array
/// form alone; the server goes on accepting a single value too.
fn one_or_many(m: &Map<String, Value>, defs: &Value) -> Option<Value> {
    let Some(Value::Array(alts)) = m.get("anyOf") else {
        return None;
    };
    let [one, many] = alts.as_slice() else {
        return None;
    };
    let one = compact(one.clone(), defs);
    let many = compact(many.clone(), defs);
    let is_many_of_one = many.get("type").and_then(Value::as_str) == Some("array")
        && many.get("items") == Some(&one);
    if !is_many_of_one {
        return None;
    }
    let mut out = many.as_object().cloned().unwrap_or_default();
    if let Some(d) = m.get("description") {
        out.insert("description".into(), d.clone());
    }
    Some(Value::Object(out))
}

/// `oneOf` string constants (an enum whose variants carry doc comments) as a
/// plain `enum`; the property's own description says what the values mean.
fn const_choices(m: &Map<String, Value>) -> Option<Value> {
    let Some(Value::Array(alts)) = m.get("oneOf") else {
        return None;
    };
    let values: Vec<Value> = alts
        .iter()
        .map(|a| a.get("const").filter(|c| c.is_string()).cloned())
        .collect::<Option<_>>()?;
    let mut out = Map::new();
    if let Some(d) = m.get("description") {
        out.insert("description".into(), d.clone());
    }
    out.insert("enum".into(), Value::Array(values));
    Some(Value::Object(out))
}

/// Removes `null` from a property's type, enum and alternatives.
fn drop_null(prop: &mut Value) {
    let Value::Object(m) = prop else { return };
    if let Some(Value::Array(types)) = m.get_mut("type") {
        types.retain(|t| t != "null");
        if types.len() == 1 {
            let only = types[0].clone();
            m.insert("type".into(), only);
        }
    }
    if let Some(Value::Array(values)) = m.get_mut("enum") {
        values.retain(|v| !v.is_null());
    }
    for key in ["anyOf", "oneOf"] {
        if let Some(Value::Array(alts)) = m.get_mut(key) {
            alts.retain(|a| a.get("type").and_then(Value::as_str) != Some("null"));
            if alts.len() == 1 {
                let only = alts.remove(0);
                m.remove(key);
                if let Value::Object(inner) = only {
                    for (k, v) in inner {
                        m.entry(k).or_insert(v);
                    }
                }
            }
        }
    }
}

/// A shallow output schema: the names of the top-level properties. Their
/// shapes are in each result's text and in `pm_docs`; naming them is what
/// lets a client rely on the fields, and leaving the rest out keeps
/// tools/list inside its token budget.
pub fn output(schema: Value) -> Map<String, Value> {
    let mut props = Map::new();
    if let Some(Value::Object(p)) = schema.get("properties") {
        for name in p.keys() {
            props.insert(name.clone(), json!({}));
        }
    }
    let mut out = Map::new();
    out.insert("type".into(), json!("object"));
    out.insert("properties".into(), Value::Object(props));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn output_keeps_names_only() {
        let schema = json!({
            "$schema": "x", "title": "T", "type": "object",
            "properties": {
                "issue": { "$ref": "#/$defs/Issue" },
                "next_cursor": { "type": ["string", "null"] }
            },
            "$defs": { "Issue": { "type": "object", "properties": { "key": { "type": "string" } } } }
        });
        let out = Value::Object(output(schema));
        assert_eq!(
            out,
            json!({ "type": "object", "properties": { "issue": {}, "next_cursor": {} } })
        );
        let inp =
            input(json!({ "$schema": "x", "title": "T", "type": "object", "properties": {} }));
        assert!(!inp.contains_key("$schema") && !inp.contains_key("title"));
    }

    #[test]
    fn input_is_compacted_but_keeps_its_meaning() {
        let schema = json!({
            "type": "object", "additionalProperties": false, "required": ["issue_key"],
            "properties": {
                "issue_key": { "type": "string" },
                "limit": { "type": ["integer", "null"], "format": "uint32", "minimum": 0 },
                "owner": { "type": ["string", "null"], "description": "Owner; null clears it." },
                "status": { "anyOf": [{ "$ref": "#/$defs/Many" }, { "type": "null" }] },
                "sort": { "enum": ["asc", "desc", null], "type": ["string", "null"] },
                "level": { "enum": ["low", "high", null], "type": ["string", "null"], "description": "null clears it." },
                "mixed": { "enum": ["a", 1], "type": "string" },
                "signed": { "type": "integer", "format": "int32", "minimum": 0 },
                "day": { "type": ["string", "null"], "format": "date" },
                "wrapped": { "type": "boolean", "description": "Stage every change,\nnew files included." },
                "mode": { "description": "How.", "oneOf": [
                    { "const": "carry", "type": "string", "description": "Take them along." },
                    { "const": "stash", "type": "string", "description": "Stash them." } ] }
            },
            "$defs": { "Many": { "description": "One value or a list.", "anyOf": [
                { "enum": ["a", "b"], "type": "string" },
                { "type": "array", "items": { "enum": ["a", "b"], "type": "string" } } ] } }
        });
        let inp = Value::Object(input(schema));
        assert!(inp.get("$defs").is_none());
        assert_eq!(
            inp["properties"]["mode"],
            json!({ "description": "How.", "enum": ["carry", "stash"] })
        );
        assert_eq!(inp["properties"]["limit"], json!({ "type": "integer" }));
        assert_eq!(
            inp["properties"]["wrapped"]["description"],
            "Stage every change, new files included."
        );
        assert_eq!(
            inp["properties"]["owner"]["type"],
            json!(["string", "null"]),
            "null kept where it means clear"
        );
        assert_eq!(
            inp["properties"]["sort"],
            json!({ "enum": ["asc", "desc"] })
        );
        assert_eq!(
            inp["properties"]["level"],
            json!({ "enum": ["low", "high", null], "description": "null clears it." }),
            "an enum says the type, null included"
        );
        assert_eq!(
            inp["properties"]["mixed"],
            json!({ "enum": ["a", 1], "type": "string" }),
            "a type the enum does not say stays"
        );
        assert_eq!(
            inp["properties"]["signed"],
            json!({ "type": "integer", "minimum": 0 }),
            "a minimum of a signed number is meant"
        );
        assert_eq!(inp["properties"]["day"]["format"], "date");
        assert_eq!(
            inp["properties"]["status"],
            json!({ "type": "array", "items": { "enum": ["a", "b"] } })
        );
        assert!(inp["properties"]["status"].get("description").is_none());
        let titled = Value::Object(input(
            json!({ "type": "object", "title": "X", "properties": { "title": { "type": "string", "title": "T" } } }),
        ));
        assert_eq!(
            titled["properties"]["title"],
            json!({ "type": "string" }),
            "a property named title survives"
        );
        assert!(inp.get("additionalProperties").is_none());
        assert_eq!(inp["required"], json!(["issue_key"]));
    }
}
