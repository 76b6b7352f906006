-- D-1 duty roster
CREATE TABLE duty_shifts (
    id BIGSERIAL PRIMARY KEY,
    staff_id BIGINT NOT NULL REFERENCES users (id),
    post TEXT NOT NULL,
    starts_at TIMESTAMP NOT NULL,
    ends_at TIMESTAMP NOT NULL,
    created_by BIGINT NOT NULL REFERENCES users (id),
    created_at TIMESTAMP NOT NULL,
    CHECK (ends_at > starts_at)
);
CREATE INDEX duty_shifts_staff_idx ON duty_shifts (staff_id, starts_at);
CREATE INDEX duty_shifts_starts_idx ON duty_shifts (starts_at);

-- D-2/D-3 the append-only, hash-chained duty log
CREATE TABLE duty_log_entries (
    id BIGSERIAL PRIMARY KEY,
    seq BIGINT NOT NULL,
    shift_id BIGINT NOT NULL REFERENCES duty_shifts (id),
    author_id BIGINT NOT NULL REFERENCES users (id),
    content TEXT NOT NULL,
    occurred_at TIMESTAMP NOT NULL,
    log_date DATE NOT NULL,
    recorded_at TIMESTAMP NOT NULL,
    corrects_entry_id BIGINT REFERENCES duty_log_entries (id),
    correction_reason TEXT,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL,
    CONSTRAINT duty_log_entries_seq_key UNIQUE (seq)
);
CREATE INDEX duty_log_entries_shift_idx ON duty_log_entries (shift_id, seq);
CREATE INDEX duty_log_entries_date_idx ON duty_log_entries (log_date, seq);
CREATE INDEX duty_log_entries_corrects_idx ON duty_log_entries (corrects_entry_id);
CREATE INDEX duty_log_entries_author_idx ON duty_log_entries (author_id, occurred_at);

-- The chain head: one row, locked by every append so seq stays gap-free.
CREATE TABLE duty_chain_head (
    id BIGINT PRIMARY KEY,
    last_seq BIGINT NOT NULL,
    last_hash TEXT NOT NULL
);
INSERT INTO duty_chain_head (id, last_seq, last_hash)
VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');

-- The log may not be altered or torn out, not even by hand in the database (D-3).
CREATE FUNCTION duty_log_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'duty log entries are append-only (D-3)';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER duty_log_entries_append_only BEFORE UPDATE OR DELETE ON duty_log_entries
FOR EACH ROW EXECUTE FUNCTION duty_log_append_only();

-- D-5..D-9 shift handover
CREATE TABLE duty_handovers (
    id BIGSERIAL PRIMARY KEY,
    from_shift_id BIGINT NOT NULL REFERENCES duty_shifts (id),
    to_shift_id BIGINT NOT NULL REFERENCES duty_shifts (id),
    summary TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('awaiting_incoming', 'completed')),
    outgoing_id BIGINT NOT NULL REFERENCES users (id),
    incoming_id BIGINT NOT NULL REFERENCES users (id),
    outgoing_signed_at TIMESTAMP NOT NULL,
    incoming_signed_at TIMESTAMP,
    arrived_at TIMESTAMP,
    late_arrival BOOLEAN,
    created_at TIMESTAMP NOT NULL,
    CONSTRAINT duty_handovers_from_shift_id_key UNIQUE (from_shift_id)
);
CREATE INDEX duty_handovers_to_shift_idx ON duty_handovers (to_shift_id);
CREATE INDEX duty_handovers_status_idx ON duty_handovers (status, created_at);
CREATE INDEX duty_handovers_incoming_idx ON duty_handovers (incoming_id, status);
CREATE INDEX duty_handovers_outgoing_idx ON duty_handovers (outgoing_id, status);

CREATE TABLE duty_handover_items (
    id BIGSERIAL PRIMARY KEY,
    handover_id BIGINT NOT NULL REFERENCES duty_handovers (id),
    position INTEGER NOT NULL,
    description TEXT NOT NULL,
    important BOOLEAN NOT NULL,
    done BOOLEAN NOT NULL
);
CREATE INDEX duty_handover_items_handover_idx ON duty_handover_items (handover_id, position);

CREATE TABLE duty_handover_anomalies (
    id BIGSERIAL PRIMARY KEY,
    handover_id BIGINT NOT NULL REFERENCES duty_handovers (id),
    description TEXT NOT NULL,
    raised_by BIGINT NOT NULL REFERENCES users (id),
    raised_at TIMESTAMP NOT NULL,
    explanation TEXT,
    explained_by BIGINT REFERENCES users (id),
    explained_at TIMESTAMP
);
CREATE INDEX duty_handover_anomalies_handover_idx ON duty_handover_anomalies (handover_id, id);

-- D-10 daily review
CREATE TABLE duty_reviews (
    id BIGSERIAL PRIMARY KEY,
    review_date DATE NOT NULL,
    reviewer_id BIGINT NOT NULL REFERENCES users (id),
    comments TEXT,
    entries_signed BIGINT NOT NULL,
    last_seq BIGINT NOT NULL,
    signed_at TIMESTAMP NOT NULL,
    CONSTRAINT duty_reviews_date_key UNIQUE (review_date)
);
