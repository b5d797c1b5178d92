-- One database per service (ARCHITECTURE rule 1); compose runs this once, on the
-- first start of its PostgreSQL volume. deploy/compose/compose.yaml lists the same.
CREATE DATABASE accounts;
CREATE DATABASE mailer;
CREATE DATABASE notes;
CREATE DATABASE vie_scolaire;
CREATE DATABASE lsl;
CREATE DATABASE fiche;
CREATE DATABASE bourses;
CREATE DATABASE inscription;
