//! The declared event types and the resolution of a feature's `events` to channels.

use super::{invalid, Chan};
use crate::error::{closest, FeatureError};
use crate::spec::{EventSel, EventTypeDecl};

/// The declared event types: channel `i` is type `i`; channel `ids.len()` is `any`.
pub struct Events {
    /// The raw values in the type column.
    pub ids: Vec<String>,
    /// The names used in the spec and in feature names.
    names: Vec<String>,
}

impl Events {
    /// Checks the declarations: names usable in feature names, no type declared twice.
    pub fn new(decls: &[EventTypeDecl]) -> Result<Events, FeatureError> {
        let ids: Vec<String> = decls.iter().map(|t| t.id().to_string()).collect();
        let names: Vec<String> = decls.iter().map(|t| t.name().to_string()).collect();
        for (i, n) in names.iter().enumerate() {
            if n == "any" || n == "*" || n.is_empty() {
                return Err(invalid(
                    format!("activity.event_types[{i}]"),
                    format!("'{n}' cannot be used as an event type name"),
                ));
            }
            if names[..i].contains(n) || ids[..i].contains(&ids[i]) {
                return Err(invalid(format!("activity.event_types[{i}]"), format!("'{n}' is declared twice")));
            }
        }
        Ok(Events { ids, names })
    }

    /// The channel of `any` (every row whatever its type).
    pub fn any(&self) -> Chan {
        self.ids.len()
    }

    /// The channels (and names) a selection stands for, in order; `field` names it in errors.
    pub fn resolve(&self, field: &str, sel: &EventSel) -> Result<Vec<(Chan, String)>, FeatureError> {
        let any = self.any();
        let type_names = &self.names;
        let names: Vec<&str> = match sel {
            EventSel::One(s) if s == "any" => return Ok(vec![(any, "any".to_string())]),
            EventSel::One(s) if s == "*" => {
                if type_names.is_empty() {
                    return Err(invalid(field, "'*' needs `activity.event_types` to be declared"));
                }
                return Ok(type_names.iter().cloned().enumerate().collect());
            }
            EventSel::One(s) => vec![s.as_str()],
            EventSel::Many(v) => v.iter().map(|s| s.as_str()).collect(),
        };
        if names.is_empty() {
            return Err(invalid(field, "the list of event types is empty"));
        }
        let mut out = Vec::new();
        for n in names {
            if n == "any" {
                out.push((any, "any".to_string()));
                continue;
            }
            match type_names.iter().position(|t| t == n) {
                Some(i) => out.push((i, n.to_string())),
                None => {
                    return Err(FeatureError::UnknownEventType {
                        field: field.to_string(),
                        value: n.to_string(),
                        suggestion: closest(n, type_names.iter().map(|s| s.as_str())),
                        declared: if type_names.is_empty() {
                            "(none; declare them in `activity.event_types`)".to_string()
                        } else {
                            type_names.join(", ")
                        },
                    })
                }
            }
        }
        Ok(out)
    }
}
