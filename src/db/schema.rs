// Kept by hand in step with migrations/sqlite and migrations/postgres (same names in both).

diesel::table! {
    users (id) {
        id -> BigInt,
        username -> Text,
        password_hash -> Text,
        display_name -> Text,
        role -> Text,
        phone -> Nullable<Text>,
        department -> Nullable<Text>,
        active -> Bool,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    audit_events (id) {
        id -> BigInt,
        actor_id -> Nullable<BigInt>,
        action -> Text,
        entity -> Text,
        entity_id -> Nullable<BigInt>,
        before_json -> Nullable<Text>,
        after_json -> Nullable<Text>,
        request_id -> Nullable<Text>,
        at -> Timestamp,
    }
}

diesel::joinable!(audit_events -> users (actor_id));
diesel::allow_tables_to_appear_in_same_query!(users, audit_events);
