#!/usr/bin/env bash
# Start PostgreSQL (tuned for tests: no fsync), Redis and MariaDB (root over TCP without a password, for the WordPress tests), after installing what is missing (.ci/install.sh).
# Safe to run twice: a running server is left as it is.
set -euo pipefail
bash "$(dirname "$0")/install.sh"
PGV=$(ls /usr/lib/postgresql | sort -V | tail -1)
pg_lsclusters -h | grep -q "^$PGV main" || pg_createcluster "$PGV" main
sed -i -E 's/^(local|host)(\s+.*)\s(peer|scram-sha-256|md5)\s*$/\1\2 trust/' /etc/postgresql/$PGV/main/pg_hba.conf
if pg_ctlcluster --skip-systemctl-redirect "$PGV" main status >/dev/null 2>&1; then
  pg_ctlcluster --skip-systemctl-redirect "$PGV" main reload
else
  pg_ctlcluster --skip-systemctl-redirect "$PGV" main start
fi
for _ in $(seq 1 30); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done
psql -U postgres -h 127.0.0.1 -tAc "SELECT 1 FROM pg_database WHERE datname='test'" | grep -q 1 \
  || psql -U postgres -h 127.0.0.1 -c "CREATE DATABASE test"
# A throw-away server for tests: no fsync. Every DROP DATABASE (one per test database) waits for a
# checkpoint, which otherwise syncs hundreds of files (1-5 s on a busy machine, ~0 without fsync).
for setting in "fsync = off" "synchronous_commit = off" "full_page_writes = off"; do
  psql -U postgres -h 127.0.0.1 -qc "ALTER SYSTEM SET $setting"
done
psql -U postgres -h 127.0.0.1 -qtAc "SELECT pg_reload_conf()" >/dev/null
redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1 \
  || redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no
for _ in $(seq 1 30); do redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1 && break; sleep 0.5; done
redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null
pg_isready -q -h 127.0.0.1 -p 5432
mariadb-admin -h 127.0.0.1 -u root ping >/dev/null 2>&1 || mariadb-admin -u root ping >/dev/null 2>&1 \
  || { mkdir -p /run/mysqld && chown mysql:mysql /run/mysqld \
       && (mysqld_safe --bind-address=127.0.0.1 >/dev/null 2>&1 &); }
for _ in $(seq 1 30); do
  { mariadb-admin -h 127.0.0.1 -u root ping || mariadb-admin -u root ping; } >/dev/null 2>&1 && break; sleep 1
done
mariadb -h 127.0.0.1 -u root -e "SELECT 1" >/dev/null 2>&1 || mariadb -u root -e \
  "ALTER USER 'root'@'localhost' IDENTIFIED VIA unix_socket OR mysql_native_password USING PASSWORD('')"
mariadb -h 127.0.0.1 -u root -e "SELECT 1" >/dev/null
