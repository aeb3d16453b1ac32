//! Signed download URLs: anyone holding one may read one object's bytes until it expires
//! (about 15 minutes), without an API key — so a browser, ffmpeg or a video player can fetch
//! them. The signature is an HMAC-SHA256 over the path, the expiry and the response headers the
//! URL asks for, so none of them can be changed; a tampered or expired URL is refused.

use hmac::{Hmac, Mac};
use sha2::Sha256;

use super::StoreError;
use super::object_keys;
use super::ports::AssetStore;
use super::time::Timestamp;

/// Whether the file a grant names may still be served: its owner (an asset, or a render of one)
/// is live. Deleting an asset ends the links already handed out for its files and renders, as
/// deleting a render ends its own.
pub async fn still_served(assets: &dyn AssetStore, grant: &Grant) -> Result<bool, StoreError> {
    match object_keys::owner_of(&grant.object_key) {
        Some(owner) => assets.is_live(owner).await,
        None => Ok(false),
    }
}

/// How long a download URL lives.
pub const DOWNLOAD_TTL_MS: i64 = 15 * 60 * 1000;
/// Where download URLs live.
pub const FILES_PREFIX: &str = "/v1/files/";

/// What a valid URL grants.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grant {
    pub object_key: String,
    pub filename: String,
    pub content_type: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// Not a download URL at all, or its signature does not match.
    Tampered,
    Expired,
}

#[derive(Clone, Copy)]
pub struct Signer<'a> {
    secret: &'a [u8],
}

impl std::fmt::Debug for Signer<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Signer(<secret>)")
    }
}

impl<'a> Signer<'a> {
    pub fn new(secret: &'a str) -> Self {
        Self { secret: secret.as_bytes() }
    }

    fn mac(&self, path: &str, expires: i64, filename: &str, content_type: &str) -> Hmac<Sha256> {
        let mut mac = Hmac::<Sha256>::new_from_slice(self.secret).expect("HMAC takes any key length");
        // one field per line: no field contains a newline (they are percent-encoded or checked)
        mac.update(format!("GET\n{path}\n{expires}\n{filename}\n{content_type}").as_bytes());
        mac
    }

    /// `{origin}/v1/files/{object_key}?…`, valid until `now` + 15 minutes.
    pub fn url(&self, origin: &str, grant: &Grant, now: Timestamp) -> String {
        let path = format!("{FILES_PREFIX}{}", grant.object_key);
        let expires = (now.0 + DOWNLOAD_TTL_MS) / 1000;
        let signature =
            hex::encode(self.mac(&path, expires, &grant.filename, &grant.content_type).finalize().into_bytes());
        format!(
            "{origin}{path}?exp={expires}&filename={}&type={}&sig={signature}",
            encode(&grant.filename),
            encode(&grant.content_type)
        )
    }

    /// The grant of a download request (`path` and raw `query`), if its signature holds and it
    /// has not expired.
    pub fn verify(&self, path: &str, query: &str, now: Timestamp) -> Result<Grant, Refusal> {
        let object_key = path.strip_prefix(FILES_PREFIX).filter(|k| !k.is_empty()).ok_or(Refusal::Tampered)?;
        let mut expires = None;
        let (mut filename, mut content_type, mut signature) = (None, None, None);
        for pair in query.split('&') {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            let value = decode(value).ok_or(Refusal::Tampered)?;
            let slot = match key {
                "exp" => {
                    expires = Some(value.parse::<i64>().map_err(|_| Refusal::Tampered)?);
                    continue;
                }
                "filename" => &mut filename,
                "type" => &mut content_type,
                "sig" => &mut signature,
                _ => return Err(Refusal::Tampered),
            };
            if slot.replace(value).is_some() {
                return Err(Refusal::Tampered);
            }
        }
        let (Some(expires), Some(filename), Some(content_type), Some(signature)) =
            (expires, filename, content_type, signature)
        else {
            return Err(Refusal::Tampered);
        };
        let signature = hex::decode(signature).map_err(|_| Refusal::Tampered)?;
        self.mac(path, expires, &filename, &content_type).verify_slice(&signature).map_err(|_| Refusal::Tampered)?;
        if now.0 / 1000 >= expires {
            return Err(Refusal::Expired);
        }
        Ok(Grant { object_key: object_key.to_owned(), filename, content_type })
    }
}

/// Percent-encoding of everything but unreserved characters (RFC 3986 §2.3).
fn encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~".contains(&byte) {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

fn decode(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut index = 0;
    while index < bytes.len() {
        match bytes[index] {
            b'%' => {
                let hex = text.get(index + 1..index + 3)?;
                out.push(u8::from_str_radix(hex, 16).ok()?);
                index += 3;
            }
            b'+' => {
                out.push(b' ');
                index += 1;
            }
            byte => {
                out.push(byte);
                index += 1;
            }
        }
    }
    String::from_utf8(out).ok().filter(|s| !s.contains(['\n', '\r']))
}

/// `attachment` with an ASCII fallback name and the exact UTF-8 one (RFC 6266 §4.3).
pub fn content_disposition(filename: &str) -> String {
    let ascii: String = filename
        .chars()
        .map(|c| if c.is_ascii_graphic() && c != '"' && c != '\\' || c == ' ' { c } else { '_' })
        .collect();
    let encoded: String = filename
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect();
    format!("attachment; filename=\"{ascii}\"; filename*=UTF-8''{encoded}")
}

