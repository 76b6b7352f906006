DROP TABLE duty_log_days;
