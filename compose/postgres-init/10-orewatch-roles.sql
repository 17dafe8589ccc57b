-- The app and reader roles of orewatch (orewatch_common.permissions.DbRole), made once, on the
-- postgres container's first start (docker-entrypoint-initdb.d runs this as the owner).
-- Their passwords are the compose secrets; psql reads them here, so they never appear in a
-- command line or an environment. Migration 0004 grants them their rights.
\set ON_ERROR_STOP on
\set app_password `cat /run/secrets/postgres-app`
\set reader_password `cat /run/secrets/postgres-reader`
CREATE ROLE orewatch_app LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD :'app_password';
CREATE ROLE orewatch_reader LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD :'reader_password';
