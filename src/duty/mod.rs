//! Duty register: roster (D-1), tamper-evident duty log (D-2..D-4), shift handover
//! (D-5..D-9) and the deputy supervisor's daily review (D-10).

pub mod api;
pub mod handover_api;
pub mod handover_store;
pub mod log_api;
pub mod log_store;
pub mod rules;
pub mod store;

/// Literal paths are registered before `{id}` paths that would swallow them.
pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(api::create_shift)
        .service(api::list_shifts)
        .service(api::get_shift)
        .service(log_api::create_entry)
        .service(log_api::verify)
        .service(log_api::list_entries)
        .service(log_api::get_entry)
        // Served to refuse (405, D-3), so not documented as operations.
        .map(|c| c.service(log_api::put_entry).service(log_api::patch_entry).service(log_api::delete_entry))
        .service(handover_api::create_handover)
        .service(handover_api::list_handovers)
        .service(handover_api::get_handover)
        .service(handover_api::raise_anomaly)
        .service(handover_api::explain_anomaly)
        .service(handover_api::accept)
        .service(api::create_review)
        .service(api::pending_reviews)
        .service(api::list_reviews);
}
