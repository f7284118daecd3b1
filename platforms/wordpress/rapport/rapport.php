<?php
/**
 * Plugin Name:       Rapport Loyalty
 * Description:       Connects this site to a Rapport server: the loyalty widget, signed-in shoppers' balances and "bought together" products.
 * Version:           1.0.0
 * Requires at least: 6.1
 * Requires PHP:      8.2
 * Author:            Rapport
 * License:           MIT
 * Text Domain:       rapport
 */

if (!defined('ABSPATH')) {
    exit;
}

define('RAPPORT_PLUGIN_VERSION', '1.0.0');
define('RAPPORT_PLUGIN_FILE', __FILE__);

require_once __DIR__ . '/includes/class-rapport-signer.php';
require_once __DIR__ . '/includes/class-rapport-options.php';
require_once __DIR__ . '/includes/class-rapport-client.php';
require_once __DIR__ . '/includes/settings-page.php';
require_once __DIR__ . '/includes/frontend.php';

add_action('admin_menu', 'rapport_admin_menu');
add_action('admin_post_rapport_connect', 'rapport_handle_connect');
add_action('admin_post_rapport_disconnect', 'rapport_handle_disconnect');
add_action('wp_enqueue_scripts', 'rapport_enqueue_widget');
add_filter('script_loader_tag', 'rapport_widget_tag', 10, 3);
add_action('init', 'rapport_register_shortcodes_and_blocks');
add_action('wp_logout', 'rapport_forget_token');
