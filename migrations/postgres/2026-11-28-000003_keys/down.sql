DROP TABLE key_events;
DROP TABLE key_collections;
DROP TABLE key_incidents;
DROP TABLE key_chases;
DROP TABLE key_loans;
DROP TABLE key_entrustments;
DROP TABLE keys;
