//! Across registers: the agenda of due work, performance figures (P-1), the audit trail
//! and the retention report.

pub mod agenda;
pub mod audit_api;
pub mod performance;
pub mod retention;

pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(agenda::get_agenda)
        .service(performance::performance)
        .service(audit_api::audit_events)
        .service(retention::retention_report);
}
