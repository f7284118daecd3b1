<?php
/**
 * The calls this site's server makes to Rapport: connecting (with the merchant's API key) and
 * minting a shopper token for the signed-in user (signed with the site secret). The token is
 * kept in the user's meta until a minute before it expires, so a page view rarely calls out.
 */

if (!defined('ABSPATH')) {
    exit;
}

final class Rapport_Client
{
    /** @return array{authorize_url:string,store:int,public_key:string,site_secret:string}|WP_Error */
    public static function connect(string $url, string $api_key, string $site)
    {
        $answer = wp_remote_post($url . '/connect/woocommerce?' . http_build_query(['site' => $site]), [
            'headers' => ['Authorization' => 'Bearer ' . $api_key, 'Accept' => 'application/json'],
            'timeout' => 15,
            'redirection' => 0,
        ]);
        if (is_wp_error($answer)) {
            return $answer;
        }
        $status = (int) wp_remote_retrieve_response_code($answer);
        $data = json_decode((string) wp_remote_retrieve_body($answer), true);
        if ($status !== 200 || !is_array($data) || empty($data['authorize_url']) || empty($data['site_secret'])) {
            $why = is_array($data) && isset($data['error']) ? (string) $data['error'] : sprintf('HTTP %d', $status);
            return new WP_Error('rapport_connect', $why);
        }
        return [
            'authorize_url' => (string) $data['authorize_url'],
            'store' => (int) $data['store'],
            'public_key' => (string) $data['public_key'],
            'site_secret' => (string) $data['site_secret'],
        ];
    }

    /** A shopper token for a user of this site, or '' (the widget then shows the guest view). */
    public static function shopper_token(int $user_id): string
    {
        if ($user_id <= 0 || !Rapport_Options::connected()) {
            return '';
        }
        $kept = get_user_meta($user_id, Rapport_Options::TOKEN_META, true);
        if (is_array($kept) && isset($kept['token'], $kept['until']) && (int) $kept['until'] > time()) {
            return (string) $kept['token'];
        }
        $body = Rapport_Signer::body((int) get_option(Rapport_Options::STORE_ID), $user_id);
        $answer = wp_remote_post(Rapport_Options::url() . '/woocommerce/shopper-token', [
            'headers' => [
                'Content-Type' => 'application/json',
                Rapport_Signer::HEADER => Rapport_Signer::sign((string) get_option(Rapport_Options::SITE_SECRET), $body),
            ],
            'body' => $body,
            'timeout' => 5,
            'redirection' => 0,
        ]);
        if (is_wp_error($answer) || (int) wp_remote_retrieve_response_code($answer) !== 200) {
            return '';
        }
        $data = json_decode((string) wp_remote_retrieve_body($answer), true);
        if (!is_array($data) || empty($data['token'])) {
            return '';
        }
        $until = isset($data['expires_at']) ? strtotime((string) $data['expires_at']) - 60 : time() + 300;
        update_user_meta($user_id, Rapport_Options::TOKEN_META, ['token' => (string) $data['token'], 'until' => $until]);
        return (string) $data['token'];
    }
}
