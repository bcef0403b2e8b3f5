//! Completes the generated OpenAPI document: the security scheme, the error-code table, and
//! every error status the API answers, on every operation that can answer it.
//!
//! The handlers' `#[utoipa::path]` attributes name the answers particular to them (200, 201,
//! 404 for a missing object, 409, 422…); the answers that come from the edges every request
//! crosses (authentication, scopes, body parsing, query parsing, the per-tenant limits, the
//! store being down) are added here from what each operation has: a path parameter, a body,
//! query parameters, whether it writes.

use utoipa::Modify;
use utoipa::openapi::path::{Operation, ParameterIn};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{ContentBuilder, OpenApi, Ref, RefOr, ResponseBuilder};

use crate::error::Code;

/// Adds the bearer scheme and the error-code table to the document.
pub struct Security;

impl Modify for Security {
    fn modify(&self, openapi: &mut OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "api_key",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).bearer_format("qz_…").description(Some("A tenant API key created in Settings or with `quanzi admin create-api-key`.")).build()),
        );
        let table = Code::markdown_table();
        openapi.info.description = Some(format!(
            "Quanzi's API. Authenticate with `Authorization: Bearer <api key>`. No string, in a body or a query, may contain NUL (U+0000). Errors are `{{\"error\":{{\"code\",\"message\",\"fields\"}}}}` with these stable codes:\n\n{table}"
        ));
        openapi.security = Some(vec![utoipa::openapi::security::SecurityRequirement::new(
            "api_key",
            Vec::<String>::new(),
        )]);
    }
}

/// Documents on every operation the error answers its shape allows.
pub struct EdgeAnswers;

impl Modify for EdgeAnswers {
    fn modify(&self, openapi: &mut OpenApi) {
        for (path, item) in openapi.paths.paths.iter_mut() {
            let admin_only = path.starts_with("/api/v1/api-keys");
            for (op, writes) in [
                (&mut item.get, false),
                (&mut item.post, true),
                (&mut item.patch, true),
                (&mut item.put, true),
                (&mut item.delete, true),
            ] {
                if let Some(op) = op.as_mut() {
                    document(op, writes || admin_only);
                }
            }
        }
    }
}

/// Adds the edge answers `op` can give; `forbidden` when a read key or viewer may be refused.
fn document(op: &mut Operation, forbidden: bool) {
    let params = op.parameters.as_deref().unwrap_or_default();
    let has_path = params
        .iter()
        .any(|p| matches!(p.parameter_in, ParameterIn::Path));
    let has_query = params
        .iter()
        .any(|p| matches!(p.parameter_in, ParameterIn::Query));
    let has_body = op.request_body.is_some();
    let mut add = |codes: &[Code], why: &str| {
        let names: Vec<String> = codes.iter().map(|c| format!("`{c}`")).collect();
        let status = codes.first().map_or(500, |c| c.status().as_u16());
        op.responses
            .responses
            .entry(status.to_string())
            .or_insert_with(|| error_response(&format!("{why} ({}).", names.join(", "))));
    };
    add(&[Code::Unauthorized], "No valid API key or session");
    if forbidden {
        add(
            &[Code::Forbidden, Code::CsrfFailed],
            "The key's scope or the operator's role does not allow this",
        );
    }
    if has_path {
        add(
            &[Code::NotFound],
            "No such object in this tenant, or an id that cannot be one",
        );
    }
    if has_body {
        add(&[Code::BadRequest], "The body is not valid JSON");
        add(
            &[Code::PayloadTooLarge],
            "The body is larger than the endpoint accepts",
        );
        add(
            &[Code::UnsupportedMediaType],
            "The body was not sent as `application/json`",
        );
        add(
            &[Code::Conflict],
            "A unique field (phone, external ids, a key) already belongs to another object",
        );
    }
    if has_body || has_query {
        add(
            &[Code::ValidationFailed],
            "A parameter or field broke a rule; `fields` names each",
        );
    }
    add(
        &[Code::RateLimited],
        "Too many concurrent heavy requests for the tenant; retry after `Retry-After` seconds",
    );
    add(&[Code::Unavailable], "The store is not reachable");
}

