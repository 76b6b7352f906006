-- A version per cached answer, bumped by triggers on every change of the tables behind it, so
-- a cached catalog page or month of statistics is never served after a change: whichever
-- process or tool wrote it (src/cache.rs).
CREATE TABLE data_versions (
    topic TEXT PRIMARY KEY NOT NULL,
    version BIGINT NOT NULL DEFAULT 0
);
INSERT INTO data_versions (topic, version) VALUES ('customer_files', 0), ('follow_up_stats', 0);
CREATE FUNCTION bump_data_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE data_versions SET version = version + 1 WHERE topic = TG_ARGV[0];
    RETURN NULL;
END
$$;
CREATE TRIGGER customer_files_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON customer_files FOR EACH STATEMENT EXECUTE FUNCTION bump_data_version('customer_files');
CREATE TRIGGER service_records_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON service_records FOR EACH STATEMENT EXECUTE FUNCTION bump_data_version('follow_up_stats');
CREATE TRIGGER follow_ups_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON follow_ups FOR EACH STATEMENT EXECUTE FUNCTION bump_data_version('follow_up_stats');
CREATE TRIGGER follow_up_targets_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON follow_up_targets FOR EACH STATEMENT EXECUTE FUNCTION bump_data_version('follow_up_stats');
