//! `GET /audit-events`: the audit trail (manager).

use actix_web::{get, web};
use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use validator::Validate;

use crate::auth::{Manager, Require};
use crate::db::schema::audit_events as ae;
use crate::db::{from_db, to_db};
use crate::error::{ApiError, ApiResult};
use crate::http::csv::CsvRow;
use crate::http::{ListResponse, Page, PageParams, Paginated, Query};
use crate::{time, AppState};

/// One write: who, what, when, before and after (personal data masked).
#[derive(Debug, Serialize, ToSchema)]
pub struct AuditEvent {
    pub id: i64,
    /// None for the system (first-start admin, CLI).
    pub actor_id: Option<i64>,
    #[schema(example = "key.lend")]
    pub action: String,
    #[schema(example = "key_loan")]
    pub entity: String,
    pub entity_id: Option<i64>,
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
    pub at: DateTime<Utc>,
}

impl CsvRow for AuditEvent {
    const CSV_COLUMNS: &'static [&'static str] = &["id", "at", "actor_id", "action", "entity", "entity_id", "before", "after"];
}

#[derive(Debug, Deserialize, Validate, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    #[validate(length(min = 1, max = 64))]
    #[param(min_length = 1, max_length = 64)]
    pub entity: Option<String>,
    #[validate(range(min = 1))]
    #[param(minimum = 1)]
    pub entity_id: Option<i64>,
    #[validate(range(min = 1))]
    #[param(minimum = 1)]
    pub actor_id: Option<i64>,
    /// From this local date, inclusive.
    pub from: Option<NaiveDate>,
    /// To this local date, inclusive.
    pub to: Option<NaiveDate>,
}

type Row = (i64, Option<i64>, String, String, Option<i64>, Option<String>, Option<String>, NaiveDateTime);

/// The audit trail, newest first (manager). Filters combine.
#[utoipa::path(tag = "across", params(AuditQuery, PageParams), responses((status = 200, content(
    (Paginated<AuditEvent> = "application/json"), (String = "text/csv")))))]
#[get("/audit-events")]
pub async fn audit_events(state: web::Data<AppState>, _caller: Require<Manager>, query: Query<AuditQuery>, paging: Query<PageParams>) -> ApiResult<ListResponse<AuditEvent>> {
    let q = query.0;
    let tz = state.settings.timezone;
    let from = q.from.map(|d| to_db(time::day_start(d, tz)));
    let to = q.to.map(|d| to_db(time::day_range(d, d, tz).1));
    let page = Page::from(&paging.0);
    let (rows, total) = state
        .db(move |conn| {
            let build = || {
                let mut b = ae::table.into_boxed();
                if let Some(e) = &q.entity {
                    b = b.filter(ae::entity.eq(e));
                }
                if let Some(id) = q.entity_id {
                    b = b.filter(ae::entity_id.eq(id));
                }
                if let Some(a) = q.actor_id {
                    b = b.filter(ae::actor_id.eq(a));
                }
                if let Some(f) = from {
                    b = b.filter(ae::at.ge(f));
                }
                if let Some(t) = to {
                    b = b.filter(ae::at.lt(t));
                }
                b
            };
            let total: i64 = build().count().get_result(conn)?;
            let rows: Vec<Row> = build()
                .order(ae::id.desc())
                .limit(page.per_page)
                .offset(page.offset())
                .select((ae::id, ae::actor_id, ae::action, ae::entity, ae::entity_id, ae::before_json, ae::after_json, ae::at))
                .load(conn)?;
            Ok((rows, total))
        })
        .await?;
    let parse = |s: Option<String>| -> Result<Option<serde_json::Value>, ApiError> {
        s.map(|t| serde_json::from_str(&t).map_err(|e| ApiError::Internal(e.to_string()))).transpose()
    };
    let items = rows
        .into_iter()
        .map(|(id, actor_id, action, entity, entity_id, before, after, at)| {
            Ok(AuditEvent { id, actor_id, action, entity, entity_id, before: parse(before)?, after: parse(after)?, at: from_db(at) })
        })
        .collect::<Result<Vec<_>, ApiError>>()?;
    Ok(ListResponse { page: Paginated::new(items, page, total) })
}
