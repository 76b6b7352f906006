-- A version per cached answer, bumped by triggers on every change of the tables behind it, so
-- a cached catalog page or month of statistics is never served after a change: whichever
-- process or tool wrote it (src/cache.rs).
CREATE TABLE data_versions (
    topic TEXT PRIMARY KEY NOT NULL,
    version BIGINT NOT NULL DEFAULT 0
);
INSERT INTO data_versions (topic, version) VALUES ('customer_files', 0), ('follow_up_stats', 0);
CREATE TRIGGER customer_files_version_insert AFTER INSERT ON customer_files BEGIN UPDATE data_versions SET version = version + 1 WHERE topic = 'customer_files'; END;
CREATE TRIGGER customer_files_version_update AFTER UPDATE ON customer_files BEGIN UPDATE data_versions SET version = version + 1 WHERE topic = 'customer_files'; END;
CREATE TRIGGER customer_files_version_delete AFTER DELETE ON customer_files BEGIN UPDATE data_versions SET version = version + 1 WHERE topic = 'customer_files'; END;
CREATE TRIGGER service_records_version_insert AFTER INSERT ON service_records BEGIN UPDATE data_versions SET version = version + 1 WHERE topic = 'follow_up_stats'; END;
CREATE TRIGGER service_records_version_update AFTER UPDATE ON service_records BEGIN UPDATE data_versions SET version = version + 1 WHERE topic = 'follow_up_stats'; END;
CREATE TRIGGER service_records_version_delete AFTER DELETE ON service_records BEGIN UPDATE data_versions SET version = version + 1 WHERE topic = 'follow_up_stats'; END;
CREATE TRIGGER follow_ups_version_insert AFTER INSERT ON follow_ups BEGIN UPDATE data_versions SET version = version + 1 WHERE topic = 'follow_up_stats'; END;
CREATE TRIGGER follow_ups_version_update AFTER UPDATE ON follow_ups BEGIN UPDATE data_versions SET version = version + 1 WHERE topic = 'follow_up_stats'; END;
CREATE TRIGGER follow_ups_version_delete AFTER DELETE ON follow_ups BEGIN UPDATE data_versions SET version = version + 1 WHERE topic = 'follow_up_stats'; END;
CREATE TRIGGER follow_up_targets_version_insert AFTER INSERT ON follow_up_targets BEGIN UPDATE data_versions SET version = version + 1 WHERE topic = 'follow_up_stats'; END;
CREATE TRIGGER follow_up_targets_version_update AFTER UPDATE ON follow_up_targets BEGIN UPDATE data_versions SET version = version + 1 WHERE topic = 'follow_up_stats'; END;
CREATE TRIGGER follow_up_targets_version_delete AFTER DELETE ON follow_up_targets BEGIN UPDATE data_versions SET version = version + 1 WHERE topic = 'follow_up_stats'; END;
