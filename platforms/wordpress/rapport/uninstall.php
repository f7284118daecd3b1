<?php
/**
 * Deleting the plugin removes everything it stored: its options (the site secret among them)
 * and the shopper tokens kept in user meta.
 */

if (!defined('WP_UNINSTALL_PLUGIN')) {
    exit;
}

foreach (['rapport_url', 'rapport_store_id', 'rapport_public_key', 'rapport_site_secret'] as $option) {
    delete_option($option);
}
delete_metadata('user', 0, '_rapport_shopper_token', '', true);
