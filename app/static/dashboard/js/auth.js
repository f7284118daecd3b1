// Who the dashboard calls the admin API as: a merchant API key pasted into the sign-in form
// (kept in sessionStorage, so it is gone when the tab closes), or, embedded in Shopify's admin,
// a session token from App Bridge.
const STORAGE_KEY = "rapport.adminKey";
const APP_BRIDGE = "https://cdn.shopify.com/shopifycloud/app-bridge.js";

/** A demo link carries the key as `#key=...`: keep it, then drop it from the address bar. */
export function takeKeyFromFragment() {
  const match = location.hash.match(/^#key=([^&]+)/);
  if (!match) return false;
  saveKey(decodeURIComponent(match[1]));
  history.replaceState(null, "", `${location.pathname}${location.search}#/`);
  return true;
}

export function saveKey(key) {
  sessionStorage.setItem(STORAGE_KEY, key.trim());
}

export function forgetKey() {
  sessionStorage.removeItem(STORAGE_KEY);
}

export function hasKey() {
  return Boolean(sessionStorage.getItem(STORAGE_KEY));
}

/** Shopify opens an embedded app with ?shop=...&host=... in its URL. */
export function isEmbedded() {
  const params = new URLSearchParams(location.search);
  return params.has("shop") && params.has("host");
}

export function appBridge() {
  return typeof window.shopify?.idToken === "function" ? window.shopify : null;
}

/**
 * Embedded mode only: load Shopify's App Bridge from Shopify's admin CDN. It is the only
 * script the dashboard loads from elsewhere, and only when Shopify's admin frames it.
 */
export async function loadAppBridge() {
  if (appBridge() || !isEmbedded()) return appBridge();
  const apiKey = document.querySelector('meta[name="shopify-api-key"]')?.content;
  if (!apiKey) return null;
  await new Promise((resolve) => {
    const script = document.createElement("script");
    script.src = APP_BRIDGE;
    script.onload = resolve;
    script.onerror = resolve;
    document.head.prepend(script);
  });
  return appBridge();
}

/**
 * Embedded mode: hand Shopify's session token to the app once per load, so a shop that has just
 * installed the app gets its offline token (token exchange) before the first admin query. An
 * installed shop is answered at once. Failures surface on that first query instead.
 */
export async function exchangeSessionToken() {
  const bridge = appBridge();
  if (!bridge) return;
  try {
    await fetch("/shopify/session", { method: "POST", headers: { authorization: `Bearer ${await bridge.idToken()}` } });
  } catch {
    // the admin API call that follows reports the problem
  }
}

/**
 * The bearer credential for the next request: a key the owner pasted (also the way in when a
 * session token is refused), else a fresh session token from App Bridge.
 */
export async function bearer() {
  const key = sessionStorage.getItem(STORAGE_KEY);
  if (key) return key;
  const bridge = appBridge();
  return bridge ? await bridge.idToken() : null;
}
