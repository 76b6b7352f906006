-- C-2 archive boxes
CREATE TABLE archive_boxes (
    id BIGSERIAL PRIMARY KEY,
    org_code TEXT NOT NULL,
    category TEXT NOT NULL,
    label TEXT NOT NULL,
    created_by BIGINT NOT NULL REFERENCES users (id),
    created_at TIMESTAMP NOT NULL,
    CONSTRAINT archive_boxes_label_key UNIQUE (label)
);

-- C-3/C-4/C-9/C-10 customer files, kept permanently; sort_key orders them naturally
CREATE TABLE customer_files (
    id BIGSERIAL PRIMARY KEY,
    file_no TEXT NOT NULL,
    customer_name TEXT NOT NULL,
    building TEXT NOT NULL,
    floor TEXT NOT NULL,
    room TEXT NOT NULL,
    sort_key TEXT COLLATE "C" NOT NULL,
    move_in_date DATE NOT NULL,
    page_count INTEGER NOT NULL CHECK (page_count >= 0),
    phone TEXT,
    id_number TEXT,
    box_id BIGINT REFERENCES archive_boxes (id),
    remarks TEXT,
    created_by BIGINT NOT NULL REFERENCES users (id),
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    CONSTRAINT customer_files_file_no_key UNIQUE (file_no)
);
CREATE INDEX customer_files_sort_idx ON customer_files (sort_key, id);
CREATE INDEX customer_files_building_idx ON customer_files (building, sort_key, id);
CREATE INDEX customer_files_name_idx ON customer_files (customer_name);

-- C-1 documents in a file
CREATE TABLE customer_file_documents (
    id BIGSERIAL PRIMARY KEY,
    file_id BIGINT NOT NULL REFERENCES customer_files (id),
    kind TEXT NOT NULL,
    title TEXT,
    pages INTEGER,
    received_on DATE NOT NULL,
    recorded_by BIGINT NOT NULL REFERENCES users (id),
    recorded_at TIMESTAMP NOT NULL
);
CREATE INDEX customer_file_documents_file_idx ON customer_file_documents (file_id, kind);

-- C-5 change history
CREATE TABLE customer_file_changes (
    id BIGSERIAL PRIMARY KEY,
    file_id BIGINT NOT NULL REFERENCES customer_files (id),
    kind TEXT NOT NULL,
    old_value TEXT,
    new_value TEXT NOT NULL,
    note TEXT,
    changed_by BIGINT NOT NULL REFERENCES users (id),
    changed_at TIMESTAMP NOT NULL
);
CREATE INDEX customer_file_changes_file_idx ON customer_file_changes (file_id, id);

-- C-8 access grants and the access log
CREATE TABLE file_access_requests (
    id BIGSERIAL PRIMARY KEY,
    file_id BIGINT NOT NULL REFERENCES customer_files (id),
    requested_by BIGINT NOT NULL REFERENCES users (id),
    reason TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('requested', 'approved', 'active')),
    requested_at TIMESTAMP NOT NULL,
    approved_by BIGINT REFERENCES users (id),
    approved_at TIMESTAMP,
    registered_by BIGINT REFERENCES users (id),
    registered_at TIMESTAMP,
    expires_at TIMESTAMP
);
CREATE INDEX file_access_requests_file_idx ON file_access_requests (file_id, requested_by, status);
CREATE INDEX file_access_requests_status_idx ON file_access_requests (status, requested_at);

CREATE TABLE file_access_log (
    id BIGSERIAL PRIMARY KEY,
    file_id BIGINT NOT NULL REFERENCES customer_files (id),
    reader_id BIGINT NOT NULL REFERENCES users (id),
    grant_id BIGINT REFERENCES file_access_requests (id),
    read_at TIMESTAMP NOT NULL
);
CREATE INDEX file_access_log_file_idx ON file_access_log (file_id, read_at);

-- C-6 quarterly census
CREATE TABLE census_rounds (
    id BIGSERIAL PRIMARY KEY,
    quarter TEXT NOT NULL,
    started_by BIGINT NOT NULL REFERENCES users (id),
    started_at TIMESTAMP NOT NULL,
    CONSTRAINT census_rounds_quarter_key UNIQUE (quarter)
);

CREATE TABLE census_entries (
    id BIGSERIAL PRIMARY KEY,
    round_id BIGINT NOT NULL REFERENCES census_rounds (id),
    file_id BIGINT NOT NULL REFERENCES customer_files (id),
    household_notes TEXT NOT NULL,
    recorded_by BIGINT NOT NULL REFERENCES users (id),
    recorded_at TIMESTAMP NOT NULL,
    CONSTRAINT census_entries_customer_file_id_key UNIQUE (round_id, file_id)
);

-- C-7 arrears and their follow-ups
CREATE TABLE arrears (
    id BIGSERIAL PRIMARY KEY,
    file_id BIGINT NOT NULL REFERENCES customer_files (id),
    fee_type TEXT NOT NULL CHECK (fee_type IN ('management', 'utilities', 'other')),
    amount_cents BIGINT NOT NULL CHECK (amount_cents > 0),
    overdue_since DATE NOT NULL,
    settled_at TIMESTAMP,
    settled_by BIGINT REFERENCES users (id),
    created_by BIGINT NOT NULL REFERENCES users (id),
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX arrears_open_idx ON arrears (settled_at, overdue_since);
CREATE INDEX arrears_file_idx ON arrears (file_id);

CREATE TABLE arrears_follow_ups (
    id BIGSERIAL PRIMARY KEY,
    arrear_id BIGINT NOT NULL REFERENCES arrears (id),
    contacted_at TIMESTAMP NOT NULL,
    contacted_on DATE NOT NULL,
    method TEXT NOT NULL CHECK (method IN ('phone', 'visit', 'sms', 'letter')),
    outcome TEXT NOT NULL,
    recorded_by BIGINT NOT NULL REFERENCES users (id),
    recorded_at TIMESTAMP NOT NULL
);
CREATE INDEX arrears_follow_ups_arrear_idx ON arrears_follow_ups (arrear_id, contacted_on);
