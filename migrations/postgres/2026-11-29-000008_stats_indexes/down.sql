DROP INDEX service_records_customer_idx;
CREATE INDEX service_records_customer_idx ON service_records (kind, completed_month, customer_file_id, category);
CREATE INDEX follow_ups_record_idx ON follow_ups (service_record_id);
DROP INDEX follow_ups_record_status_idx;
