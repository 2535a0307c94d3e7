//! The OpenAPI 3 document, generated from the handlers' annotations and
//! completed from the access table: who may call each operation, its
//! security, and the problem responses every operation can give.

use utoipa::openapi::path::Operation;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{ContentBuilder, OpenApi as Doc, Ref, ResponseBuilder};
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;

use crate::auth::endpoints::{who, Who};
use crate::routes;
use crate::state::AppState;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Switchboard API",
        description = "Customer records, agents and access for the Switchboard contact center. \
            Errors are RFC 9457 problem+json; lists use cursor pagination (limit, cursor → next_cursor); \
            updates are JSON Merge Patches (RFC 7396). Request bodies are limited to 256 KiB.",
        version = "1"
    ),
    components(schemas(crate::error::Problem, switchboard_core::FieldError))
)]
struct ApiDoc;

pub fn api_router() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .merge(routes::health::router())
        .merge(routes::session::router())
        .merge(routes::agents::router())
        .merge(routes::tokens::router())
        .merge(routes::audit::router())
        .merge(routes::reports::router())
        .merge(routes::planner::router())
        .merge(routes::report_activity::router())
        .merge(routes::report_waiting::router())
        .merge(routes::webhooks::router())
        .merge(routes::contacts::router())
        .merge(routes::imports::router())
        .merge(routes::site_config::router())
        .merge(routes::accounts::router())
        .merge(routes::products::router())
        .merge(routes::cases::router())
        .merge(routes::activities::router())
        .merge(routes::routing_config::router())
        .merge(routes::work_items::router())
        .merge(routes::widgets::router())
        .merge(routes::conversations::router())
        .merge(routes::visitor::router())
        .merge(routes::workspace::router())
        .merge(routes::scripts::router())
        .merge(routes::scheduling::router())
        .merge(routes::meetings::router())
        .merge(routes::communications::router())
        .merge(routes::public_booking::router())
        .merge(routes::callbacks::router())
        .merge(routes::calls::router())
        .merge(routes::prompts::router())
}

