-- Ticket numbers from a sequence: a counter row would serialise every ticket creation.
CREATE SEQUENCE ticket_number_seq;
SELECT setval('ticket_number_seq', GREATEST((SELECT value FROM counters WHERE name = 'ticket_number'), 1),
              (SELECT value FROM counters WHERE name = 'ticket_number') > 0);
