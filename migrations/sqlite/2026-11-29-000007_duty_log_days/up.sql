-- One row per day of the duty log with its entry count, kept by the append (D-10 pending days
-- are read from here instead of grouping every entry of three years, D-4).
CREATE TABLE duty_log_days (
    log_date DATE PRIMARY KEY NOT NULL,
    entry_count BIGINT NOT NULL
);
INSERT INTO duty_log_days (log_date, entry_count)
    SELECT log_date, count(*) FROM duty_log_entries GROUP BY log_date;
