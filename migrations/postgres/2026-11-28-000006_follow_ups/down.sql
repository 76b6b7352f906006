DROP TABLE follow_up_reports;
DROP TABLE follow_up_targets;
DROP TABLE follow_up_assignees;
DROP TABLE follow_ups;
DROP TABLE service_records;
