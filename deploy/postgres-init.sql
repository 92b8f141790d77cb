-- Run once by the postgres image on an empty volume: one server, three databases.
-- The gateway owns `gateway`; it reads `warehouse` through a read-only role; Metabase keeps its
-- application database in `metabase`.
CREATE ROLE gateway LOGIN PASSWORD 'gateway';
CREATE DATABASE gateway OWNER gateway;
CREATE ROLE warehouse_reader LOGIN PASSWORD 'warehouse_reader';
CREATE DATABASE warehouse;
CREATE ROLE metabase LOGIN PASSWORD 'metabase';
CREATE DATABASE metabase OWNER metabase;
\connect warehouse
GRANT CONNECT ON DATABASE warehouse TO warehouse_reader;
GRANT USAGE ON SCHEMA public TO warehouse_reader;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT ON TABLES TO warehouse_reader;
