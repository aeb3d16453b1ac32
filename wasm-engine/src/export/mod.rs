//! Editor exports of a `Timeline`: OTIO JSON, FCPXML, FCP7 XML (xmeml) and CMX3600 EDL, and
//! captions of the kept speech re-timed to the cut. Each format is one module whose comment says
//! which reader quirks its shape answers to; all of them are read back by OpenTimelineIO's own
//! adapters in the tests.

pub mod edl;
pub mod fcpxml;
pub mod otio;
pub mod subtitles;
pub mod xmeml;

use crate::error::{EngineError, Result};
use crate::timeline::Timeline;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TimelineFormat {
    Otio,
    Fcpxml,
    Xmeml,
    Edl,
}

impl TimelineFormat {
    pub const ALL: [Self; 4] = [Self::Xmeml, Self::Fcpxml, Self::Edl, Self::Otio];

    /// The API's `format` names.
    pub fn parse(name: &str) -> Result<Self> {
        Self::ALL
            .into_iter()
            .find(|f| f.name() == name)
            .ok_or_else(|| EngineError::invalid_argument("one of xmeml, fcpxml, edl, otio").at("format"))
    }

    pub const fn name(self) -> &'static str {
        match self {
            Self::Otio => "otio",
            Self::Fcpxml => "fcpxml",
            Self::Xmeml => "xmeml",
            Self::Edl => "edl",
        }
    }

    pub const fn extension(self) -> &'static str {
        match self {
            Self::Otio => "otio",
            Self::Fcpxml => "fcpxml",
            Self::Xmeml => "xml",
            Self::Edl => "edl",
        }
    }

    pub fn write(self, timeline: &Timeline) -> String {
        match self {
            Self::Otio => otio::write(timeline),
            Self::Fcpxml => fcpxml::write(timeline),
            Self::Xmeml => xmeml::write(timeline),
            Self::Edl => edl::write(timeline),
        }
    }
}

/// Text safe inside an XML element or a double-quoted attribute.
pub(crate) fn xml_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c if c.is_control() && !matches!(c, '\t' | '\n') => {}
            c => out.push(c),
        }
    }
    out
}
