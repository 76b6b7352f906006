-- K-2/K-3 the key cabinet: one row per key (set of copies) with its count in the cabinet.
CREATE TABLE keys (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    key_no TEXT NOT NULL,
    unit TEXT NOT NULL,
    source TEXT NOT NULL CHECK (source IN ('developer', 'customer')),
    holder_name TEXT,
    cabinet_slot TEXT,
    quantity INTEGER NOT NULL CHECK (quantity >= 0),
    available INTEGER NOT NULL CHECK (available >= 0 AND available <= quantity),
    status TEXT NOT NULL CHECK (status IN ('in_cabinet', 'lent', 'collected', 'lost', 'retired')),
    created_by BIGINT NOT NULL REFERENCES users (id),
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    CONSTRAINT keys_key_no_key UNIQUE (key_no)
);
CREATE INDEX keys_unit_idx ON keys (unit, key_no);
CREATE INDEX keys_status_idx ON keys (status, unit);

-- K-4 customer entrustment (two-part form)
CREATE TABLE key_entrustments (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    receipt_no TEXT NOT NULL,
    key_id BIGINT NOT NULL REFERENCES keys (id),
    unit TEXT NOT NULL,
    customer_name TEXT NOT NULL,
    key_count INTEGER NOT NULL CHECK (key_count > 0),
    reason TEXT NOT NULL,
    collection_requirements TEXT NOT NULL,
    disclaimer_accepted BOOLEAN NOT NULL CHECK (disclaimer_accepted),
    customer_signature TEXT NOT NULL,
    received_by BIGINT NOT NULL REFERENCES users (id),
    entrusted_at TIMESTAMP NOT NULL,
    CONSTRAINT key_entrustments_receipt_no_key UNIQUE (receipt_no)
);
CREATE INDEX key_entrustments_key_idx ON key_entrustments (key_id);
CREATE INDEX key_entrustments_at_idx ON key_entrustments (entrusted_at);

-- K-5/K-6 lending and return
CREATE TABLE key_loans (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    key_id BIGINT NOT NULL REFERENCES keys (id),
    quantity INTEGER NOT NULL CHECK (quantity > 0),
    lost_quantity INTEGER NOT NULL DEFAULT 0 CHECK (lost_quantity >= 0 AND lost_quantity <= quantity),
    borrowed_at TIMESTAMP NOT NULL,
    expected_return_at TIMESTAMP NOT NULL,
    reason TEXT NOT NULL,
    borrower_name TEXT NOT NULL,
    borrower_phone TEXT NOT NULL,
    borrower_signature TEXT NOT NULL,
    lent_by BIGINT NOT NULL REFERENCES users (id),
    returned_at TIMESTAMP,
    returned_quantity INTEGER,
    received_by BIGINT REFERENCES users (id)
);
CREATE INDEX key_loans_key_idx ON key_loans (key_id, borrowed_at);
CREATE INDEX key_loans_open_idx ON key_loans (returned_at, borrowed_at);
CREATE INDEX key_loans_lent_by_idx ON key_loans (lent_by, borrowed_at);

-- K-7 chasing overdue loans
CREATE TABLE key_chases (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    loan_id BIGINT NOT NULL REFERENCES key_loans (id),
    note TEXT NOT NULL,
    chased_by BIGINT NOT NULL REFERENCES users (id),
    chased_at TIMESTAMP NOT NULL
);
CREATE INDEX key_chases_loan_idx ON key_chases (loan_id, chased_at);
CREATE INDEX key_chases_by_idx ON key_chases (chased_by, chased_at);

-- K-8 lost or damaged keys
CREATE TABLE key_incidents (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    key_id BIGINT NOT NULL REFERENCES keys (id),
    loan_id BIGINT REFERENCES key_loans (id),
    kind TEXT NOT NULL CHECK (kind IN ('lost', 'damaged')),
    description TEXT NOT NULL,
    reported_by BIGINT NOT NULL REFERENCES users (id),
    reported_at TIMESTAMP NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('open', 'resolved')),
    consent_from TEXT CHECK (consent_from IN ('developer', 'customer')),
    action TEXT CHECK (action IN ('duplicate_key', 'lock_change')),
    outcome TEXT,
    resolved_by BIGINT REFERENCES users (id),
    resolved_at TIMESTAMP
);
CREATE INDEX key_incidents_key_idx ON key_incidents (key_id);
CREATE INDEX key_incidents_status_idx ON key_incidents (status, reported_at);

-- K-9 collection against proof of identity
CREATE TABLE key_collections (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    key_id BIGINT NOT NULL REFERENCES keys (id),
    collector_name TEXT NOT NULL,
    id_document_kind TEXT NOT NULL CHECK (id_document_kind IN ('customer_card', 'id_card')),
    id_document_no TEXT NOT NULL,
    collector_signature TEXT NOT NULL,
    handed_over_by BIGINT NOT NULL REFERENCES users (id),
    collected_at TIMESTAMP NOT NULL,
    CONSTRAINT key_collections_key_id_key UNIQUE (key_id)
);

-- Everything that happened to a key, in order (the key's history).
CREATE TABLE key_events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    key_id BIGINT NOT NULL REFERENCES keys (id),
    kind TEXT NOT NULL,
    ref_id BIGINT,
    actor_id BIGINT NOT NULL REFERENCES users (id),
    note TEXT,
    at TIMESTAMP NOT NULL
);
CREATE INDEX key_events_key_idx ON key_events (key_id, id);
