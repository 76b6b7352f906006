//! Customer files (C-1..C-11): catalog in natural order, confidential access with
//! approval, change history, archive boxes, quarterly census, arrears follow-up.

pub mod access_store;
pub mod api;
pub mod census_api;
pub mod census_store;
pub mod rules;
pub mod store;

/// Literal paths are registered before `{id}` paths that would swallow them.
pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(api::create_file)
        .service(api::catalog)
        .service(api::read_file)
        .service(api::add_document)
        .service(api::record_change)
        .service(api::request_access)
        .service(api::access_log)
        .service(api::list_access)
        .service(api::get_access)
        .service(api::approve_access)
        .service(api::register_access)
        .service(api::create_box)
        .service(api::list_boxes)
        .service(census_api::start_round)
        .service(census_api::list_rounds)
        .service(census_api::get_round)
        .service(census_api::add_entry)
        .service(census_api::create_arrear)
        .service(census_api::list_arrears)
        .service(census_api::due_follow_ups)
        .service(census_api::get_arrear)
        .service(census_api::follow_up)
        .service(census_api::settle)
        // Served to refuse (405, C-9), so not documented as an operation.
        .map(|c| c.service(api::delete_file));
}
