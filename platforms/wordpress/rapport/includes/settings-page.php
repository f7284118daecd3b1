<?php
/**
 * Settings → Rapport: connect this site with the Rapport server's address and a merchant API
 * key. Connecting calls POST /connect/woocommerce, keeps the store, its public key and site
 * secret, and sends the administrator to WooCommerce's approval page (wc-auth).
 */

if (!defined('ABSPATH')) {
    exit;
}

function rapport_admin_menu(): void
{
    add_options_page(__('Rapport', 'rapport'), __('Rapport', 'rapport'), 'manage_options', 'rapport', 'rapport_render_settings');
}

function rapport_settings_url(array $args = []): string
{
    return add_query_arg(array_merge(['page' => 'rapport'], $args), admin_url('options-general.php'));
}

function rapport_notice_key(): string
{
    return 'rapport_notice_' . get_current_user_id();
}

function rapport_render_settings(): void
{
    if (!current_user_can('manage_options')) {
        wp_die(esc_html__('You are not allowed to manage this site.', 'rapport'), 403);
    }
    $notice = get_transient(rapport_notice_key());
    delete_transient(rapport_notice_key());
    $url = Rapport_Options::url();
    ?>
    <div class="wrap">
      <h1><?php echo esc_html__('Rapport loyalty', 'rapport'); ?></h1>
      <?php if (is_array($notice)) : ?>
        <div class="notice notice-<?php echo esc_attr($notice['type'] === 'error' ? 'error' : 'success'); ?>"><p><?php echo esc_html($notice['text']); ?></p></div>
      <?php endif; ?>
      <?php if (!class_exists('WooCommerce')) : ?>
        <div class="notice notice-warning"><p><?php echo esc_html__('WooCommerce is not active on this site. Connecting ends on WooCommerce\'s approval page, and shoppers\' balances come from its orders: activate WooCommerce first.', 'rapport'); ?></p></div>
      <?php endif; ?>
      <?php if (Rapport_Options::connected()) : ?>
        <h2><?php echo esc_html__('Connection', 'rapport'); ?></h2>
        <table class="form-table" role="presentation">
          <tr><th scope="row"><?php echo esc_html__('Rapport server', 'rapport'); ?></th><td><code><?php echo esc_html($url); ?></code></td></tr>
          <tr><th scope="row"><?php echo esc_html__('Store', 'rapport'); ?></th><td><?php echo esc_html(sprintf('#%d', (int) get_option(Rapport_Options::STORE_ID))); ?></td></tr>
          <tr><th scope="row"><?php echo esc_html__('Public key', 'rapport'); ?></th><td><code><?php echo esc_html((string) get_option(Rapport_Options::PUBLIC_KEY)); ?></code></td></tr>
          <tr><th scope="row"><?php echo esc_html__('Site secret', 'rapport'); ?></th><td><?php echo esc_html__('Stored on this server (never shown, never sent to browsers).', 'rapport'); ?></td></tr>
        </table>
        <p><?php echo wp_kses(__('Show the widget anywhere with the <code>[rapport_loyalty]</code> shortcode or the <strong>Rapport loyalty</strong> block, and products bought together with <code>[rapport_bought_together]</code> or its block; without either, the widget appears at the end of every page.', 'rapport'), ['code' => [], 'strong' => []]); ?></p>
        <form method="post" action="<?php echo esc_url(admin_url('admin-post.php')); ?>">
          <input type="hidden" name="action" value="rapport_disconnect">
          <?php wp_nonce_field('rapport_disconnect'); ?>
          <?php submit_button(__('Disconnect', 'rapport'), 'secondary', 'rapport-disconnect', false); ?>
        </form>
        <h2><?php echo esc_html__('Connect again', 'rapport'); ?></h2>
      <?php endif; ?>
      <form method="post" action="<?php echo esc_url(admin_url('admin-post.php')); ?>">
        <input type="hidden" name="action" value="rapport_connect">
        <?php wp_nonce_field('rapport_connect'); ?>
        <table class="form-table" role="presentation">
          <tr>
            <th scope="row"><label for="rapport_url"><?php echo esc_html__('Rapport server address', 'rapport'); ?></label></th>
            <td><input name="rapport_url" id="rapport_url" type="url" class="regular-text" required placeholder="https://rapport.example.com" value="<?php echo esc_attr($url); ?>">
              <p class="description"><?php echo esc_html__('Where your Rapport server answers (its PUBLIC_BASE_URL).', 'rapport'); ?></p></td>
          </tr>
          <tr>
            <th scope="row"><label for="rapport_api_key"><?php echo esc_html__('API key', 'rapport'); ?></label></th>
            <td><input name="rapport_api_key" id="rapport_api_key" type="password" class="regular-text" required autocomplete="off" value="">
              <p class="description"><?php echo esc_html__('A merchant API key (rpk_…) from the Rapport dashboard. It is used once to connect and is not stored.', 'rapport'); ?></p></td>
          </tr>
          <tr>
            <th scope="row"><?php echo esc_html__('This site', 'rapport'); ?></th>
            <td><code><?php echo esc_html(home_url()); ?></code></td>
          </tr>
        </table>
        <?php submit_button(__('Connect to Rapport', 'rapport'), 'primary', 'rapport-connect'); ?>
      </form>
    </div>
    <?php
}

