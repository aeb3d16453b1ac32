//! The cut options of API.md, one field per option, with their defaults and ranges. The API, the
//! browser and the tests all resolve options here, so a default lives in exactly one place.

use serde::{Deserialize, Serialize};

use crate::error::{EngineError, Result};
use crate::transcript::Millis;

/// What to do with speech that is not in the reference script.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ScriptMode {
    /// Drop every off-script span.
    Strict,
    /// Drop only off-script spans of at least `LOOSE_OFF_SCRIPT_MILLIS`: asides go, ad-libbed
    /// words inside a take stay.
    Loose,
}

/// In `loose` mode, off-script speech shorter than this is kept.
pub const LOOSE_OFF_SCRIPT_MILLIS: Millis = 3_000;

/// Most filler words or phrases one cut may list.
pub const MAX_FILLER_WORDS: usize = 200;

/// The cut options with their defaults (API.md "Cuts"): the API, the browser and the tests all
/// resolve options here, and the API's OpenAPI document describes them from these comments.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(default, deny_unknown_fields)]
pub struct CutOptions {
    /// Remove dead air.
    #[cfg_attr(feature = "openapi", schema(default = true))]
    pub remove_silence: bool,
    /// −100…0 dBFS: quieter is silence. `null`: relative to the recording's measured noise floor,
    /// as the voice-activity detector decides.
    #[cfg_attr(feature = "openapi", schema(default = json!(null)))]
    pub silence_threshold_db: Option<f64>,
    /// 0.1…30: silences at least this long are dead air.
    #[cfg_attr(feature = "openapi", schema(default = 0.5))]
    pub min_silence_seconds: f64,
    /// 0…2: kept each side of a removed silence, so words keep their breath.
    #[cfg_attr(feature = "openapi", schema(default = 0.15))]
    pub margin_seconds: f64,
    /// 0…10: kept clips shorter than this are dropped (`too_short`).
    #[cfg_attr(feature = "openapi", schema(default = 0.2))]
    pub min_clip_seconds: f64,
    /// Remove filler words.
    #[cfg_attr(feature = "openapi", schema(default = true))]
    pub remove_fillers: bool,
    /// Up to 200 words or phrases; `null`: the asset language's list (`default_fillers`).
    #[cfg_attr(feature = "openapi", schema(default = json!(null)))]
    pub filler_words: Option<Vec<String>>,
    /// Remove abandoned takes (restarts).
    #[cfg_attr(feature = "openapi", schema(default = true))]
    pub remove_restarts: bool,
    /// Remove voiced sounds between kept words that no transcript word covers (0.12–1.5 s within
    /// a pause): hesitations, stutters and fillers the recogniser left out. Removed as `filler`.
    /// Needs a transcript and the audio analysis.
    #[cfg_attr(feature = "openapi", schema(default = true))]
    pub remove_untranscribed_speech: bool,
    /// With a script: `strict` drops every off-script span, `loose` only those of 3 s or more.
    #[cfg_attr(feature = "openapi", schema(default = "strict"))]
    pub script_mode: ScriptMode,
}

impl Default for CutOptions {
    fn default() -> Self {
        Self {
            remove_silence: true,
            silence_threshold_db: None,
            min_silence_seconds: 0.5,
            margin_seconds: 0.15,
            min_clip_seconds: 0.2,
            remove_fillers: true,
            filler_words: None,
            remove_restarts: true,
            remove_untranscribed_speech: true,
            script_mode: ScriptMode::Strict,
        }
    }
}

impl CutOptions {
    /// The options if every value is in range, else an `invalid_argument` at `options.<name>`.
    /// A negative zero is made zero: `-0.0` and `0` are one setting, and one cut.
    pub fn validated(mut self) -> Result<Self> {
        for value in [&mut self.min_silence_seconds, &mut self.margin_seconds, &mut self.min_clip_seconds]
            .into_iter()
            .chain(self.silence_threshold_db.as_mut())
        {
            *value += 0.0;
        }
        let check = |value: f64, name: &str, low: f64, high: f64| {
            if value.is_finite() && (low..=high).contains(&value) {
                Ok(())
            } else {
                Err(EngineError::invalid_argument(format!("must be between {low} and {high}"))
                    .at(format!("options.{name}")))
            }
        };
        if let Some(threshold) = self.silence_threshold_db {
            check(threshold, "silence_threshold_db", -100.0, 0.0)?;
        }
        check(self.min_silence_seconds, "min_silence_seconds", 0.1, 30.0)?;
        check(self.margin_seconds, "margin_seconds", 0.0, 2.0)?;
        check(self.min_clip_seconds, "min_clip_seconds", 0.0, 10.0)?;
        if let Some(fillers) = &self.filler_words {
            if fillers.len() > MAX_FILLER_WORDS {
                return Err(EngineError::invalid_argument(format!("at most {MAX_FILLER_WORDS} entries"))
                    .at("options.filler_words"));
            }
            if let Some(index) = fillers.iter().position(|f| f.trim().is_empty() || f.chars().count() > 64) {
                return Err(
                    EngineError::invalid_argument("1 to 64 characters").at(format!("options.filler_words[{index}]"))
                );
            }
        }
        Ok(self)
    }

    pub(crate) fn millis(seconds: f64) -> Millis {
        (seconds * 1000.0).round() as Millis
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_fill_in_and_ranges_are_enforced() {
        let options: CutOptions =
            serde_json::from_str(r#"{"margin_seconds":0.3,"script_mode":"loose"}"#).expect("parsed");
        assert_eq!(options.margin_seconds, 0.3);
        assert_eq!(options.min_silence_seconds, CutOptions::default().min_silence_seconds);
        assert_eq!(options.script_mode, ScriptMode::Loose);
        assert!(options.validated().is_ok());
        let bad = CutOptions { margin_seconds: 5.0, ..CutOptions::default() };
        assert_eq!(bad.validated().expect_err("refused").field.as_deref(), Some("options.margin_seconds"));
        let bad = CutOptions { silence_threshold_db: Some(3.0), ..CutOptions::default() };
        assert_eq!(bad.validated().expect_err("refused").field.as_deref(), Some("options.silence_threshold_db"));
        let bad = CutOptions { filler_words: Some(vec!["um".into(), " ".into()]), ..CutOptions::default() };
        assert_eq!(bad.validated().expect_err("refused").field.as_deref(), Some("options.filler_words[1]"));
        assert!(serde_json::from_str::<CutOptions>(r#"{"margin":1}"#).is_err(), "unknown options are refused");
    }

    #[test]
    fn a_negative_zero_is_zero() {
        let negative: CutOptions =
            serde_json::from_str(r#"{"margin_seconds":-0.0,"min_clip_seconds":-0}"#).expect("parsed");
        let zero: CutOptions = serde_json::from_str(r#"{"margin_seconds":0,"min_clip_seconds":0}"#).expect("parsed");
        let (negative, zero) = (negative.validated().expect("valid"), zero.validated().expect("valid"));
        assert_eq!(serde_json::to_string(&negative).ok(), serde_json::to_string(&zero).ok());
    }
}