/// No byte of the object is in the requested range (416).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Unsatisfiable;

/// A `Range` request header against an object of `size` bytes (RFC 9110 §14.1.2): `None` for the
/// whole object (no header, or a form we do not serve, which RFC 9110 lets a server ignore),
/// `Some((first, last))` inclusive, or `Unsatisfiable`.
pub fn range(header: Option<&str>, size: u64) -> Result<Option<(u64, u64)>, Unsatisfiable> {
    let Some(spec) = header.and_then(|h| h.trim().strip_prefix("bytes=")) else { return Ok(None) };
    if spec.contains(',') {
        return Ok(None); // multiple ranges: the whole object is a valid answer
    }
    let Some((first, last)) = spec.trim().split_once('-') else { return Ok(None) };
    let number = |s: &str| s.trim().parse::<u64>().ok();
    let (first, last) = match (first.trim().is_empty(), number(first), number(last)) {
        (true, _, Some(suffix)) if suffix > 0 => (size.saturating_sub(suffix), size.saturating_sub(1)),
        (true, _, _) => return Err(Unsatisfiable),
        (false, Some(first), Some(last)) if first <= last => (first, last.min(size.saturating_sub(1))),
        (false, Some(first), None) if last.trim().is_empty() => (first, size.saturating_sub(1)),
        _ => return Ok(None),
    };
    if size == 0 || first >= size { Err(Unsatisfiable) } else { Ok(Some((first, last))) }
}

/// The type a download is served as: the declared one when browsers only play or save it
/// (audio, video, captions), else `application/octet-stream`. A user declares an asset's type, and
/// `text/html` (or SVG, XML, JavaScript) served from the API's origin would run there.
pub fn served_content_type(declared: &str) -> &str {
    let essence = declared.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
    let media = essence.starts_with("audio/") || essence.starts_with("video/");
    if media || matches!(essence.as_str(), "application/mp4" | "application/x-subrip" | "text/vtt") {
        declared
    } else {
        "application/octet-stream"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grant() -> Grant {
        Grant {
            object_key: "assets/ast_1/source".into(),
            filename: "Take 1 (final).mp4".into(),
            content_type: "video/mp4".into(),
        }
    }

    fn split(url: &str) -> (String, String) {
        let rest = url.strip_prefix("https://api.test").expect("origin");
        let (path, query) = rest.split_once('?').expect("query");
        (path.to_owned(), query.to_owned())
    }

    #[test]
    fn a_signed_url_grants_its_object_until_it_expires() {
        let signer = Signer::new("a secret of some length");
        let url = signer.url("https://api.test", &grant(), Timestamp(1_000_000));
        let (path, query) = split(&url);
        assert_eq!(signer.verify(&path, &query, Timestamp(1_000_000)), Ok(grant()));
        assert_eq!(signer.verify(&path, &query, Timestamp(1_000_000 + DOWNLOAD_TTL_MS)), Err(Refusal::Expired));
    }

    #[test]
    fn any_change_is_refused() {
        let signer = Signer::new("a secret of some length");
        let (path, query) = split(&signer.url("https://api.test", &grant(), Timestamp(0)));
        let tampered = [
            (path.replace("ast_1", "ast_2"), query.clone()),
            (path.clone(), query.replace("exp=9", "exp=99")),
            (path.clone(), query.replace("video%2Fmp4", "text%2Fhtml")),
            (path.clone(), format!("{query}&extra=1")),
            (path.clone(), query.replace("sig=", "sig=00")),
            (path.clone(), query.split("&sig").next().expect("query").to_owned()),
        ];
        for (path, query) in tampered {
            assert_eq!(signer.verify(&path, &query, Timestamp(0)), Err(Refusal::Tampered), "{path}?{query}");
        }
        let other = Signer::new("another secret");
        assert_eq!(other.verify(&path, &query, Timestamp(0)), Err(Refusal::Tampered));
    }

    #[test]
    fn ranges_follow_rfc_9110() {
        assert_eq!(range(None, 100), Ok(None));
        assert_eq!(range(Some("bytes=10-19"), 100), Ok(Some((10, 19))));
        assert_eq!(range(Some("bytes=90-"), 100), Ok(Some((90, 99))));
        assert_eq!(range(Some("bytes=-5"), 100), Ok(Some((95, 99))));
        assert_eq!(range(Some("bytes=50-500"), 100), Ok(Some((50, 99))));
        assert_eq!(range(Some("bytes=100-"), 100), Err(Unsatisfiable));
        assert_eq!(range(Some("bytes=0-1,5-6"), 100), Ok(None));
        assert_eq!(range(Some("items=0-1"), 100), Ok(None));
    }
}

#[test]
fn only_media_and_captions_are_served_as_declared() {
    for declared in ["video/mp4", "audio/mpeg", "video/quicktime", "application/x-subrip", "text/vtt"] {
        assert_eq!(served_content_type(declared), declared);
    }
    for declared in ["text/html", "TEXT/HTML; charset=utf-8", "image/svg+xml", "application/javascript", "text/xml", ""]
    {
        assert_eq!(served_content_type(declared), "application/octet-stream", "{declared}");
    }
}
