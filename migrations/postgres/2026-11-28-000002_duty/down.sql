DROP TABLE duty_reviews;
DROP TABLE duty_handover_anomalies;
DROP TABLE duty_handover_items;
DROP TABLE duty_handovers;
DROP TABLE duty_chain_head;
DROP TABLE duty_log_entries;
DROP FUNCTION duty_log_append_only();
DROP TABLE duty_shifts;
