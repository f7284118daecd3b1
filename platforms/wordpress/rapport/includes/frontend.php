<?php
/**
 * What shoppers get: the widget script from the Rapport server with the store's public key and,
 * for a signed-in user, a shopper token minted on this server; shortcodes and dynamic blocks
 * for the loyalty panel and for products bought together.
 */

if (!defined('ABSPATH')) {
    exit;
}

const RAPPORT_SCRIPT = 'rapport-widget';

function rapport_enqueue_widget(): void
{
    if (!Rapport_Options::connected() || get_option(Rapport_Options::PUBLIC_KEY, '') === '') {
        return;
    }
    wp_enqueue_script(RAPPORT_SCRIPT, Rapport_Options::url() . '/widget/rapport-widget.js', [], null, ['in_footer' => true, 'strategy' => 'defer']);
}

/** The widget reads its settings from data-* attributes on its own script tag. */
function rapport_widget_tag(string $tag, string $handle, string $src): string
{
    if ($handle !== RAPPORT_SCRIPT) {
        return $tag;
    }
    $attributes = ' data-store-key="' . esc_attr((string) get_option(Rapport_Options::PUBLIC_KEY)) . '"';
    $token = is_user_logged_in() ? Rapport_Client::shopper_token(get_current_user_id()) : '';
    if ($token !== '') {
        $attributes .= ' data-shopper-token="' . esc_attr($token) . '"';
    }
    $attributes .= ' data-login-url="' . esc_url(wp_login_url()) . '"';
    return str_replace(' src=', $attributes . ' src=', $tag);
}

function rapport_forget_token(int $user_id = 0): void
{
    delete_user_meta($user_id ?: get_current_user_id(), Rapport_Options::TOKEN_META);
}

function rapport_loyalty_markup($attributes = []): string
{
    return '<rapport-loyalty class="rapport-loyalty"></rapport-loyalty>';
}

/** Products bought with this one: the given product id, or the WooCommerce product being shown. */
function rapport_bought_together_markup($attributes = []): string
{
    $attributes = is_array($attributes) ? $attributes : [];
    $product = (string) ($attributes['product'] ?? '');
    if ($product === '' && get_post_type() === 'product') {
        $product = (string) get_the_ID();
    }
    if ($product === '') {
        return '';
    }
    $gid = ctype_digit($product) ? 'gid://woocommerce/Product/' . $product : $product;
    return '<rapport-bought-together product-id="' . esc_attr($gid) . '"></rapport-bought-together>';
}

function rapport_register_shortcodes_and_blocks(): void
{
    add_shortcode('rapport_loyalty', 'rapport_loyalty_markup');
    add_shortcode('rapport_bought_together', 'rapport_bought_together_markup');
    wp_register_script('rapport-blocks', plugins_url('assets/blocks.js', RAPPORT_PLUGIN_FILE),
        ['wp-blocks', 'wp-element', 'wp-components', 'wp-block-editor', 'wp-i18n'], RAPPORT_PLUGIN_VERSION, true);
    register_block_type('rapport/loyalty', [
        'api_version' => 2,
        'title' => __('Rapport loyalty', 'rapport'),
        'category' => 'widgets',
        'editor_script' => 'rapport-blocks',
        'render_callback' => 'rapport_loyalty_markup',
    ]);
    register_block_type('rapport/bought-together', [
        'api_version' => 2,
        'title' => __('Rapport: bought together', 'rapport'),
        'category' => 'widgets',
        'editor_script' => 'rapport-blocks',
        'attributes' => ['product' => ['type' => 'string', 'default' => '']],
        'render_callback' => 'rapport_bought_together_markup',
    ]);
}
