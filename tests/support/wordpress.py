"""A real WordPress for the plugin's tests: Debian's ``wordpress`` package served by ``php -S``,
its database a fresh one in the local MariaDB per run, installed by ``wp_install()`` (Debian has
no WP-CLI), the plugin linked in from ``platforms/wordpress/rapport`` and activated.

Debian's ``wp-config.php`` reads ``/etc/wordpress/config-<name>.php``; the router names a config
of this run's own (``WORDPRESS_CONFIG``), removed with the database at the end. WooCommerce is
not in Debian, so shoppers are WordPress users (which is what WooCommerce customers are).
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import signal
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from tests.support.servers import ROOT, free_port, reachable, unavailable

WORDPRESS = Path("/usr/share/wordpress")
CONFIGS = Path("/etc/wordpress")
PLUGIN = ROOT / "platforms" / "wordpress" / "rapport"
MARIADB = "127.0.0.1:3306"
ADMIN = ("admin", "admin-" + "p" * 12)

ROUTER = """<?php
$_SERVER['WORDPRESS_CONFIG'] = %(config)s;
$path = rawurldecode(parse_url($_SERVER['REQUEST_URI'], PHP_URL_PATH) ?? '/');
if (strpos($path, '..') !== false) { http_response_code(400); return true; }
if (strpos($path, '/wp-content/') === 0) {
    $file = %(content)s . substr($path, strlen('/wp-content'));
    if (is_file($file) && substr($file, -4) !== '.php') {
        $types = ['js' => 'text/javascript', 'css' => 'text/css', 'svg' => 'image/svg+xml', 'png' => 'image/png',
                  'woff2' => 'font/woff2', 'json' => 'application/json'];
        header('Content-Type: ' . ($types[pathinfo($file, PATHINFO_EXTENSION)] ?? 'application/octet-stream'));
        readfile($file);
        return true;
    }
}
if (is_file(%(root)s . $path) || is_dir(%(root)s . $path)) { return false; }
require %(root)s . '/index.php';
"""

CONFIG = """<?php
define('DB_NAME', %(db)s);
define('DB_USER', 'root');
define('DB_PASSWORD', '');
define('DB_HOST', %(host)s);
define('WP_HOME', %(url)s);
define('WP_SITEURL', %(url)s);
define('WP_CONTENT_DIR', %(content)s);
define('WP_CONTENT_URL', %(url)s . '/wp-content');
define('DISABLE_WP_CRON', true);
define('AUTOMATIC_UPDATER_DISABLED', true);
define('WP_HTTP_BLOCK_EXTERNAL', true);
define('WP_DEBUG', true);
define('WP_DEBUG_DISPLAY', false);
define('WP_DEBUG_LOG', %(log)s);
%(salts)s
"""

SETUP = """<?php
$_SERVER['WORDPRESS_CONFIG'] = %(config)s;
$_SERVER['HTTP_HOST'] = %(host)s;
$_SERVER['REQUEST_URI'] = '/';
define('WP_INSTALLING', true);
require %(root)s . '/wp-load.php';
require_once ABSPATH . 'wp-admin/includes/upgrade.php';
if (!is_blog_installed()) {
    wp_install('Northwind Records', %(admin)s, 'owner@example.com', false, '', %(password)s);
}
update_option('active_plugins', ['rapport/rapport.php']);
echo "installed\\n";
"""

RUN = """<?php
$_SERVER['WORDPRESS_CONFIG'] = %(config)s;
$_SERVER['HTTP_HOST'] = %(host)s;
$_SERVER['REQUEST_URI'] = '/';
require %(root)s . '/wp-load.php';
$args = json_decode(%(args)s, true);
%(code)s
"""


def _php(value: object) -> str:
    """A PHP literal for a string (or JSON text)."""
    return "'" + str(value).replace("\\", "\\\\").replace("'", "\\'") + "'"


@dataclass
class WordPress:
    url: str
    config: str
    host: str
    work: Path

    def php(self, code: str, **args: object) -> str:
        """Runs ``code`` inside this WordPress (plugins loaded; ``$args`` holds ``args``); its output."""
        script = self.work / f"run-{secrets.token_hex(4)}.php"
        script.write_text(
            RUN
            % {
                "config": _php(self.config),
                "host": _php(self.host),
                "root": _php(WORDPRESS),
                "args": _php(json.dumps(args)),
                "code": code,
            }
        )
        done = subprocess.run(["php", str(script)], capture_output=True, text=True, timeout=60)
        script.unlink()
        if done.returncode != 0:
            raise RuntimeError(f"php failed ({done.returncode}): {done.stdout[-1500:]} {done.stderr[-1500:]}")
        return done.stdout

    def add_user(self, user_id: int, login: str, password: str) -> None:
        """A WordPress user with exactly this id (a WooCommerce customer's id is their user id)."""
        self.php(
            """
            global $wpdb;
            if (!get_userdata($args['id'])) {
                $wpdb->insert($wpdb->users, ['ID' => $args['id'], 'user_login' => $args['login'],
                    'user_pass' => wp_hash_password($args['password']), 'user_email' => $args['login'] . '@example.com',
                    'user_registered' => current_time('mysql', true), 'display_name' => $args['login'],
                    'user_nicename' => $args['login']]);
                clean_user_cache($args['id']);
                (new WP_User($args['id']))->set_role('subscriber');
            }
        """,
            id=user_id,
            login=login,
            password=password,
        )

    def add_page(self, title: str, content: str) -> str:
        """A published page; its URL."""
        return self.php(
            """
            $id = wp_insert_post(['post_type' => 'page', 'post_status' => 'publish',
                                  'post_title' => $args['title'], 'post_content' => $args['content']], true);
            if (is_wp_error($id)) { fwrite(STDERR, $id->get_error_message()); exit(1); }
            echo get_permalink($id);
        """,
            title=title,
            content=content,
        ).strip()


def _mariadb(sql: str) -> None:
    host, port = MARIADB.split(":")
    subprocess.run(
        ["mariadb", "-h", host, "-P", port, "-u", "root", "-e", sql], check=True, capture_output=True, timeout=30
    )


def missing_parts() -> list[str]:
    """What this machine lacks for a real WordPress (empty when everything is there)."""
    missing = [
        f"{tool} (apt-get install {package})"
        for tool, package in (("php", "php-cli"), ("mariadb", "mariadb-client"))
        if not shutil.which(tool)
    ]
    if not (WORDPRESS / "wp-load.php").exists():
        missing.append("WordPress (apt-get install wordpress)")
    if shutil.which("php") and "mysqli" not in subprocess.run(["php", "-m"], capture_output=True, text=True).stdout:
        missing.append("PHP's mysqli (apt-get install php-mysql)")
    if not reachable(f"mysql://{MARIADB}"):
        missing.append(f"MariaDB at {MARIADB} (sudo bash .ci/services.sh)")
    return missing


@contextmanager
def wordpress(work: Path) -> Iterator[WordPress]:
    """A fresh WordPress with the plugin active, served on a free port, removed afterwards."""
    missing = missing_parts()
    if missing:
        unavailable("the WordPress tests need " + ", ".join(missing))
    if not CONFIGS.is_dir() or not _writable(CONFIGS):
        unavailable(f"the WordPress tests write their site's config into {CONFIGS} (run them as root, as CI does)")
    run = secrets.token_hex(5)
    name, database, port = f"rapport-test-{run}", f"rapport_wp_{run}", free_port()
    url, host = f"http://127.0.0.1:{port}", f"127.0.0.1:{port}"
    content = work / "wp-content"
    (content / "plugins").mkdir(parents=True)
    (content / "uploads").mkdir()
    (content / "plugins" / "rapport").symlink_to(PLUGIN)
    (content / "themes").symlink_to(WORDPRESS / "wp-content" / "themes")
    salts = "\n".join(
        f"define('{key}', {_php(secrets.token_hex(32))});"
        for key in (
            "AUTH_KEY",
            "SECURE_AUTH_KEY",
            "LOGGED_IN_KEY",
            "NONCE_KEY",
            "AUTH_SALT",
            "SECURE_AUTH_SALT",
            "LOGGED_IN_SALT",
            "NONCE_SALT",
        )
    )
    config = CONFIGS / f"config-{name}.php"
    config.write_text(
        CONFIG
        % {
            "db": _php(database),
            "host": _php(MARIADB),
            "url": _php(url),
            "content": _php(content),
            "log": _php(work / "debug.log"),
            "salts": salts,
        }
    )
    router = work / "router.php"
    router.write_text(ROUTER % {"config": _php(name), "content": _php(content), "root": _php(WORDPRESS)})
    _mariadb(f"CREATE DATABASE `{database}` CHARACTER SET utf8mb4")
    server = None
    try:
        setup = work / "setup.php"
        setup.write_text(
            SETUP
            % {
                "config": _php(name),
                "host": _php(host),
                "root": _php(WORDPRESS),
                "admin": _php(ADMIN[0]),
                "password": _php(ADMIN[1]),
            }
        )
        done = subprocess.run(["php", str(setup)], capture_output=True, text=True, timeout=120)
        if "installed" not in done.stdout:
            raise RuntimeError(f"wp_install failed: {done.stdout[-2000:]} {done.stderr[-2000:]}")
        log = (work / "php-server.log").open("wb")
        # several workers: WordPress calls itself (loopback checks) while a page is being served
        server = subprocess.Popen(
            ["php", "-S", host, "-t", str(WORDPRESS), str(router)],
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=work,
            env={**os.environ, "PHP_CLI_SERVER_WORKERS": "4"},
            start_new_session=True,  # its own process group: the workers go with it
        )
        for _ in range(100):
            try:
                if httpx.get(f"{url}/wp-login.php", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        yield WordPress(url=url, config=name, host=host, work=work)
    finally:
        if server is not None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(server.pid, signal.SIGTERM)  # the server and its forked workers, not the server alone
            server.wait(timeout=10)
        config.unlink(missing_ok=True)
        _mariadb(f"DROP DATABASE IF EXISTS `{database}`")


def _writable(path: Path) -> bool:
    probe = path / f".rapport-probe-{secrets.token_hex(3)}"
    try:
        probe.write_text("")
        probe.unlink()
        return True
    except OSError:
        return False