/// Adds what the annotations do not say: the access rule of each operation,
/// security schemes, and the standard problem responses.
pub fn finish(mut doc: Doc) -> Doc {
    // The document's own route is plain axum; describe it here.
    doc.paths.paths.insert(
        "/api/v1/openapi.json".to_owned(),
        utoipa::openapi::path::PathItem::new(
            utoipa::openapi::HttpMethod::Get,
            utoipa::openapi::path::OperationBuilder::new()
                .summary(Some("This OpenAPI document"))
                .tag("operations")
                .response(
                    "200",
                    ResponseBuilder::new().description("OpenAPI 3 JSON").build(),
                )
                .build(),
        ),
    );
    doc.paths.paths.insert(
        "/api/v1/ws".to_owned(),
        utoipa::openapi::path::PathItem::new(
            utoipa::openapi::HttpMethod::Get,
            utoipa::openapi::path::OperationBuilder::new()
                .summary(Some("Live events (WebSocket)"))
                .description(Some(
                    "Upgrade to a WebSocket. Query `after`: the last event id seen, to resume. \
                     Server messages: routing events `{id, type, …}` (offered, offer_expired, offer_declined, \
                     offer_rescinded, assigned, wrap_up, closed, abandoned, queued, transferred, overflowed, presence) \
                     and `queue_stats`: an agent gets their own events; an admin every event; a supervisor those of \
                     the queues they supervise (and the presence of those queues' agents), with `{type: resync, last_id}` \
                     when that set changes (reload the overview). Client messages: `{type: accept|reject, work_item_id}`, \
                     `{type: presence, status}`, `{type: ping}`. Chat: an `offered` chat carries `conversation`; \
                     `chat_message`, `chat_typing`, `chat_joined`, `conversation_ended` for the agent's conversations \
                     (`chat_resync` when too far behind: read the messages back with `after=`); client \
                     `{type: send_message, conversation_id, body, client_id?}`, `{type: typing, conversation_id, typing}`, \
                     `{type: end_conversation, conversation_id}`.",
                ))
                .tag("work items")
                .response("101", ResponseBuilder::new().description("Switching protocols").build())
                .build(),
        ),
    );
    doc.paths.paths.insert(
        "/widget/v1/{widget_id}/ws".to_owned(),
        utoipa::openapi::path::PathItem::new(
            utoipa::openapi::HttpMethod::Get,
            utoipa::openapi::path::OperationBuilder::new()
                .summary(Some("A visitor's live conversation (WebSocket)"))
                .description(Some(
                    "Upgrade to a WebSocket. Query `token` (the visitor token), `conversation_id`, `after` \
                     (highest seq seen). Server: messages after `after`, then `ready`, then `message`, `ack`, \
                     `waiting`, `typing`, `joined`, `ended`, `error`. Client: `{type: message, client_id, body}`, \
                     `{type: typing, typing}`, `{type: end}`. See docs/chat.md.",
                ))
                .tag("widget (visitors)")
                .parameter(
                    utoipa::openapi::path::ParameterBuilder::new()
                        .name("widget_id")
                        .parameter_in(utoipa::openapi::path::ParameterIn::Path)
                        .required(utoipa::openapi::Required::True)
                        .description(Some("The widget's id"))
                        .schema(Some(
                            utoipa::openapi::ObjectBuilder::new()
                                .schema_type(utoipa::openapi::schema::Type::String),
                        )),
                )
                .response("101", ResponseBuilder::new().description("Switching protocols").build())
                .build(),
        ),
    );
    merge_patch_schemas(&mut doc);
    open_flattened_inputs(&mut doc);
    close_tagged_variants(&mut doc);
    let components = doc.components.get_or_insert_with(Default::default);
    components.add_security_scheme(
        "bearer",
        SecurityScheme::Http(
            HttpBuilder::new()
                .scheme(HttpAuthScheme::Bearer)
                .description(Some("API token"))
                .build(),
        ),
    );
    components.add_security_scheme(
        "session",
        SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
            "sb_session",
            "Browser session from POST /api/v1/session; writes also need the X-CSRF-Token header",
        ))),
    );
    for (path, item) in doc.paths.paths.iter_mut() {
        let ops: [(&str, &mut Option<Operation>); 5] = [
            ("GET", &mut item.get),
            ("POST", &mut item.post),
            ("PUT", &mut item.put),
            ("PATCH", &mut item.patch),
            ("DELETE", &mut item.delete),
        ];
        for (method, op) in ops {
            let Some(op) = op else { continue };
            let rule = who(method, path);
            let text = rule
                .map(Who::describe)
                .unwrap_or_else(|| "Not open to anyone.".to_owned());
            op.description = Some(match op.description.take() {
                Some(d) => format!("{d}\n\n{text}"),
                None => text,
            });
            let mut add = |status: &str, why: &str| {
                op.responses
                    .responses
                    .entry(status.to_owned())
                    .or_insert_with(|| {
                        ResponseBuilder::new()
                            .description(why)
                            .content(
                                "application/problem+json",
                                ContentBuilder::new()
                                    .schema(Some(Ref::from_schema_name("Problem")))
                                    .build(),
                            )
                            .build()
                            .into()
                    });
            };
            if !matches!(rule, Some(Who::Public)) {
                add("401", "Not signed in, or the token is unknown or revoked");
                add(
                    "403",
                    "Signed in without the needed role (or a cookie write without the CSRF token)",
                );
                op.security = Some(vec![
                    utoipa::openapi::security::SecurityRequirement::new::<_, _, &str>("bearer", []),
                    utoipa::openapi::security::SecurityRequirement::new::<_, _, &str>(
                        "session",
                        [],
                    ),
                ]);
            }
            if path.contains('{') {
                add("404", "No such record");
            }
            if path.starts_with("/widget/v1/") {
                add(
                    "403",
                    "The page's origin is not allowed for this widget, or the visitor token is not for it",
                );
            }
            if method != "GET" {
                add(
                    "409",
                    "Conflicts with the current state (a duplicate, or a state that does not allow it)",
                );
            }
            if op.request_body.is_some() {
                add("400", "Malformed JSON");
                add("413", "Body larger than 256 KiB");
                add("415", "Body is not JSON");
                add("422", "Invalid fields; see errors");
            } else if op.parameters.as_ref().is_some_and(|p| !p.is_empty()) {
                add("422", "Invalid query parameter");
            }
            if path == "/api/v1/session" && method == "POST" {
                add("401", "Wrong email or password");
                add("429", "Too many failed attempts for this email");
            }
            add("500", "Unexpected error (details are in the server log)");
            problem_content(op);
        }
    }
    doc
}

/// A JSON Merge Patch (RFC 7396) of a record names only what changes: its
/// body is the record's input with no member required, at every depth (a
/// patch merges into nested objects too; arrays are replaced whole). Each
/// `PATCH` whose body refers to an input schema `X` gets `XPatch`: a copy of
/// `X` without `required`, whose object members refer to their own patches.
/// A member's type and limits stay, so `null` (removal) is still refused
/// where the record needs the member.
fn merge_patch_schemas(doc: &mut Doc) {
    use utoipa::openapi::RefOr;
    let components = doc.components.get_or_insert_with(Default::default);
    for item in doc.paths.paths.values_mut() {
        let Some(op) = item.patch.as_mut() else {
            continue;
        };
        let Some(body) = op.request_body.as_mut() else {
            continue;
        };
        for content in body.content.values_mut() {
            let Some(RefOr::Ref(r)) = &content.schema else {
                continue;
            };
            if let Some(patch) = patch_of(&mut components.schemas, &r.ref_location) {
                content.schema = Some(Ref::from_schema_name(patch).into());
            }
        }
    }
}

