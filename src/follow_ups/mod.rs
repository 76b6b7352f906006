//! Follow-up visits (F-1..F-10): service records, due windows, visits, review and
//! escalation, targets, monthly statistics and the monthly report.

pub mod api;
pub mod report_api;
pub mod rules;
pub mod stats_store;
pub mod store;

/// Literal paths are registered before `{id}` paths that would swallow them.
pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(api::create_record)
        .service(api::list_records)
        .service(api::get_record)
        .service(report_api::stats)
        .service(api::plan)
        .service(api::list)
        .service(api::get)
        .service(api::sign_out)
        .service(api::result)
        .service(api::review)
        .service(api::escalation)
        .service(report_api::targets)
        .service(report_api::set_target)
        .service(report_api::submit_report)
        .service(report_api::list_reports)
        .service(report_api::get_report)
        .service(report_api::review_report)
        .service(report_api::decide_report);
}
