//! The OpenAPI 3.1 document, generated from the handlers' `#[utoipa::path]` annotations and the
//! wire types' `ToSchema` derives; tests hold it to the route table.

use roughcut_shared::{ErrorCode, ErrorEnvelope};
use utoipa::openapi::header::HeaderBuilder;
use utoipa::openapi::path::{HttpMethod, Operation, OperationBuilder, ParameterBuilder, ParameterIn, PathItem};
use utoipa::openapi::request_body::RequestBodyBuilder;
use utoipa::openapi::schema::{KnownFormat, ObjectBuilder, SchemaFormat, Type};
use utoipa::openapi::security::SecurityRequirement;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{ContentBuilder, OpenApi as Document, Ref, RefOr, Required, ResponseBuilder};
use utoipa::{Modify, OpenApi, PartialSchema};

use super::handlers;
use super::routes::{ALIASES, Auth, STREAMED};

#[derive(OpenApi)]
#[openapi(
    info(title = "roughcut API", version = "1", description = "Rough cuts of talking-head recordings: uploads, cuts, exports, renders. Errors share one envelope; see the `ErrorCode` schema for every code and its status."),
    paths(
        handlers::docs::openapi_json,
        handlers::admin::create_account,
        handlers::admin::grant_credits,
        handlers::admin::list_jobs,
        handlers::admin::redeliver_job,
        handlers::api_keys::create,
        handlers::api_keys::list,
        handlers::api_keys::revoke,
        handlers::projects::create,
        handlers::projects::list,
        handlers::projects::get,
        handlers::projects::update,
        handlers::projects::delete,
        handlers::credits::balance,
        handlers::credits::history,
        handlers::assets::create,
        handlers::assets::list,
        handlers::assets::get,
        handlers::assets::delete,
        handlers::assets::restore,
        handlers::assets::create_audio_proxy,
        handlers::assets::upload_transcript,
        handlers::cuts::create,
        handlers::cuts::list,
        handlers::cuts::get,
        handlers::cuts::delete,
        handlers::cuts::export,
        handlers::cuts::subtitles,
        handlers::cuts::transcript,
        handlers::renders::create,
        handlers::renders::list,
        handlers::renders::get,
        handlers::renders::delete,
        handlers::seed_assets::list,
        handlers::seed_assets::get,
        handlers::seed_assets::delete,
        handlers::pipelines::estimate,
        handlers::pipelines::create,
        handlers::pipelines::list,
        handlers::pipelines::get,
        handlers::pipelines::cancel,
        handlers::pipelines::retry,
        handlers::pipelines::retry_step,
        handlers::webhooks::create,
        handlers::webhooks::list,
        handlers::webhooks::get,
        handlers::webhooks::update,
        handlers::webhooks::delete,
        handlers::webhooks::rotate_secret,
        handlers::webhooks::test,
        handlers::webhooks::deliveries,
        handlers::webhooks::redeliver,
    ),
    components(schemas(ErrorEnvelope, ErrorCode)),
    modifiers(&SecuritySchemes, &StreamedRoutes, &ErrorResponses, &IdempotencyKeys, &SeedAliases, &OperationIds),
)]
struct ApiDoc;

pub fn document() -> Document {
    ApiDoc::openapi()
}

struct SecuritySchemes;

impl Modify for SecuritySchemes {
    fn modify(&self, openapi: &mut Document) {
        let components = openapi.components.get_or_insert_with(Default::default);
        let bearer = |description: &str| {
            SecurityScheme::Http(
                HttpBuilder::new().scheme(HttpAuthScheme::Bearer).description(Some(description)).build(),
            )
        };
        components.add_security_scheme("api_key", bearer("An account's API key, `sk_…`."));
        components.add_security_scheme("admin_token", bearer("The operator's `ADMIN_TOKEN` (not for end users)."));
    }
}

/// The routes that stream (TUS, downloads), from `routes::STREAMED`: they have no handler
/// function for `#[utoipa::path]` to annotate.
struct StreamedRoutes;

/// What a streamed route's protocol puts in its request and its answer, beyond the path.
#[derive(Default)]
struct Protocol {
    /// (name, required, description)
    headers: &'static [(&'static str, bool, &'static str)],
    query: &'static [(&'static str, bool, &'static str)],
    answer_headers: &'static [&'static str],
    /// A body of bytes as `application/offset+octet-stream` (required or not).
    chunk: Option<bool>,
    /// The JSON schema the answer holds.
    answer_schema: Option<&'static str>,
}

