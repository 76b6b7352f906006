-- V-1 vacant-unit register
CREATE TABLE vacant_units (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    unit TEXT NOT NULL,
    building TEXT NOT NULL,
    floor TEXT NOT NULL,
    room TEXT NOT NULL,
    taken_over_on DATE NOT NULL,
    finish TEXT NOT NULL CHECK (finish IN ('standard', 'fine')),
    sold_on DATE,
    created_by BIGINT NOT NULL REFERENCES users (id),
    created_at TIMESTAMP NOT NULL,
    CONSTRAINT vacant_units_unit_key UNIQUE (unit)
);
CREATE INDEX vacant_units_building_idx ON vacant_units (building, floor, room);
CREATE INDEX vacant_units_sold_idx ON vacant_units (sold_on);

-- V-4/V-6 care records and their tasks
CREATE TABLE vacant_care_records (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    unit_id BIGINT NOT NULL REFERENCES vacant_units (id),
    performed_at TIMESTAMP NOT NULL,
    performed_by BIGINT NOT NULL REFERENCES users (id),
    notes TEXT,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX vacant_care_records_unit_idx ON vacant_care_records (unit_id, performed_at);
CREATE INDEX vacant_care_records_by_idx ON vacant_care_records (performed_by, performed_at);

CREATE TABLE vacant_care_tasks (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    record_id BIGINT NOT NULL REFERENCES vacant_care_records (id),
    unit_id BIGINT NOT NULL REFERENCES vacant_units (id),
    task TEXT NOT NULL CHECK (task IN ('ventilation', 'drying', 'hardware_oiling', 'sun_protection', 'damp_protection',
                                       'appliance_test', 'cleaning_request', 'waxing', 'patrol')),
    performed_at TIMESTAMP NOT NULL
);
CREATE INDEX vacant_care_tasks_period_idx ON vacant_care_tasks (performed_at, unit_id, task);
CREATE INDEX vacant_care_tasks_record_idx ON vacant_care_tasks (record_id);

-- V-5 anomalies reported to the supervisor
CREATE TABLE vacant_anomalies (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    unit_id BIGINT NOT NULL REFERENCES vacant_units (id),
    care_record_id BIGINT NOT NULL REFERENCES vacant_care_records (id),
    description TEXT NOT NULL,
    reported_by BIGINT NOT NULL REFERENCES users (id),
    reported_at TIMESTAMP NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('open', 'closed')),
    action TEXT,
    closed_by BIGINT REFERENCES users (id),
    closed_at TIMESTAMP
);
CREATE INDEX vacant_anomalies_status_idx ON vacant_anomalies (status, reported_at);
CREATE INDEX vacant_anomalies_unit_idx ON vacant_anomalies (unit_id);

-- V-2 monthly status table, frozen at submission
CREATE TABLE vacant_status_tables (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    month TEXT NOT NULL,
    submitted_by BIGINT NOT NULL REFERENCES users (id),
    submitted_at TIMESTAMP NOT NULL,
    late BOOLEAN NOT NULL,
    CONSTRAINT vacant_status_tables_month_key UNIQUE (month)
);

CREATE TABLE vacant_status_rows (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    table_id BIGINT NOT NULL REFERENCES vacant_status_tables (id),
    unit_id BIGINT NOT NULL REFERENCES vacant_units (id),
    unit TEXT NOT NULL,
    building TEXT NOT NULL,
    floor TEXT NOT NULL,
    room TEXT NOT NULL,
    finish TEXT NOT NULL,
    state TEXT NOT NULL,
    taken_over_on DATE NOT NULL,
    sold_on DATE,
    care_records INTEGER NOT NULL,
    last_care_at TIMESTAMP,
    open_anomalies INTEGER NOT NULL
);
CREATE INDEX vacant_status_rows_table_idx ON vacant_status_rows (table_id, unit);

-- V-3 yearly maintenance plan
CREATE TABLE maintenance_plans (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    year INTEGER NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('draft', 'submitted', 'reviewed', 'approved')),
    created_by BIGINT NOT NULL REFERENCES users (id),
    created_at TIMESTAMP NOT NULL,
    submitted_by BIGINT REFERENCES users (id),
    submitted_at TIMESTAMP,
    late BOOLEAN,
    reviewed_by BIGINT REFERENCES users (id),
    reviewed_at TIMESTAMP,
    approved_by_name TEXT,
    approved_recorded_by BIGINT REFERENCES users (id),
    approved_at TIMESTAMP,
    CONSTRAINT maintenance_plans_year_key UNIQUE (year)
);
CREATE INDEX maintenance_plans_status_idx ON maintenance_plans (status, year);

CREATE TABLE maintenance_plan_items (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    plan_id BIGINT NOT NULL REFERENCES maintenance_plans (id),
    position INTEGER NOT NULL,
    item TEXT NOT NULL,
    frequency TEXT NOT NULL,
    measures TEXT NOT NULL,
    budget_cents BIGINT NOT NULL CHECK (budget_cents >= 0),
    active BOOLEAN NOT NULL
);
CREATE INDEX maintenance_plan_items_plan_idx ON maintenance_plan_items (plan_id, active, position);
