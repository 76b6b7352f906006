-- The services that follow-up visits check (F-2, F-3, F-9)
CREATE TABLE service_records (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL CHECK (kind IN ('complaint', 'repair', 'special_service', 'help', 'emergency', 'publication_event', 'other')),
    major BOOLEAN NOT NULL,
    category TEXT NOT NULL,
    description TEXT NOT NULL,
    completed_at TIMESTAMP NOT NULL,
    completed_month TEXT NOT NULL,
    unit TEXT,
    customer_file_id BIGINT REFERENCES customer_files (id),
    department TEXT,
    contract_start DATE,
    contract_end DATE,
    created_by BIGINT NOT NULL REFERENCES users (id),
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX service_records_month_idx ON service_records (completed_month, kind);
CREATE INDEX service_records_unit_idx ON service_records (kind, completed_month, unit, category);
CREATE INDEX service_records_customer_idx ON service_records (kind, completed_month, customer_file_id, category);

-- F-1..F-8 follow-up visits
CREATE TABLE follow_ups (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    service_record_id BIGINT NOT NULL REFERENCES service_records (id),
    phase TEXT CHECK (phase IN ('mid_contract', 'after_end')),
    status TEXT NOT NULL CHECK (status IN ('planned', 'signed_out', 'visited', 'reviewed', 'escalated', 'closed')),
    due_from DATE NOT NULL,
    due_by DATE NOT NULL,
    planned_by BIGINT NOT NULL REFERENCES users (id),
    created_at TIMESTAMP NOT NULL,
    signed_out_by BIGINT REFERENCES users (id),
    signed_out_at TIMESTAMP,
    visited_at TIMESTAMP,
    visited_month TEXT,
    method TEXT CHECK (method IN ('in_person', 'on_site', 'phone')),
    quality_rating INTEGER CHECK (quality_rating BETWEEN 1 AND 5),
    effect_rating INTEGER CHECK (effect_rating BETWEEN 1 AND 5),
    satisfaction TEXT CHECK (satisfaction IN ('very_satisfied', 'satisfied', 'neutral', 'dissatisfied', 'very_dissatisfied')),
    shortcomings TEXT,
    suggestions TEXT,
    customer_signed_by TEXT,
    result_by BIGINT REFERENCES users (id),
    qualified BOOLEAN,
    on_time BOOLEAN,
    review_comments TEXT,
    reviewed_by BIGINT REFERENCES users (id),
    reviewed_at TIMESTAMP,
    escalation_handling TEXT,
    handled_by BIGINT REFERENCES users (id),
    closed_at TIMESTAMP
);
CREATE INDEX follow_ups_status_idx ON follow_ups (status, due_by);
CREATE INDEX follow_ups_due_idx ON follow_ups (due_by);
CREATE INDEX follow_ups_record_idx ON follow_ups (service_record_id);
CREATE INDEX follow_ups_visited_idx ON follow_ups (visited_month, qualified);

CREATE TABLE follow_up_assignees (
    follow_up_id BIGINT NOT NULL REFERENCES follow_ups (id),
    user_id BIGINT NOT NULL REFERENCES users (id),
    PRIMARY KEY (follow_up_id, user_id)
);
CREATE INDEX follow_up_assignees_user_idx ON follow_up_assignees (user_id, follow_up_id);

-- F-3 target rates set by the supervisor (defaults apply when absent)
CREATE TABLE follow_up_targets (
    kind TEXT PRIMARY KEY,
    target_rate DOUBLE PRECISION NOT NULL CHECK (target_rate >= 0 AND target_rate <= 1),
    updated_by BIGINT NOT NULL REFERENCES users (id),
    updated_at TIMESTAMP NOT NULL
);

-- F-9/F-10 the monthly analysis report
CREATE TABLE follow_up_reports (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    month TEXT NOT NULL,
    analysis TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('submitted', 'reviewed', 'decided')),
    late BOOLEAN NOT NULL,
    submitted_by BIGINT NOT NULL REFERENCES users (id),
    submitted_at TIMESTAMP NOT NULL,
    review_comments TEXT,
    reviewed_by BIGINT REFERENCES users (id),
    reviewed_at TIMESTAMP,
    corrective_action BOOLEAN,
    decision_note TEXT,
    decided_by BIGINT REFERENCES users (id),
    decided_at TIMESTAMP,
    CONSTRAINT follow_up_reports_month_key UNIQUE (month)
);