const TUS_RESUMABLE: (&str, bool, &str) = ("Tus-Resumable", true, "`1.0.0` (412 otherwise).");

/// TUS 1.0.0 by verb, downloads and the event stream, as API.md describes them.
fn protocol_of(method: &str, path: &str) -> Protocol {
    let seed = path.starts_with("/api/");
    match (method, path) {
        ("OPTIONS", _) => Protocol {
            answer_headers: &["Tus-Version", "Tus-Extension", "Tus-Max-Size", "Tus-Checksum-Algorithm"],
            ..Protocol::default()
        },
        ("POST", _) => Protocol {
            headers: &[
                TUS_RESUMABLE,
                ("Upload-Length", true, "The file's size in bytes (64 B to 50 GiB)."),
                ("Upload-Metadata", false, "Comma-separated `key base64(value)` pairs."),
                ("Upload-Checksum", false, "`sha1|md5|sha256 base64(digest)` of a first chunk in the body."),
                ("Idempotency-Key", false, "A repeated creation with the same key answers as the first."),
            ],
            answer_headers: &["Location", "Upload-Expires", "Upload-Offset", "Roughcut-Asset-Id", "Tus-Resumable"],
            chunk: Some(false),
            answer_schema: Some(if seed { "SeedAsset" } else { "Asset" }),
            ..Protocol::default()
        },
        ("HEAD", _) if path.contains("upload") => Protocol {
            headers: &[TUS_RESUMABLE],
            answer_headers: &["Upload-Offset", "Upload-Length", "Upload-Expires", "Upload-Metadata", "Tus-Resumable"],
            ..Protocol::default()
        },
        ("PATCH", _) => Protocol {
            headers: &[
                TUS_RESUMABLE,
                ("Upload-Offset", true, "Where the chunk starts: the upload's offset (409 otherwise)."),
                ("Upload-Checksum", false, "`sha1|md5|sha256 base64(digest)` of the chunk (460 when it differs)."),
            ],
            answer_headers: &["Upload-Offset", "Upload-Expires", "Tus-Resumable"],
            chunk: Some(true),
            ..Protocol::default()
        },
        ("DELETE", _) => {
            Protocol { headers: &[TUS_RESUMABLE], answer_headers: &["Tus-Resumable"], ..Protocol::default() }
        }
        (_, "/v1/files/{key}") => Protocol {
            headers: &[("Range", false, "`bytes=start-end`, `bytes=start-` or `bytes=-suffix` (206).")],
            query: &[("exp", true, "Expiry, Unix seconds."), ("sig", true, "The signature of the key and expiry.")],
            answer_headers: &["Content-Range", "Accept-Ranges", "Content-Disposition", "Content-Length"],
            ..Protocol::default()
        },
        _ => Protocol {
            headers: &[("Last-Event-ID", false, "Resume after this event.")],
            query: &[("last_event_id", false, "`Last-Event-ID` for clients that cannot send headers.")],
            ..Protocol::default()
        },
    }
}

fn parameter(name: &str, place: ParameterIn, required: bool, description: &str) -> ParameterBuilder {
    ParameterBuilder::new()
        .name(name)
        .parameter_in(place)
        .required(if required { Required::True } else { Required::False })
        .description(Some(description))
        .schema(Some(String::schema()))
}

