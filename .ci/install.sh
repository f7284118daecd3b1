#!/usr/bin/env bash
# Install, from Debian's packages, only the tools the tests need that this machine lacks, one
# package at a time: PostgreSQL and Redis (servers), Node.js and npm (the GraphQL-over-HTTP audit,
# axe-core, graphql-inspector) and Chromium (browser tests). A tool that already runs is never
# asked for again: a Node.js from NodeSource bundles npm, and asking apt for Debian's npm beside it
# fails ("nodejs : Conflicts: npm"). For the WordPress plugin's tests: MariaDB, PHP with mysqli,
# WordPress and PHPUnit. Safe to run twice. APT_GET and WORDPRESS_DIR override the installer and
# where WordPress is looked for (tests).
set -euo pipefail
APT_GET=${APT_GET:-apt-get}
WORDPRESS_DIR=${WORDPRESS_DIR:-/usr/share/wordpress}
updated=0

has() { command -v "$1" >/dev/null 2>&1; }

install() {
  if [ "$updated" = 0 ]; then
    "$APT_GET" update -q
    updated=1
  fi
  echo "installing $1 (missing: $2)"
  DEBIAN_FRONTEND=noninteractive "$APT_GET" install -y -q "$1"
}

{ ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1 && has pg_ctlcluster && has psql; } \
  || install postgresql "PostgreSQL server"
has redis-server && has redis-cli || install redis-server "redis-server"
has node || install nodejs "node"
has npm || install npm "npm"
has chromium || install chromium "chromium"
{ has mariadbd || has mysqld; } || install mariadb-server "MariaDB server"
has php || install php-cli "php"
has php && php -r 'exit(extension_loaded("mysqli") ? 0 : 1);' || install php-mysql "PHP mysqli"
[ -f "$WORDPRESS_DIR/wp-load.php" ] || install wordpress "WordPress"
has phpunit || install phpunit "phpunit"
