DROP TRIGGER customer_files_version ON customer_files;
DROP TRIGGER service_records_version ON service_records;
DROP TRIGGER follow_ups_version ON follow_ups;
DROP TRIGGER follow_up_targets_version ON follow_up_targets;
DROP FUNCTION bump_data_version();
DROP TABLE data_versions;