impl Modify for StreamedRoutes {
    fn modify(&self, openapi: &mut Document) {
        for route in STREAMED {
            let protocol = protocol_of(route.method.as_str(), route.path);
            let mut answer = ResponseBuilder::new().description(route.summary);
            for name in protocol.answer_headers {
                answer = answer.header(*name, HeaderBuilder::new().schema(String::schema()).build());
            }
            if let Some(schema) = protocol.answer_schema {
                let content = ContentBuilder::new().schema(Some(Ref::from_schema_name(schema))).build();
                answer = answer.content("application/json", content);
            }
            let mut operation = OperationBuilder::new()
                .summary(Some(route.summary.split(':').next().unwrap_or(route.summary)))
                .description(Some(route.summary))
                .tag("uploads")
                .response(route.status.to_string(), answer.build());
            for &(name, required, description) in protocol.headers {
                operation = operation.parameter(parameter(name, ParameterIn::Header, required, description));
            }
            for &(name, required, description) in protocol.query {
                operation = operation.parameter(parameter(name, ParameterIn::Query, required, description));
            }
            if let Some(required) = protocol.chunk {
                let bytes = ObjectBuilder::new()
                    .schema_type(Type::String)
                    .format(Some(SchemaFormat::KnownFormat(KnownFormat::Binary)));
                let body = RequestBodyBuilder::new()
                    .required(Some(if required { Required::True } else { Required::False }))
                    .description(Some("The chunk's bytes (creation-with-upload: the first chunk)."))
                    .content("application/offset+octet-stream", ContentBuilder::new().schema(Some(bytes)).build());
                operation = operation.request_body(Some(body.build()));
            }
            if route.auth == Auth::ApiKey {
                operation = operation.security(SecurityRequirement::new("api_key", Vec::<String>::new()));
            }
            if let Some(name) = route.path.split('{').nth(1).and_then(|rest| rest.split('}').next()) {
                operation = operation.parameter(
                    ParameterBuilder::new()
                        .name(name)
                        .parameter_in(ParameterIn::Path)
                        .required(Required::True)
                        .schema(Some(String::schema())),
                );
            }
            let method = match route.method.as_str() {
                "OPTIONS" => HttpMethod::Options,
                "POST" => HttpMethod::Post,
                "HEAD" => HttpMethod::Head,
                "PATCH" => HttpMethod::Patch,
                "DELETE" => HttpMethod::Delete,
                _ => HttpMethod::Get,
            };
            let item = PathItem::new(method, operation.build());
            match openapi.paths.paths.get_mut(route.path) {
                Some(existing) => existing.merge_operations(item),
                None => {
                    openapi.paths.paths.insert(route.path.to_owned(), item);
                }
            }
        }
    }
}

/// Every operation can fail with the error envelope; the code table lives on `ErrorCode`.
struct ErrorResponses;

impl Modify for ErrorResponses {
    fn modify(&self, openapi: &mut Document) {
        let table: Vec<String> = ErrorCode::ALL.iter().map(|c| format!("`{}` ({})", c.as_str(), c.status())).collect();
        let description = format!("An error, in the one envelope of the API. Codes: {}.", table.join(", "));
        let envelope = ResponseBuilder::new()
            .description(description)
            .content("application/json", ContentBuilder::new().schema(Some(ErrorEnvelope::schema())).build())
            .build();
        for item in openapi.paths.paths.values_mut() {
            for (_, operation) in operations(item) {
                operation.responses.responses.entry("default".to_owned()).or_insert_with(|| RefOr::T(envelope.clone()));
            }
        }
    }
}

/// Every POST of an account in the route table takes an `Idempotency-Key` (TUS's creation
/// documents its own with its protocol).
struct IdempotencyKeys;

impl Modify for IdempotencyKeys {
    fn modify(&self, openapi: &mut Document) {
        let keyed = |path: &str| {
            super::routes::all()
                .iter()
                .any(|r| r.method == http::Method::POST && r.path == path && r.auth == Auth::ApiKey)
        };
        for (path, item) in openapi.paths.paths.iter_mut() {
            let Some(operation) = item.post.as_mut().filter(|_| keyed(path)) else { continue };
            let description = "1–255 visible ASCII characters. A replay of the same request with the same key within \
                 24 h returns the first answer (`Idempotent-Replayed: true`); the same key with another request is \
                 `422`; a replay while the first is still being answered is `409` with `Retry-After`.";
            let key = parameter("Idempotency-Key", ParameterIn::Header, false, description).build();
            operation.parameters.get_or_insert_with(Vec::new).push(key);
        }
    }
}

/// Each operation of a path item with its method, lower case.
fn operations(item: &mut utoipa::openapi::PathItem) -> impl Iterator<Item = (&'static str, &mut Operation)> {
    let slots = [
        ("get", &mut item.get),
        ("put", &mut item.put),
        ("post", &mut item.post),
        ("delete", &mut item.delete),
        ("options", &mut item.options),
        ("head", &mut item.head),
        ("patch", &mut item.patch),
        ("trace", &mut item.trace),
    ];
    slots.into_iter().filter_map(|(method, slot)| slot.as_mut().map(|operation| (method, operation)))
}

/// The seed surface (`/api/v1/…`) serves some canonical paths verbatim.
struct SeedAliases;

impl Modify for SeedAliases {
    fn modify(&self, openapi: &mut Document) {
        for (alias, target) in ALIASES {
            if let Some(item) = openapi.paths.paths.get(*target).cloned() {
                openapi.paths.paths.insert((*alias).to_owned(), item);
            }
        }
    }
}

