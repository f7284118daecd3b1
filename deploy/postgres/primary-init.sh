#!/bin/bash
# Run once by the postgres image when it initialises an empty data directory: a login role that
# may only replicate, and a pg_hba.conf line letting it connect for replication with a password
# (the image's own "host all all all" line does not match replication connections).
set -euo pipefail
: "${REPLICATION_PASSWORD:?set REPLICATION_PASSWORD}"
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" \
    --set=password="$REPLICATION_PASSWORD" <<'SQL'
CREATE ROLE replicator WITH REPLICATION LOGIN PASSWORD :'password';
SQL
echo "host replication replicator all scram-sha-256" >>"$PGDATA/pg_hba.conf"
