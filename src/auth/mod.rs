//! Accounts, passwords, tokens and the role guard.

pub mod api;
pub mod extract;
pub mod jwt;
pub mod password;
pub mod store;

pub use extract::{AuthUser, DeputySupervisor, Manager, Require, Staff, Supervisor};

crate::text_enum! {
    /// A staff member's role, lowest to highest: a higher role may do what a lower one may,
    /// unless a rule names a person.
    pub enum Role {
        Staff = "staff",
        DeputySupervisor = "deputy_supervisor",
        Supervisor = "supervisor",
        Manager = "manager",
    }
}

pub fn routes(cfg: &mut utoipa_actix_web::service_config::ServiceConfig) {
    cfg.service(api::login)
        .service(api::me)
        .service(api::create_user)
        .service(api::list_users)
        .service(api::get_user)
        .service(api::patch_user);
}

#[cfg(test)]
mod tests {
    use super::Role;

    #[test]
    fn roles_are_ordered_lowest_to_highest() {
        assert!(Role::Staff < Role::DeputySupervisor);
        assert!(Role::DeputySupervisor < Role::Supervisor);
        assert!(Role::Supervisor < Role::Manager);
        assert_eq!(Role::parse("deputy_supervisor"), Some(Role::DeputySupervisor));
        assert_eq!(Role::parse("admin"), None);
        Role::assert_texts_agree();
    }
}