/// OpenAPI wants every `operationId` unique; handlers are named `create`, `list`… per module and
/// the seed aliases serve the same operations twice, so each is named by its method and path
/// (`get /v1/assets/{id}` is `get_v1_assets_id`).
struct OperationIds;

impl Modify for OperationIds {
    fn modify(&self, openapi: &mut Document) {
        for (path, item) in openapi.paths.paths.iter_mut() {
            for (method, operation) in operations(item) {
                let words = path.split(|c: char| !c.is_ascii_alphanumeric()).filter(|w| !w.is_empty());
                operation.operation_id = Some(std::iter::once(method).chain(words).collect::<Vec<_>>().join("_"));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;
    use crate::http::routes::{self, Auth};

    fn documented() -> serde_json::Value {
        serde_json::to_value(document()).expect("json")
    }

    #[test]
    fn an_accounts_posts_document_the_idempotency_key_and_nothing_else_does() {
        let doc = documented();
        let keyed = |path: &str, method: &str| {
            let parameters = doc["paths"][path][method]["parameters"].as_array().cloned().unwrap_or_default();
            parameters.iter().any(|p| p["name"] == "Idempotency-Key" && p["in"] == "header")
        };
        assert!(keyed("/v1/projects", "post"));
        assert!(keyed("/api/v1/pipelines", "post"), "the seed surface too");
        assert!(!keyed("/v1/projects", "get"));
        assert!(!keyed("/admin/v1/accounts", "post"), "the operator's");
        assert!(keyed("/api/v1/assets/upload-resumable", "post"), "TUS's creation, documented with its protocol");
        assert!(!keyed("/v1/uploads/{id}", "patch"), "a chunk needs none: its offset makes it safe to resend");
    }

    #[test]
    fn documents_exactly_the_routes_served_with_their_auth() {
        let doc = documented();
        let mut served = BTreeSet::new();
        let streamed = routes::STREAMED.iter().map(|r| (r.method.clone(), r.path, r.auth));
        let tabled = routes::all().iter().map(|r| (r.method.clone(), r.path, r.auth));
        for (method, path, auth) in tabled.chain(streamed) {
            let route = routes::Route { method, path, auth, endpoint: routes::Endpoint::OpenApi };
            let method = route.method.as_str().to_lowercase();
            served.insert((route.path.to_owned(), method.clone()));
            let operation = &doc["paths"][route.path][&method];
            assert!(operation.is_object(), "{method} {} is not documented", route.path);
            let security = operation.get("security").map(|s| s.to_string()).unwrap_or_default();
            match route.auth {
                Auth::Public => assert_eq!(security, "", "{}", route.path),
                Auth::ApiKey => assert!(security.contains("api_key"), "{}", route.path),
                Auth::Admin => assert!(security.contains("admin_token"), "{}", route.path),
            }
            assert!(operation["responses"]["default"].is_object(), "{} lacks the error envelope", route.path);
        }
        let mut documented_ops = BTreeSet::new();
        for (path, item) in doc["paths"].as_object().expect("paths") {
            for method in item.as_object().expect("item").keys() {
                documented_ops.insert((path.clone(), method.clone()));
            }
        }
        assert_eq!(documented_ops, served);
    }

    fn collect_refs(value: &serde_json::Value, refs: &mut BTreeSet<String>) {
        match value {
            serde_json::Value::Object(map) => {
                if let Some(serde_json::Value::String(target)) = map.get("$ref") {
                    refs.insert(target.clone());
                }
                map.values().for_each(|v| collect_refs(v, refs));
            }
            serde_json::Value::Array(items) => items.iter().for_each(|v| collect_refs(v, refs)),
            _ => {}
        }
    }

    #[test]
    fn every_reference_resolves() {
        let doc = documented();
        let mut refs = BTreeSet::new();
        collect_refs(&doc, &mut refs);
        assert!(!refs.is_empty());
        for target in refs {
            let name =
                target.strip_prefix("#/components/schemas/").unwrap_or_else(|| panic!("unexpected ref {target}"));
            assert!(doc["components"]["schemas"][name].is_object(), "dangling {target}");
        }
    }

    #[test]
    fn is_openapi_3_1_and_lists_every_error_code() {
        let doc = documented();
        assert!(doc["openapi"].as_str().expect("version").starts_with("3.1"));
        let codes = doc["components"]["schemas"]["ErrorCode"].to_string();
        for code in ErrorCode::ALL {
            assert!(codes.contains(code.as_str()), "{}", code.as_str());
        }
    }
}
