<?php
/**
 * The plugin's options, named once. The site secret is stored with autoload off (it is read
 * only when a token is minted) and is never printed back; the API key is used to connect and
 * not stored at all.
 */

if (!defined('ABSPATH')) {
    exit;
}

final class Rapport_Options
{
    public const URL = 'rapport_url';
    public const STORE_ID = 'rapport_store_id';
    public const PUBLIC_KEY = 'rapport_public_key';
    public const SITE_SECRET = 'rapport_site_secret';
    public const ALL = [self::URL, self::STORE_ID, self::PUBLIC_KEY, self::SITE_SECRET];
    public const TOKEN_META = '_rapport_shopper_token';

    public static function url(): string
    {
        return untrailingslashit((string) get_option(self::URL, ''));
    }

    public static function connected(): bool
    {
        return self::url() !== '' && (int) get_option(self::STORE_ID, 0) > 0 && get_option(self::SITE_SECRET, '') !== '';
    }

    /** What POST /connect/woocommerce answered: the store, its public key and site secret. */
    public static function save_connection(string $url, int $store_id, string $public_key, string $site_secret): void
    {
        update_option(self::URL, $url, true);
        update_option(self::STORE_ID, $store_id, true);
        update_option(self::PUBLIC_KEY, $public_key, true);
        update_option(self::SITE_SECRET, $site_secret, false);
    }
}
