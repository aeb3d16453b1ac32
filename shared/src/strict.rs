//! Strict readings of request fields. serde reads a list into a struct by position; an object
//! field is an object (`object`, `optional_object`). In PATCH bodies a field left out changes
//! nothing, a field given is the new value: `null` is no value for a field that cannot be empty
//! (refused with the field's own type error, as a wrong type would be), and clears one that can
//! (as `""` does), so no `null` is silently ignored.

use std::fmt;
use std::marker::PhantomData;

use serde::de::value::MapAccessDeserializer;
use serde::de::{MapAccess, Visitor};
use serde::{Deserialize, Deserializer};

/// An object, never a list read by position.
pub fn object<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    deserializer.deserialize_map(ObjectVisitor(PhantomData))
}

/// An optional object: `null` or left out is none.
pub fn optional_object<'de, D, T>(deserializer: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<Object<T>>::deserialize(deserializer).map(|object| object.map(|Object(inner)| inner))
}

struct Object<T>(T);

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Object<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        object(deserializer).map(Object)
    }
}

struct ObjectVisitor<T>(PhantomData<T>);

impl<'de, T: Deserialize<'de>> Visitor<'de> for ObjectVisitor<T> {
    type Value = T;

    fn expecting(&self, formatter: &mut fmt::Formatter) -> fmt::Result {
        formatter.write_str("an object")
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<T, A::Error> {
        // the same map, read by the struct's own rules (its field names, its paths in errors)
        T::deserialize(MapAccessDeserializer::new(map))
    }
}

/// A field that cannot be cleared: present means a value (use with `#[serde(default)]`).
pub fn present<'de, D, T>(deserializer: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    T::deserialize(deserializer).map(Some)
}

/// A text that `null` clears, as `""` does.
pub fn null_clears<'de, D>(deserializer: D) -> Result<Option<String>, D::Error>
where
    D: Deserializer<'de>,
{
    Option::<String>::deserialize(deserializer).map(|text| Some(text.unwrap_or_default()))
}

#[cfg(test)]
mod tests {
    use crate::cuts::CreateCut;
    use crate::projects::UpdateProject;
    use crate::renders::CreateRender;
    use crate::webhooks::UpdateWebhookEndpoint;

    #[test]
    fn object_fields_take_objects_only() {
        assert!(serde_json::from_str::<CreateCut>(r#"{"asset_id":"a","options":[false,-50]}"#).is_err());
        assert!(serde_json::from_str::<CreateCut>(r#"{"asset_id":"a","options":[]}"#).is_err());
        let read: CreateCut = serde_json::from_str(r#"{"asset_id":"a","options":{"margin_seconds":0.3}}"#).expect("ok");
        assert_eq!(read.options.map(|o| o.margin_seconds), Some(0.3));
        let none: CreateCut = serde_json::from_str(r#"{"asset_id":"a","options":null}"#).expect("ok");
        assert_eq!(none.options, None);
        assert!(serde_json::from_str::<CreateRender>(r#"{"asset_id":"a","output":["mp4"]}"#).is_err());
        assert!(serde_json::from_str::<CreateRender>(r#"{"asset_id":"a","output":{"format":"mp4"}}"#).is_ok());
        // the path of an error inside still names the field
        let mut json = serde_json::Deserializer::from_str(r#"{"asset_id":"a","options":{"margin_seconds":"x"}}"#);
        let error = serde_path_to_error::deserialize::<_, CreateCut>(&mut json).expect_err("a string");
        assert_eq!(error.path().to_string(), "options.margin_seconds");
    }

    #[test]
    fn null_is_refused_where_nothing_may_be_empty_and_clears_text() {
        assert!(serde_json::from_str::<UpdateProject>(r#"{"name":null}"#).is_err());
        assert!(serde_json::from_str::<UpdateWebhookEndpoint>(r#"{"url":null}"#).is_err());
        assert!(serde_json::from_str::<UpdateWebhookEndpoint>(r#"{"disabled":null}"#).is_err());
        let cleared: UpdateWebhookEndpoint = serde_json::from_str(r#"{"description":null}"#).expect("clears");
        assert_eq!(cleared.description.as_deref(), Some(""));
        let untouched: UpdateWebhookEndpoint = serde_json::from_str("{}").expect("nothing");
        assert_eq!((untouched.url, untouched.description, untouched.disabled), (None, None, None));
        let renamed: UpdateProject = serde_json::from_str(r#"{"name":"Launch"}"#).expect("renamed");
        assert_eq!(renamed.name.as_deref(), Some("Launch"));
    }
}
