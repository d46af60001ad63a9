-- Migration 8: a ticket's facts say whether it was de-escalated (a `De-escalated` event or a fall
-- in support level); escalations, bounce-backs and ping-pong now also read the teams and levels of
-- every event of the agents' side, so every ticket's facts are written again (store/schema.py).
ALTER TABLE ticket_facts ADD COLUMN de_escalated BOOLEAN DEFAULT false;