/// An error answer with the common error body.
fn error_response(description: &str) -> RefOr<utoipa::openapi::Response> {
    ResponseBuilder::new()
        .description(description)
        .content(
            "application/json",
            ContentBuilder::new()
                .schema(Some(Ref::from_schema_name("ErrorBody")))
                .build(),
        )
        .build()
        .into()
}

/// States in the component schemas the single-field rules the domain checks (closed lists,
/// bounds), and on create operations the fields a create requires.
pub struct FieldRules;

impl Modify for FieldRules {
    fn modify(&self, openapi: &mut OpenApi) {
        use quanzi_domain::group::GroupDimension;
        use quanzi_domain::member::{Gender, LifecycleStage, SpendingTier};
        let Some(components) = openapi.components.as_mut() else {
            return;
        };
        let rules: [(&str, &str, serde_json::Value); 7] = [
            ("MemberInput", "gender", names(&Gender::expected())),
            (
                "MemberInput",
                "spending_tier",
                names(&SpendingTier::expected()),
            ),
            (
                "MemberInput",
                "lifecycle_stage",
                names(&LifecycleStage::expected()),
            ),
            (
                "MemberInput",
                "interests",
                serde_json::json!({"type": ["array", "null"], "maxItems": 20, "items": {"type": "string"}}),
            ),
            (
                "GroupInput",
                "dimension",
                names(&GroupDimension::expected()),
            ),
            ("GroupInput", "capacity_hard", capacity()),
            ("GroupInput", "capacity_advised", capacity()),
        ];
        for (schema, field, rule) in rules {
            if let Some(s) = components.schemas.get_mut(schema) {
                patch_property(s, field, rule);
            }
        }
        for (path, schema) in [
            ("/api/v1/members", "MemberInput"),
            ("/api/v1/groups", "GroupInput"),
        ] {
            if let Some(op) = openapi
                .paths
                .paths
                .get_mut(path)
                .and_then(|p| p.post.as_mut())
            {
                require_name(op, schema);
            }
        }
    }
}

/// A nullable closed list of `expected` (a domain type's comma-separated names).
fn names(expected: &str) -> serde_json::Value {
    let mut values: Vec<serde_json::Value> = expected.split(", ").map(Into::into).collect();
    values.push(serde_json::Value::Null);
    serde_json::json!({"type": ["string", "null"], "enum": values})
}

/// A group capacity: 1 to WeChat's 500.
fn capacity() -> serde_json::Value {
    serde_json::json!({
        "type": ["integer", "null"],
        "format": "int64",
        "minimum": 1,
        "maximum": quanzi_domain::group::HARD_CAPACITY_MAX,
    })
}

/// Replaces `field`'s schema in the object schema `s`, keeping its description.
fn patch_property(s: &mut RefOr<utoipa::openapi::Schema>, field: &str, rule: serde_json::Value) {
    let Ok(mut v) = serde_json::to_value(&*s) else {
        return;
    };
    let Some(prop) = v.pointer_mut(&format!("/properties/{field}")) else {
        return;
    };
    let description = prop.get("description").cloned();
    *prop = rule;
    if let (Some(d), Some(o)) = (description, prop.as_object_mut()) {
        o.insert("description".into(), d);
    }
    if let Ok(new) = serde_json::from_value(v) {
        *s = new;
    }
}

/// Makes a create operation's body `schema` with a required, non-null `name`.
fn require_name(op: &mut Operation, schema: &str) {
    let Some(body) = op.request_body.as_mut() else {
        return;
    };
    let Ok(strict) = serde_json::from_value::<RefOr<utoipa::openapi::Schema>>(serde_json::json!({
        "allOf": [
            {"$ref": format!("#/components/schemas/{schema}")},
            {"type": "object", "required": ["name"], "properties": {"name": {"type": "string"}}},
        ]
    })) else {
        return;
    };
    for content in body.content.values_mut() {
        content.schema = Some(strict.clone());
    }
}