function rapport_back(string $type, string $text): void
{
    set_transient(rapport_notice_key(), ['type' => $type, 'text' => $text], 300);
    wp_safe_redirect(rapport_settings_url());
    exit;
}

function rapport_handle_connect(): void
{
    if (!current_user_can('manage_options')) {
        wp_die(esc_html__('You are not allowed to manage this site.', 'rapport'), 403);
    }
    check_admin_referer('rapport_connect');
    $url = untrailingslashit(esc_url_raw(trim(wp_unslash((string) ($_POST['rapport_url'] ?? ''))), ['http', 'https']));
    $api_key = trim(wp_unslash((string) ($_POST['rapport_api_key'] ?? '')));
    if ($url === '' || !wp_http_validate_url($url) && !preg_match('#^https?://(127\.0\.0\.1|localhost)(:\d+)?(/|$)#', $url)) {
        rapport_back('error', __('The Rapport server address must be an http(s) URL.', 'rapport'));
    }
    if (!preg_match('/^rpk_[A-Za-z0-9_-]{10,200}$/', $api_key)) {
        rapport_back('error', __('The API key must be a Rapport merchant key (it starts with rpk_).', 'rapport'));
    }
    $answer = Rapport_Client::connect($url, $api_key, home_url());
    if (is_wp_error($answer)) {
        /* translators: %s: the reason Rapport gave */
        rapport_back('error', sprintf(__('Rapport refused to connect this site: %s', 'rapport'), $answer->get_error_message()));
    }
    $grant = home_url('/wc-auth/v1/authorize');
    if (strpos($answer['authorize_url'], $grant . '?') !== 0) {
        rapport_back('error', __('Rapport answered with an approval page that is not on this site; nothing was saved.', 'rapport'));
    }
    Rapport_Options::save_connection($url, $answer['store'], $answer['public_key'], $answer['site_secret']);
    wp_redirect($answer['authorize_url']);
    exit;
}

function rapport_handle_disconnect(): void
{
    if (!current_user_can('manage_options')) {
        wp_die(esc_html__('You are not allowed to manage this site.', 'rapport'), 403);
    }
    check_admin_referer('rapport_disconnect');
    foreach (Rapport_Options::ALL as $option) {
        delete_option($option);
    }
    delete_metadata('user', 0, Rapport_Options::TOKEN_META, '', true);
    rapport_back('success', __('Disconnected: the widget is off until you connect again.', 'rapport'));
}
