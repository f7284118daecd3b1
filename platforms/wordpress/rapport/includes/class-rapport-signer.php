<?php
/**
 * The signed body of a shopper-token request: Rapport checks the HMAC with this store's site
 * secret, refuses a request more than five minutes from its clock and a nonce it has seen.
 * No WordPress function here, so PHPUnit tests it on its own.
 */

if (!defined('ABSPATH') && !defined('RAPPORT_TESTING')) {
    exit;
}

final class Rapport_Signer
{
    public const HEADER = 'X-Rapport-Signature';

    /** The JSON body naming the store and the site's user (WooCommerce customers are WordPress users). */
    public static function body(int $store_id, int $user_id, ?int $issued_at = null, ?string $nonce = null): string
    {
        if ($store_id <= 0 || $user_id <= 0) {
            throw new InvalidArgumentException('store and user ids are positive integers');
        }
        return json_encode([
            'store' => $store_id,
            'customer' => (string) $user_id,
            'issued_at' => $issued_at ?? time(),
            'nonce' => $nonce ?? bin2hex(random_bytes(16)),
        ], JSON_UNESCAPED_SLASHES | JSON_THROW_ON_ERROR);
    }

    /** Hex HMAC-SHA256 of the exact bytes sent. */
    public static function sign(string $secret, string $body): string
    {
        if ($secret === '') {
            throw new InvalidArgumentException('the site secret is empty: connect the site first');
        }
        return hash_hmac('sha256', $body, $secret);
    }
}