/// The name of `XPatch` for the component `location` names (made once).
fn patch_of(
    schemas: &mut std::collections::BTreeMap<
        String,
        utoipa::openapi::RefOr<utoipa::openapi::schema::Schema>,
    >,
    location: &str,
) -> Option<String> {
    use utoipa::openapi::schema::Schema;
    use utoipa::openapi::RefOr;
    let name = location.strip_prefix("#/components/schemas/")?;
    let patch_name = format!("{name}Patch");
    if schemas.contains_key(&patch_name) {
        return Some(patch_name);
    }
    // Only objects with members have a patch (not a string type such as
    // `Name`).
    let input = match schemas.get(name) {
        Some(RefOr::T(Schema::Object(o))) if !o.properties.is_empty() => o,
        _ => return None,
    };
    let mut patch = input.clone();
    patch.required.clear();
    // Reserve the name first: a schema that refers to itself stops here.
    schemas.insert(patch_name.clone(), RefOr::T(Schema::Object(patch.clone())));
    for member in patch.properties.values_mut() {
        retarget(schemas, member);
    }
    schemas.insert(patch_name.clone(), RefOr::T(Schema::Object(patch)));
    Some(patch_name)
}

/// Points a member at its patch when it refers to an object input that is
/// always there. A member that may be `null` is not: a patch into `null`
/// builds the object from the patch alone, which then needs every member
/// the object requires. A write-only member (a password, never read back)
/// may be `null` in a patch: removing what is not stored changes nothing.
fn retarget(
    schemas: &mut std::collections::BTreeMap<
        String,
        utoipa::openapi::RefOr<utoipa::openapi::schema::Schema>,
    >,
    member: &mut utoipa::openapi::RefOr<utoipa::openapi::schema::Schema>,
) {
    use utoipa::openapi::schema::{Schema, SchemaType, Type};
    use utoipa::openapi::RefOr;
    match member {
        RefOr::Ref(r) => {
            if let Some(patch) = patch_of(schemas, &r.ref_location.clone()) {
                *member = Ref::from_schema_name(patch).into();
            }
        }
        RefOr::T(Schema::Object(o)) if o.write_only == Some(true) => {
            if let SchemaType::Type(t) = o.schema_type.clone() {
                o.schema_type = SchemaType::from_iter([t, Type::Null]);
            }
        }
        _ => {}
    }
}

/// A view that flattens an input (`#[serde(flatten)] settings: WidgetInput`)
/// is documented as `allOf: [WidgetInput, {its own members}]`; the input
/// refuses unknown members (`additionalProperties: false`), which no value
/// with the view's own members could then satisfy. Inside an `allOf` the
/// input is copied without that closure: the view is the input's members
/// plus its own, as it is on the wire.
fn open_flattened_inputs(doc: &mut Doc) {
    use utoipa::openapi::schema::{AdditionalProperties, Schema};
    use utoipa::openapi::RefOr;
    let Some(components) = doc.components.as_mut() else {
        return;
    };
    let closed: std::collections::BTreeMap<String, utoipa::openapi::schema::Object> = components
        .schemas
        .iter()
        .filter_map(|(name, s)| match s {
            RefOr::T(Schema::Object(o))
                if matches!(
                    o.additional_properties.as_deref(),
                    Some(AdditionalProperties::FreeForm(false))
                ) =>
            {
                let mut open = o.clone();
                open.additional_properties = None;
                Some((format!("#/components/schemas/{name}"), open))
            }
            _ => None,
        })
        .collect();
    for schema in components.schemas.values_mut() {
        let RefOr::T(Schema::AllOf(all)) = schema else {
            continue;
        };
        for item in &mut all.items {
            if let RefOr::Ref(r) = item {
                if let Some(open) = closed.get(&r.ref_location) {
                    *item = RefOr::T(Schema::Object(open.clone()));
                }
            }
        }
    }
}

/// Tagged enums that refuse unknown members (`#[serde(tag = …,
/// deny_unknown_fields)]`): utoipa writes each variant as an open object,
/// so the document closes them here. A variant with no member but its tag
/// (`{"type": "link_contact"}`) stays open: serde ignores what else such an
/// object holds.
const CLOSED_TAGGED_ENUMS: [&str; 3] = ["Step", "MacroAction", "FrequencySpec"];

fn close_tagged_variants(doc: &mut Doc) {
    use utoipa::openapi::schema::{AdditionalProperties, Schema};
    use utoipa::openapi::RefOr;
    let Some(components) = doc.components.as_mut() else {
        return;
    };
    for name in CLOSED_TAGGED_ENUMS {
        let Some(RefOr::T(Schema::OneOf(one))) = components.schemas.get_mut(name) else {
            continue;
        };
        for variant in &mut one.items {
            if let RefOr::T(Schema::Object(o)) = variant {
                if o.properties.len() > 1 {
                    o.additional_properties = Some(Box::new(AdditionalProperties::FreeForm(false)));
                }
            }
        }
    }
}

/// Every error answer is `application/problem+json` (see `crate::error`);
/// an annotation saying `body = Problem` alone would document it as
/// `application/json`.
fn problem_content(op: &mut Operation) {
    for (status, response) in op.responses.responses.iter_mut() {
        if !status.starts_with('4') && !status.starts_with('5') {
            continue;
        }
        let utoipa::openapi::RefOr::T(response) = response else {
            continue;
        };
        if let Some(content) = response.content.shift_remove("application/json") {
            response
                .content
                .entry("application/problem+json".to_owned())
                .or_insert(content);
        }
    }
}
