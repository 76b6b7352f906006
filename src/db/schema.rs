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

diesel::table! {
    duty_shifts (id) {
        id -> BigInt,
        staff_id -> BigInt,
        post -> Text,
        starts_at -> Timestamp,
        ends_at -> Timestamp,
        created_by -> BigInt,
        created_at -> Timestamp,
    }
}

diesel::table! {
    duty_log_entries (id) {
        id -> BigInt,
        seq -> BigInt,
        shift_id -> BigInt,
        author_id -> BigInt,
        content -> Text,
        occurred_at -> Timestamp,
        log_date -> Date,
        recorded_at -> Timestamp,
        corrects_entry_id -> Nullable<BigInt>,
        correction_reason -> Nullable<Text>,
        prev_hash -> Text,
        hash -> Text,
    }
}

diesel::table! {
    duty_chain_head (id) {
        id -> BigInt,
        last_seq -> BigInt,
        last_hash -> Text,
    }
}

diesel::table! {
    duty_handovers (id) {
        id -> BigInt,
        from_shift_id -> BigInt,
        to_shift_id -> BigInt,
        summary -> Text,
        status -> Text,
        outgoing_id -> BigInt,
        incoming_id -> BigInt,
        outgoing_signed_at -> Timestamp,
        incoming_signed_at -> Nullable<Timestamp>,
        arrived_at -> Nullable<Timestamp>,
        late_arrival -> Nullable<Bool>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    duty_handover_items (id) {
        id -> BigInt,
        handover_id -> BigInt,
        position -> Integer,
        description -> Text,
        important -> Bool,
        done -> Bool,
    }
}

diesel::table! {
    duty_handover_anomalies (id) {
        id -> BigInt,
        handover_id -> BigInt,
        description -> Text,
        raised_by -> BigInt,
        raised_at -> Timestamp,
        explanation -> Nullable<Text>,
        explained_by -> Nullable<BigInt>,
        explained_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    duty_reviews (id) {
        id -> BigInt,
        review_date -> Date,
        reviewer_id -> BigInt,
        comments -> Nullable<Text>,
        entries_signed -> BigInt,
        last_seq -> BigInt,
        signed_at -> Timestamp,
    }
}

diesel::joinable!(audit_events -> users (actor_id));
diesel::joinable!(duty_shifts -> users (staff_id));
diesel::joinable!(duty_reviews -> users (reviewer_id));
diesel::joinable!(duty_log_entries -> duty_shifts (shift_id));
diesel::joinable!(duty_handover_items -> duty_handovers (handover_id));
diesel::joinable!(duty_handover_anomalies -> duty_handovers (handover_id));
diesel::table! {
    /// Entries per log day, kept in step by the append (D-10 pending days read from here).
    duty_log_days (log_date) {
        log_date -> Date,
        entry_count -> BigInt,
    }
}

diesel::allow_tables_to_appear_in_same_query!(
    users,
    audit_events,
    duty_shifts,
    duty_log_days,
    duty_log_entries,
    duty_chain_head,
    duty_handovers,
    duty_handover_items,
    duty_handover_anomalies,
    duty_reviews,
);

diesel::table! {
    keys (id) {
        id -> BigInt,
        key_no -> Text,
        unit -> Text,
        source -> Text,
        holder_name -> Nullable<Text>,
        cabinet_slot -> Nullable<Text>,
        quantity -> Integer,
        available -> Integer,
        status -> Text,
        created_by -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    key_entrustments (id) {
        id -> BigInt,
        receipt_no -> Text,
        key_id -> BigInt,
        unit -> Text,
        customer_name -> Text,
        key_count -> Integer,
        reason -> Text,
        collection_requirements -> Text,
        disclaimer_accepted -> Bool,
        customer_signature -> Text,
        received_by -> BigInt,
        entrusted_at -> Timestamp,
    }
}

diesel::table! {
    key_loans (id) {
        id -> BigInt,
        key_id -> BigInt,
        quantity -> Integer,
        lost_quantity -> Integer,
        borrowed_at -> Timestamp,
        expected_return_at -> Timestamp,
        reason -> Text,
        borrower_name -> Text,
        borrower_phone -> Text,
        borrower_signature -> Text,
        lent_by -> BigInt,
        returned_at -> Nullable<Timestamp>,
        returned_quantity -> Nullable<Integer>,
        received_by -> Nullable<BigInt>,
    }
}

diesel::table! {
    key_chases (id) {
        id -> BigInt,
        loan_id -> BigInt,
        note -> Text,
        chased_by -> BigInt,
        chased_at -> Timestamp,
    }
}

diesel::table! {
    key_incidents (id) {
        id -> BigInt,
        key_id -> BigInt,
        loan_id -> Nullable<BigInt>,
        kind -> Text,
        description -> Text,
        reported_by -> BigInt,
        reported_at -> Timestamp,
        status -> Text,
        consent_from -> Nullable<Text>,
        action -> Nullable<Text>,
        outcome -> Nullable<Text>,
        resolved_by -> Nullable<BigInt>,
        resolved_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    key_collections (id) {
        id -> BigInt,
        key_id -> BigInt,
        collector_name -> Text,
        id_document_kind -> Text,
        id_document_no -> Text,
        collector_signature -> Text,
        handed_over_by -> BigInt,
        collected_at -> Timestamp,
    }
}

diesel::table! {
    key_events (id) {
        id -> BigInt,
        key_id -> BigInt,
        kind -> Text,
        ref_id -> Nullable<BigInt>,
        actor_id -> BigInt,
        note -> Nullable<Text>,
        at -> Timestamp,
    }
}

diesel::joinable!(key_loans -> keys (key_id));
diesel::joinable!(key_chases -> key_loans (loan_id));
diesel::allow_tables_to_appear_in_same_query!(keys, key_loans, key_chases, key_entrustments, key_incidents, key_collections, key_events, users);

diesel::table! {
    vacant_units (id) {
        id -> BigInt,
        unit -> Text,
        building -> Text,
        floor -> Text,
        room -> Text,
        taken_over_on -> Date,
        finish -> Text,
        sold_on -> Nullable<Date>,
        created_by -> BigInt,
        created_at -> Timestamp,
    }
}

diesel::table! {
    vacant_care_records (id) {
        id -> BigInt,
        unit_id -> BigInt,
        performed_at -> Timestamp,
        performed_by -> BigInt,
        notes -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    vacant_care_tasks (id) {
        id -> BigInt,
        record_id -> BigInt,
        unit_id -> BigInt,
        task -> Text,
        performed_at -> Timestamp,
    }
}

diesel::table! {
    vacant_anomalies (id) {
        id -> BigInt,
        unit_id -> BigInt,
        care_record_id -> BigInt,
        description -> Text,
        reported_by -> BigInt,
        reported_at -> Timestamp,
        status -> Text,
        action -> Nullable<Text>,
        closed_by -> Nullable<BigInt>,
        closed_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    vacant_status_tables (id) {
        id -> BigInt,
        month -> Text,
        submitted_by -> BigInt,
        submitted_at -> Timestamp,
        late -> Bool,
    }
}

diesel::table! {
    vacant_status_rows (id) {
        id -> BigInt,
        table_id -> BigInt,
        unit_id -> BigInt,
        unit -> Text,
        building -> Text,
        floor -> Text,
        room -> Text,
        finish -> Text,
        state -> Text,
        taken_over_on -> Date,
        sold_on -> Nullable<Date>,
        care_records -> Integer,
        last_care_at -> Nullable<Timestamp>,
        open_anomalies -> Integer,
    }
}

diesel::table! {
    maintenance_plans (id) {
        id -> BigInt,
        year -> Integer,
        status -> Text,
        created_by -> BigInt,
        created_at -> Timestamp,
        submitted_by -> Nullable<BigInt>,
        submitted_at -> Nullable<Timestamp>,
        late -> Nullable<Bool>,
        reviewed_by -> Nullable<BigInt>,
        reviewed_at -> Nullable<Timestamp>,
        approved_by_name -> Nullable<Text>,
        approved_recorded_by -> Nullable<BigInt>,
        approved_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    maintenance_plan_items (id) {
        id -> BigInt,
        plan_id -> BigInt,
        position -> Integer,
        item -> Text,
        frequency -> Text,
        measures -> Text,
        budget_cents -> BigInt,
        active -> Bool,
    }
}

diesel::joinable!(vacant_care_records -> vacant_units (unit_id));
diesel::joinable!(vacant_anomalies -> vacant_units (unit_id));
diesel::joinable!(vacant_status_rows -> vacant_status_tables (table_id));
diesel::joinable!(maintenance_plan_items -> maintenance_plans (plan_id));
diesel::allow_tables_to_appear_in_same_query!(
    vacant_units,
    vacant_care_records,
    vacant_care_tasks,
    vacant_anomalies,
    vacant_status_tables,
    vacant_status_rows,
    maintenance_plans,
    maintenance_plan_items,
);

diesel::table! {
    archive_boxes (id) {
        id -> BigInt,
        org_code -> Text,
        category -> Text,
        label -> Text,
        created_by -> BigInt,
        created_at -> Timestamp,
    }
}

diesel::table! {
    customer_files (id) {
        id -> BigInt,
        file_no -> Text,
        customer_name -> Text,
        building -> Text,
        floor -> Text,
        room -> Text,
        sort_key -> Text,
        move_in_date -> Date,
        page_count -> Integer,
        phone -> Nullable<Text>,
        id_number -> Nullable<Text>,
        box_id -> Nullable<BigInt>,
        remarks -> Nullable<Text>,
        created_by -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    customer_file_documents (id) {
        id -> BigInt,
        file_id -> BigInt,
        kind -> Text,
        title -> Nullable<Text>,
        pages -> Nullable<Integer>,
        received_on -> Date,
        recorded_by -> BigInt,
        recorded_at -> Timestamp,
    }
}

diesel::table! {
    customer_file_changes (id) {
        id -> BigInt,
        file_id -> BigInt,
        kind -> Text,
        old_value -> Nullable<Text>,
        new_value -> Text,
        note -> Nullable<Text>,
        changed_by -> BigInt,
        changed_at -> Timestamp,
    }
}

diesel::table! {
    file_access_requests (id) {
        id -> BigInt,
        file_id -> BigInt,
        requested_by -> BigInt,
        reason -> Text,
        status -> Text,
        requested_at -> Timestamp,
        approved_by -> Nullable<BigInt>,
        approved_at -> Nullable<Timestamp>,
        registered_by -> Nullable<BigInt>,
        registered_at -> Nullable<Timestamp>,
        expires_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    file_access_log (id) {
        id -> BigInt,
        file_id -> BigInt,
        reader_id -> BigInt,
        grant_id -> Nullable<BigInt>,
        read_at -> Timestamp,
    }
}

diesel::table! {
    census_rounds (id) {
        id -> BigInt,
        quarter -> Text,
        started_by -> BigInt,
        started_at -> Timestamp,
    }
}

diesel::table! {
    census_entries (id) {
        id -> BigInt,
        round_id -> BigInt,
        file_id -> BigInt,
        household_notes -> Text,
        recorded_by -> BigInt,
        recorded_at -> Timestamp,
    }
}

diesel::table! {
    arrears (id) {
        id -> BigInt,
        file_id -> BigInt,
        fee_type -> Text,
        amount_cents -> BigInt,
        overdue_since -> Date,
        settled_at -> Nullable<Timestamp>,
        settled_by -> Nullable<BigInt>,
        created_by -> BigInt,
        created_at -> Timestamp,
    }
}

diesel::table! {
    arrears_follow_ups (id) {
        id -> BigInt,
        arrear_id -> BigInt,
        contacted_at -> Timestamp,
        contacted_on -> Date,
        method -> Text,
        outcome -> Text,
        recorded_by -> BigInt,
        recorded_at -> Timestamp,
    }
}

diesel::joinable!(arrears_follow_ups -> arrears (arrear_id));
diesel::allow_tables_to_appear_in_same_query!(
    archive_boxes,
    customer_files,
    customer_file_documents,
    customer_file_changes,
    file_access_requests,
    file_access_log,
    census_rounds,
    census_entries,
    arrears,
    arrears_follow_ups,
);
diesel::allow_tables_to_appear_in_same_query!(file_access_log, users);

diesel::table! {
    service_records (id) {
        id -> BigInt,
        kind -> Text,
        major -> Bool,
        category -> Text,
        description -> Text,
        completed_at -> Timestamp,
        completed_month -> Text,
        unit -> Nullable<Text>,
        customer_file_id -> Nullable<BigInt>,
        department -> Nullable<Text>,
        contract_start -> Nullable<Date>,
        contract_end -> Nullable<Date>,
        created_by -> BigInt,
        created_at -> Timestamp,
    }
}

diesel::table! {
    follow_ups (id) {
        id -> BigInt,
        service_record_id -> BigInt,
        phase -> Nullable<Text>,
        status -> Text,
        due_from -> Date,
        due_by -> Date,
        planned_by -> BigInt,
        created_at -> Timestamp,
        signed_out_by -> Nullable<BigInt>,
        signed_out_at -> Nullable<Timestamp>,
        visited_at -> Nullable<Timestamp>,
        visited_month -> Nullable<Text>,
        method -> Nullable<Text>,
        quality_rating -> Nullable<Integer>,
        effect_rating -> Nullable<Integer>,
        satisfaction -> Nullable<Text>,
        shortcomings -> Nullable<Text>,
        suggestions -> Nullable<Text>,
        customer_signed_by -> Nullable<Text>,
        result_by -> Nullable<BigInt>,
        qualified -> Nullable<Bool>,
        on_time -> Nullable<Bool>,
        review_comments -> Nullable<Text>,
        reviewed_by -> Nullable<BigInt>,
        reviewed_at -> Nullable<Timestamp>,
        escalation_handling -> Nullable<Text>,
        handled_by -> Nullable<BigInt>,
        closed_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    follow_up_assignees (follow_up_id, user_id) {
        follow_up_id -> BigInt,
        user_id -> BigInt,
    }
}

diesel::table! {
    follow_up_targets (kind) {
        kind -> Text,
        target_rate -> Double,
        updated_by -> BigInt,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    follow_up_reports (id) {
        id -> BigInt,
        month -> Text,
        analysis -> Text,
        status -> Text,
        late -> Bool,
        submitted_by -> BigInt,
        submitted_at -> Timestamp,
        review_comments -> Nullable<Text>,
        reviewed_by -> Nullable<BigInt>,
        reviewed_at -> Nullable<Timestamp>,
        corrective_action -> Nullable<Bool>,
        decision_note -> Nullable<Text>,
        decided_by -> Nullable<BigInt>,
        decided_at -> Nullable<Timestamp>,
    }
}

diesel::joinable!(follow_ups -> service_records (service_record_id));
diesel::joinable!(follow_up_assignees -> follow_ups (follow_up_id));
diesel::allow_tables_to_appear_in_same_query!(service_records, follow_ups, follow_up_assignees, follow_up_targets, follow_up_reports, users);

diesel::table! {
    /// Versions of cached answers, bumped by triggers (src/cache.rs).
    data_versions (topic) {
        topic -> Text,
        version -> BigInt,
    }
}
