DROP TABLE maintenance_plan_items;
DROP TABLE maintenance_plans;
DROP TABLE vacant_status_rows;
DROP TABLE vacant_status_tables;
DROP TABLE vacant_anomalies;
DROP TABLE vacant_care_tasks;
DROP TABLE vacant_care_records;
DROP TABLE vacant_units;
