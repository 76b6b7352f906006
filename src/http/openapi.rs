//! The root OpenAPI document. Paths come from the registered routes (utoipa-actix-web);
//! `finalize` adds what every operation shares: the bearer scheme and the problem answers.

use utoipa::openapi::path::Operation;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityRequirement, SecurityScheme};
use utoipa::openapi::{ContentBuilder, OpenApi as OpenApiDoc, Ref, ResponseBuilder};
use utoipa::{Modify, OpenApi};

use crate::error::{FieldError, Problem};

pub const BEARER: &str = "bearer";

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Mall customer service back-office API",
        version = "1.0.0",
        description = "Registers of the customer service department (客服部) of a shopping-mall \
management centre: duty roster and log, customer files, follow-up visits, key custody, vacant units.\n\n\
Log in with `POST /api/v1/auth/login`, then press **Authorize** and paste the `access_token`.\n\n\
Errors are `application/problem+json` (RFC 9457) with an `errors` list naming each field at fault. \
Lists take `page` and `per_page` (max 200) and answer `Accept: text/csv` as a CSV sheet (UTF-8 with BOM). \
Timestamps are RFC 3339 in UTC; day-based rules use the centre's time zone (`APP_TIMEZONE`, default Asia/Shanghai)."
    ),
    modifiers(&SecurityAddon),
    components(schemas(Problem, FieldError)),
    tags(
        (name = "health", description = "Liveness and database reachability"),
        (name = "auth", description = "Log in and who am I"),
        (name = "users", description = "Staff accounts and roles (staff < deputy_supervisor < supervisor < manager)"),
        (name = "keys", description = "Key custody: cabinet, customer entrustment with receipt, lending, overdue chasing, incidents, collection with ID (K-1..K-10)"),
        (name = "vacant_units", description = "Vacant units: register, care records and anomalies, monthly status table, yearly maintenance plan (V-1..V-6)"),
        (name = "customer_files", description = "Confidential customer files: catalog, approval-gated access, change history, census, arrears (C-1..C-11)"),
        (name = "follow_ups", description = "Follow-up visits: service records, due windows, visits, review and escalation, statistics and monthly reports (F-1..F-10)"),
        (name = "across", description = "Across registers: agenda of due work, performance figures (P-1), audit trail, retention report"),
        (name = "duty", description = "Duty roster, append-only hash-chained duty log, shift handover, daily review (D-1..D-10)"),
    )
)]
pub struct ApiDoc;

struct SecurityAddon;

impl Modify for SecurityAddon {
    fn modify(&self, api: &mut OpenApiDoc) {
        let components = api.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            BEARER,
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .description(Some("The access_token from POST /api/v1/auth/login"))
                    .build(),
            ),
        );
    }
}

/// Paths reachable without a token.
const PUBLIC: &[&str] = &["/api/v1/auth/login", "/healthz"];

/// Adds to every operation what they all share: bearer security on the protected ones, and
/// the problem+json answers (401/403 where a token is needed, 422 where input is taken,
/// and `default` for anything else such as 503).
pub fn finalize(api: &mut OpenApiDoc) {
    for (path, item) in api.paths.paths.iter_mut() {
        let public = PUBLIC.contains(&path.as_str());
        for op in [&mut item.get, &mut item.post, &mut item.put, &mut item.patch, &mut item.delete].into_iter().flatten() {
            decorate(op, public);
        }
    }
}

fn problem(description: &str) -> utoipa::openapi::Response {
    ResponseBuilder::new()
        .description(description)
        .content("application/problem+json", ContentBuilder::new().schema(Some(Ref::from_schema_name("Problem"))).build())
        .build()
}

fn decorate(op: &mut Operation, public: bool) {
    let responses = &mut op.responses.responses;
    let mut add = |code: &str, description: &str| {
        responses.entry(code.to_string()).or_insert_with(|| problem(description).into());
    };
    let takes_input = op.request_body.is_some() || op.parameters.as_ref().is_some_and(|p| !p.is_empty());
    if !public {
        add("401", "Missing, invalid or expired token, or the account is deactivated");
        add("403", "The caller's role may not do this");
        op.security = Some(vec![SecurityRequirement::new(BEARER, Vec::<String>::new())]);
    }
    if takes_input {
        add("400", "Malformed JSON or query");
        add("422", "Validation failed; `errors` names each field");
    }
    if op.request_body.is_some() {
        add("413", "The body is larger than the limit");
        add("415", "The body is not application/json");
    }
    add("default", "Any other problem (e.g. 503 while the database is unreachable)");
}
