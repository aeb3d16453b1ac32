//! PATCH bodies: a field left out changes nothing, a field given is the new value. `null` is no
//! value for a field that cannot be empty (refused with the field's own type error, as a wrong
//! type would be), and clears one that can (as `""` does), so no `null` is silently ignored.

use serde::{Deserialize, Deserializer};

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
    use crate::projects::UpdateProject;
    use crate::webhooks::UpdateWebhookEndpoint;

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
