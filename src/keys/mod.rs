//! Key custody (K-1..K-10): the cabinet, customer entrustment with receipt, lending and
//! return, overdue chasing, lost or damaged keys, collection against proof of identity.

pub mod api;
pub mod loan_api;
pub mod loan_store;
pub mod rules;
pub mod store;

/// Literal paths are registered before `{id}` paths that would swallow them.
pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(api::create_key)
        .service(api::list_keys)
        .service(api::get_key)
        .service(api::key_history)
        .service(api::collect)
        .service(api::create_entrustment)
        .service(api::list_entrustments)
        .service(api::get_entrustment)
        .service(api::receipt)
        .service(loan_api::lend)
        .service(loan_api::list_loans)
        .service(loan_api::overdue)
        .service(loan_api::get_loan)
        .service(loan_api::give_back)
        .service(loan_api::chase)
        .service(loan_api::report)
        .service(loan_api::list_incidents)
        .service(loan_api::get_incident)
        .service(loan_api::resolve);
}
