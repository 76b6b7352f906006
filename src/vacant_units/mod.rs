//! Vacant units (V-1..V-6): register, care records and anomalies, the monthly status table,
//! the yearly maintenance plan, the half-year summary and retention after sale.

pub mod api;
pub mod plan_api;
pub mod plan_store;
pub mod rules;
pub mod store;

/// Literal paths are registered before `{id}` paths that would swallow them.
pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(plan_api::submit_table)
        .service(plan_api::get_table)
        .service(api::care_summary)
        .service(api::create_unit)
        .service(api::list_units)
        .service(api::get_unit)
        .service(api::mark_sold)
        .service(api::add_care_record)
        .service(api::list_care_records)
        .service(api::list_anomalies)
        .service(api::close_anomaly)
        .service(plan_api::create_plan)
        .service(plan_api::list_plans)
        .service(plan_api::get_plan)
        .service(plan_api::replace_items)
        .service(plan_api::submit_plan)
        .service(plan_api::review_plan)
        .service(plan_api::approve_plan);
}
