#!/bin/bash
# A hot standby of the primary. On an empty data directory it clones the primary with
# pg_basebackup, which also writes standby.signal and primary_conninfo (--write-recovery-conf),
# so the server starts in recovery and streams from the primary; afterwards it only starts.
set -euo pipefail
: "${PGDATA:?}" "${PRIMARY_HOST:?}" "${REPLICATION_PASSWORD:?set REPLICATION_PASSWORD}"
if [ ! -s "$PGDATA/PG_VERSION" ]; then
    mkdir -p "$PGDATA"
    chown postgres:postgres "$PGDATA"
    chmod 0700 "$PGDATA"
    export PGPASSWORD="$REPLICATION_PASSWORD"
    until gosu postgres pg_basebackup --pgdata="$PGDATA" --host="$PRIMARY_HOST" --username=replicator \
        --wal-method=stream --write-recovery-conf --checkpoint=fast; do
        echo "replica: the primary at $PRIMARY_HOST is not ready for a base backup, trying again" >&2
        find "$PGDATA" -mindepth 1 -delete
        sleep 2
    done
fi
exec gosu postgres postgres
