/*! Rapport storefront widget: <rapport-loyalty> and <rapport-bought-together>.
 * One plain ES2020 script, no framework and no build step. A theme embeds it with one tag:
 * <script src="https://APP/widget/rapport-widget.js" data-store-key="pk_..." defer></script>
 * Settings (data-* on the script, or the same names as attributes on an element): store-key,
 * shopper-token, proxy, locale, endpoint, login-url, product-url. See the README, "Storefront widget". */
(() => {
  "use strict";
  if (!window.customElements || customElements.get("rapport-loyalty")) return;

  const script = document.currentScript;
  const scriptData = (script && script.dataset) || {};
  const scriptOrigin = script && script.src ? new URL(script.src, location.href).origin : location.origin;
  const TIMEOUT_MS = 10000;

  const STRINGS = {
    en: {
      title: "Rewards",
      unavailable: "Rewards are unavailable right now. Please try again later.",
      loading: "Loading rewards…",
      signIn: "Sign in",
      signInPrompt: "Sign in or create an account to earn points and redeem rewards.",
      expired: "Your session has expired. Sign in again to see your points.",
      howToEarn: "How to earn",
      tiers: "Tiers",
      rewards: "Rewards",
      hello: "Hi, {name}",
      available: "Available",
      pending: "Pending",
      pendingHint: "Points become available once your order can no longer be returned.",
      points: { one: "{n} point", other: "{n} points" },
      orders: { one: "{n} order", other: "{n} orders" },
      currentTier: "Tier: {tier}",
      noTier: "No tier yet",
      progressTo: "Progress to {tier}",
      tierProgress: "Tier progress",
      toGo: "{amount} to go",
      topTier: "You are at the top tier.",
      yourRewards: "Rewards you can redeem",
      noneAffordable: "Keep earning: rewards start at {cost}.",
      nothingYet: "Rewards are coming soon.",
      redeem: "Redeem",
      redeemLabel: "Redeem {reward} for {cost}",
      redeeming: "Redeeming…",
      yourCode: "Your code for {reward}",
      codeLabel: "Discount code",
      codeHint: "Enter it at checkout.",
      copy: "Copy",
      copyLabel: "Copy {what}",
      copied: "Copied to the clipboard.",
      copyFallback: "Selected: press Ctrl+C (⌘C on a Mac) to copy.",
      insufficient: "You do not have enough points for this reward.",
      redeemFailed: "We could not create your code. Your points were not used; please try again.",
      referral: "Refer a friend",
      referralTerms: "Friends get {friend}; you get {referrer} when they order.",
      referralLink: "Your referral link",
      mayLike: "You may also like",
      boughtTogether: "Frequently bought together",
      from: "from {amount}",
      multiplier: "{x}× points",
      freeShipping: "free shipping",
      earnPurchase: "{points} for every {money} spent",
      earnReferral: "Refer a friend: {points}",
      earnAction: "{label}: {points}",
      action_signup: "Create an account",
      action_birthday: "Your birthday",
      action_newsletter: "Join the newsletter",
      action_review: "Write a review",
      action_first_order: "Your first order",
      rewardAmount: "{money} off",
      rewardPercent: "{percent}% off",
      rewardShipping: "Free shipping",
      rewardCash: "{money} off per {points}",
      birthday: "Your birthday",
      birthdayIntro: "Tell us your birthday and get a gift from the store on the day.",
      birthdayMonth: "Month",
      birthdayDay: "Day",
      birthdayYear: "Year (optional)",
      birthdayNotice: "Gifts need 30 days’ notice: a birthday less than 30 days away gets its first gift next year.",
      birthdaySave: "Save my birthday",
      birthdaySaving: "Saving…",
      birthdayIs: "Your birthday: {date}",
      birthdayGift: "Your birthday gift arrives on {date}",
      birthdayAsk: "To change your birthday, please contact the store.",
      birthdayInvalid: "This date does not exist: please check the month and the day.",
      birthdayYearInvalid: "Please check the year, or leave it empty.",
      birthdayChoose: "Please choose a month and a day.",
    },
    fr: {
      title: "Récompenses",
      unavailable: "Les récompenses sont indisponibles pour le moment. Veuillez réessayer plus tard.",
      loading: "Chargement des récompenses…",
      signIn: "Se connecter",
      signInPrompt: "Connectez-vous ou créez un compte pour gagner des points et obtenir des récompenses.",
      expired: "Votre session a expiré. Reconnectez-vous pour voir vos points.",
      howToEarn: "Comment gagner des points",
      tiers: "Niveaux",
      rewards: "Récompenses",
      hello: "Bonjour, {name}",
      available: "Disponibles",
      pending: "En attente",
      pendingHint: "Les points deviennent disponibles quand la commande ne peut plus être retournée.",
      points: { one: "{n} point", other: "{n} points" },
      orders: { one: "{n} commande", other: "{n} commandes" },
      currentTier: "Niveau : {tier}",
      noTier: "Pas encore de niveau",
      progressTo: "Progression vers {tier}",
      tierProgress: "Progression de niveau",
      toGo: "encore {amount}",
      topTier: "Vous êtes au niveau le plus élevé.",
      yourRewards: "Récompenses disponibles",
      noneAffordable: "Continuez : les récompenses commencent à {cost}.",
      nothingYet: "Les récompenses arrivent bientôt.",
      redeem: "Échanger",
      redeemLabel: "Échanger {reward} contre {cost}",
      redeeming: "Échange en cours…",
      yourCode: "Votre code pour {reward}",
      codeLabel: "Code de réduction",
      codeHint: "Saisissez-le au moment du paiement.",
      copy: "Copier",
      copyLabel: "Copier {what}",
      copied: "Copié dans le presse-papiers.",
      copyFallback: "Sélectionné : appuyez sur Ctrl+C (⌘C sur Mac) pour copier.",
      insufficient: "Vous n’avez pas assez de points pour cette récompense.",
      redeemFailed: "Nous n’avons pas pu créer votre code. Vos points n’ont pas été utilisés ; veuillez réessayer.",
      referral: "Parrainez un ami",
      referralTerms: "Vos amis reçoivent {friend} ; vous recevez {referrer} à leur commande.",
      referralLink: "Votre lien de parrainage",
      mayLike: "Vous aimerez aussi",
      boughtTogether: "Souvent achetés ensemble",
      from: "dès {amount}",
      multiplier: "points ×{x}",
      freeShipping: "livraison offerte",
      earnPurchase: "{points} par tranche de {money} dépensée",
      earnReferral: "Parrainez un ami : {points}",
      earnAction: "{label} : {points}",
      action_signup: "Créer un compte",
      action_birthday: "Votre anniversaire",
      action_newsletter: "S’inscrire à la newsletter",
      action_review: "Publier un avis",
      action_first_order: "Votre première commande",
      rewardAmount: "{money} de réduction",
      rewardPercent: "{percent} % de réduction",
      rewardShipping: "Livraison offerte",
      rewardCash: "{money} de réduction par tranche de {points}",
      birthday: "Votre anniversaire",
      birthdayIntro: "Indiquez votre anniversaire et recevez un cadeau de la boutique le jour même.",
      birthdayMonth: "Mois",
      birthdayDay: "Jour",
      birthdayYear: "Année (facultatif)",
      birthdayNotice: "Le cadeau demande 30 jours de préavis : un anniversaire dans moins de 30 jours reçoit son premier cadeau l’année suivante.",
      birthdaySave: "Enregistrer mon anniversaire",
      birthdaySaving: "Enregistrement…",
      birthdayIs: "Votre anniversaire : {date}",
      birthdayGift: "Votre cadeau d’anniversaire arrivera le {date}",
      birthdayAsk: "Pour modifier votre anniversaire, contactez la boutique.",
      birthdayInvalid: "Cette date n’existe pas : vérifiez le mois et le jour.",
      birthdayYearInvalid: "Vérifiez l’année, ou laissez-la vide.",
      birthdayChoose: "Choisissez un mois et un jour.",
    },
  };

  const CSS = `
:host{--a:var(--rapport-accent,#1d4ed8);--at:var(--rapport-accent-text,#fff);--t:var(--rapport-text,#1f2937);
--m:var(--rapport-muted,#4b5563);--b:var(--rapport-bg,#fff);--s:var(--rapport-surface,#f3f4f6);
--l:var(--rapport-border,#d1d5db);--r:var(--rapport-radius,8px);--f:var(--rapport-focus,#b45309);
display:block;font-family:var(--rapport-font,inherit);color:var(--t);line-height:1.45}
:host([hidden]){display:none}
.card{background:var(--b);border:1px solid var(--l);border-radius:var(--r);padding:1rem 1.25rem;max-width:var(--rapport-max-width,40rem)}
h2{font-size:1.25rem;margin:0 0 .5rem}h3{font-size:1rem;margin:1rem 0 .4rem}
p{margin:.3rem 0}ul{margin:0;padding:0;list-style:none}li{padding:.3rem 0;border-bottom:1px solid var(--s)}
li:last-child{border-bottom:0}.row{display:flex;gap:.5rem;align-items:center;justify-content:space-between;flex-wrap:wrap}
.muted{color:var(--m);font-size:.9em}.big{font-size:2rem;font-weight:700;color:var(--t)}
.stats{display:flex;gap:2rem;flex-wrap:wrap}
.bar{height:.6rem;background:var(--s);border:1px solid var(--l);border-radius:999px;overflow:hidden;margin:.3rem 0}
.bar>div{height:100%;background:var(--a)}
button,a.btn{font:inherit;cursor:pointer;border:0;border-radius:var(--r);background:var(--a);color:var(--at);padding:.4rem .9rem;text-decoration:none;display:inline-block}
button:disabled{opacity:.6;cursor:default}
a{color:var(--a)}:focus-visible{outline:3px solid var(--f);outline-offset:2px}
input{font:inherit;color:var(--t);background:var(--b);border:1px solid var(--l);border-radius:var(--r);padding:.35rem .5rem;flex:1;min-width:10rem}
select{font:inherit;color:var(--t);background:var(--b);border:1px solid var(--l);border-radius:var(--r);padding:.35rem .5rem}
.fields{display:flex;gap:.75rem;flex-wrap:wrap;align-items:flex-end;margin:.4rem 0}.fields>div{display:flex;flex-direction:column;gap:.2rem}.fields label{font-size:.9em}
.fields input{min-width:0;width:6rem;flex:none}.fields select,.fields input{box-sizing:border-box;height:2.4rem}
.code{background:var(--s);border-radius:var(--r);padding:.6rem .8rem;margin:.6rem 0}
.error{color:#b91c1c;font-weight:600}.status:empty{display:none}
.grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(9rem,1fr));gap:.6rem}
.grid li{background:var(--s);border-radius:var(--r);padding:.6rem;border:0}
.grid b{display:block;font-weight:600}.grid a{color:inherit}
.grid img{display:block;width:100%;height:auto;aspect-ratio:1;margin-bottom:.4rem;border-radius:calc(var(--r)/2)}
.sr{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}`;

  // ---------- settings, strings, formatting ----------

  const camel = (name) => name.replace(/-(\w)/g, (_, c) => c.toUpperCase());
  const setting = (el, name) =>
    el.getAttribute(name) || el.getAttribute("data-" + name) || scriptData[camel(name)] || null;

  function localeOf(el) {
    const tag = setting(el, "locale") || document.documentElement.lang || "en";
    try {
      return Intl.getCanonicalLocales(tag.replace("_", "-"))[0];
    } catch (_) {
      return "en";
    }
  }

  function translator(locale) {
    const base = locale.split("-")[0];
    const own = STRINGS[base] ? base : "en";
    const extra = (window.RapportWidget && window.RapportWidget.strings) || {};
    const table = Object.assign({}, STRINGS.en, STRINGS[own],
      typeof extra.en === "object" ? extra.en : {}, typeof extra[own] === "object" ? extra[own] : {},
      typeof extra[locale] === "object" ? extra[locale] : {},
      Object.fromEntries(Object.entries(extra).filter(([, v]) => typeof v === "string")));
    const plural = new Intl.PluralRules(locale);
    const number = new Intl.NumberFormat(locale);
    const t = (key, vars = {}) => {
      let text = table[key];
      if (text && typeof text === "object") text = text[plural.select(vars.count || 0)] || text.other;
      return String(text == null ? key : text).replace(/\{(\w+)\}/g, (m, k) => (k in vars ? vars[k] : m));
    };
    t.has = (key) => key in table;
    t.num = (n) => number.format(Number(n));
    t.count = (key, n) => t(key, { count: Number(n), n: t.num(n) });
    /** A calendar date (no time zone): month and day, and the year when there is one. */
    t.date = (year, month, day) => {
      const parts = { month: "long", day: "numeric", timeZone: "UTC" };
      if (year) parts.year = "numeric";
      return new Intl.DateTimeFormat(locale, parts).format(new Date(Date.UTC(year || 2000, month - 1, day)));
    };
    t.isoDate = (iso) => {
      const [y, m, d] = String(iso).split("-").map(Number);
      return t.date(y, m, d);
    };
    t.monthName = (month) => new Intl.DateTimeFormat(locale, { month: "long", timeZone: "UTC" })
      .format(new Date(Date.UTC(2000, month - 1, 1)));
    t.money = (amount, currency) => {
      const n = Number(amount);
      const whole = Number.isInteger(n) ? { minimumFractionDigits: 0, maximumFractionDigits: 0 } : {};
      try {
        return new Intl.NumberFormat(locale, Object.assign({ style: "currency", currency }, whole)).format(n);
      } catch (_) {
        return `${amount} ${currency}`;
      }
    };
    return t;
  }

  // ---------- the storefront API ----------

  class ApiError extends Error {
    constructor(kind, message) {
      super(message);
      this.kind = kind; // "auth" (sign in again) or "unavailable"
    }
  }

  const digests = new Map();
  function sha256(text) {
    if (!(window.crypto && crypto.subtle && window.TextEncoder)) return Promise.resolve(null);
    if (!digests.has(text)) {
      digests.set(text, crypto.subtle.digest("SHA-256", new TextEncoder().encode(text))
        .then((buf) => Array.from(new Uint8Array(buf), (b) => b.toString(16).padStart(2, "0")).join(""))
        .catch(() => null));
    }
    return digests.get(text);
  }

  function api(el, { guest = false } = {}) {
    const proxy = setting(el, "proxy");
    const base = proxy ? location.origin + proxy : setting(el, "endpoint") || scriptOrigin;
    const url = base.replace(/\/+$/, "") + "/graphql/storefront";
    const key = setting(el, "store-key");
    const token = guest || proxy ? null : setting(el, "shopper-token");
    const headers = { accept: "application/graphql-response+json, application/json" };
    if (key) headers["X-Rapport-Store-Key"] = key;
    if (token) headers["X-Rapport-Shopper-Token"] = token;

    async function send(target, init) {
      const abort = new AbortController();
      const timer = setTimeout(() => abort.abort(), TIMEOUT_MS);
      let response, body;
      try {
        response = await fetch(target, Object.assign({ signal: abort.signal }, init));
        body = await response.json();
      } catch (err) {
        throw new ApiError("unavailable", String(err));
      } finally {
        clearTimeout(timer);
      }
      const error = (body && body.errors && body.errors[0]) || {};
      const code = error.extensions && error.extensions.code;
      if (response.status === 401 || code === "UNAUTHENTICATED") throw new ApiError("auth", error.message || "");
      if (code === "PERSISTED_QUERY_NOT_FOUND") return null;
      if (response.status >= 400 || !body || !body.data) {
        throw new ApiError("unavailable", error.message || `HTTP ${response.status}`);
      }
      return body.data;
    }

    /** Queries go by GET with their SHA-256 (persisted queries), so shared caches can keep the
     * anonymous answers; the full text is sent once when the server does not know the hash. */
    async function query(doc, variables) {
      const hash = await sha256(doc);
      if (!hash) return mutate(doc, variables);
      const params = new URLSearchParams();
      if (key) params.set("key", key); // keeps one store's cached answers apart from another's
      if (variables) params.set("variables", JSON.stringify(variables));
      params.set("extensions", JSON.stringify({ persistedQuery: { version: 1, sha256Hash: hash } }));
      const found = await send(`${url}?${params}`, { headers });
      if (found) return found;
      params.set("query", doc);
      return send(`${url}?${params}`, { headers });
    }

    function mutate(doc, variables) {
      return send(url, {
        method: "POST",
        headers: Object.assign({ "content-type": "application/json" }, headers),
        body: JSON.stringify({ query: doc, variables }),
      });
    }

    return { query, mutate, signedIn: Boolean(token || proxy), token };
  }

  const GUEST = /* GraphQL */ `query RapportProgram { program { currencyCode
  earningRules { key points description } tiers { name threshold metric multiplier freeShipping }
  rewards(first: 20) { nodes { id name kind pointsCost value { amount currencyCode } percentOff } }
  referral { enabled friendPoints referrerPoints } } }`;
  const MEMBER = /* GraphQL */ `query RapportMember { program { currencyCode
  earningRules { key points description }
  rewards(first: 1) { nodes { id name kind pointsCost value { amount currencyCode } percentOff } }
  referral { enabled friendPoints referrerPoints } }
  me { displayName loyalty { balance { available pending } tier { name } nextTier { name }
    tierProgress { metric current nextThreshold remaining fraction }
    rewards(first: 5, affordable: true) { nodes { id name kind pointsCost value { amount currencyCode } percentOff } }
    referral { link } }
    birthday { month day year nextGiftOn }
    recommendations(first: 8) { nodes { id title handle url image { url altText } price { amount currencyCode } } } } }`;
  const REDEEM = /* GraphQL */ `mutation RapportRedeem($input: RewardRedeemInput!) { rewardRedeem(input: $input) {
  code { code expiresAt } balance { available pending } userErrors { field message code } } }`;
  const BIRTHDAY = /* GraphQL */ `mutation RapportBirthday($input: BirthdaySetInput!) { birthdaySet(input: $input) {
  birthday { month day year nextGiftOn } userErrors { field message code } } }`;
  const BOUGHT = /* GraphQL */ `query RapportBoughtTogether($id: ID!) { product(id: $id) {
  frequentlyBoughtTogether(first: 4) { nodes { id title handle url image { url altText } price { amount currencyCode } } } } }`;

  // ---------- building the DOM ----------

  const PROPS = ["value", "readOnly", "disabled", "hidden", "selected"];
  function h(tag, props, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(props || {})) {
      if (value == null || value === false) continue;
      if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
      else if (name === "style") node.style.cssText = value; // CSSOM, so a strict style-src CSP allows it
      else if (PROPS.includes(name)) node[name] = value;
      else node.setAttribute(name, value === true ? "" : value);
    }
    node.append(...children.flat().filter((c) => c != null && c !== false));
    return node;
  }

  function uuid() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    const b = crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 15) | 64;
    b[8] = (b[8] & 63) | 128;
    const x = Array.from(b, (v) => v.toString(16).padStart(2, "0")).join("");
    return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20)}`;
  }

  class Base extends HTMLElement {
    static get observedAttributes() {
      return ["store-key", "shopper-token", "proxy", "locale", "endpoint", "login-url", "product-url", "product-id"];
    }

    connectedCallback() {
      if (!this.shadowRoot) {
        this.body = h("div");
        this.live = h("div", { class: "sr", role: "status", "aria-live": "polite" });
        this.attachShadow({ mode: "open" }).append(h("style", {}, CSS), this.body, this.live);
      }
      this.reload();
    }

    attributeChangedCallback(_name, before, after) {
      if (before !== after && this.isConnected && this.body) this.reload();
    }

    /** One load per burst of attribute changes; a failure never reaches the page as an uncaught error. */
    reload() {
      if (this.queued) return;
      this.queued = true;
      Promise.resolve().then(() => {
        this.queued = false;
        this.t = translator(localeOf(this));
        return this.load();
      }).catch((err) => {
        try {
          this.fail(err);
        } catch (_) { /* the page must never see our errors */ }
      });
    }

    /** Screen readers hear codes and errors from a live region that outlives re-renders. */
    announce(text) {
      this.live.textContent = "";
      setTimeout(() => { this.live.textContent = text; }, 50);
    }

    show(state, ...children) {
      this.dataset.state = state;
      this.body.replaceChildren(...children);
    }

    /** Product cards with their picture; they link to the product's page, or to the theme's product-url
     * (like /products/{handle}) when it gives one. */
    products(list) {
      const pattern = setting(this, "product-url");
      const web = (u) => (/^(https?:\/\/|\/(?!\/))/.test(u || "") ? u : null);
      return h("ul", { class: "grid" }, list.map((p) => {
        const href = pattern ? pattern.replace("{handle}", encodeURIComponent(p.handle)) : web(p.url);
        const src = p.image && web(p.image.url);
        const pic = src ? h("img", { src, alt: "", loading: "lazy", width: 240, height: 240 }) : null;
        return h("li", {}, href ? h("a", { href }, pic, h("b", {}, p.title)) : [pic, h("b", {}, p.title)],
          p.price ? h("span", { class: "muted" }, this.t.money(p.price.amount, p.price.currencyCode)) : null);
      }));
    }
  }

  // ---------- <rapport-loyalty> ----------

  class Loyalty extends Base {
    async load() {
      const t = this.t;
      this.keys = this.keys || new Map();
      this.draft = this.birthdayError = null;
      if (!this.dataset.state) this.show("loading", h("div", { class: "card" }, h("p", { class: "muted" }, t("loading"))));
      const client = api(this);
      let data;
      try {
        data = await client.query(client.signedIn ? MEMBER : GUEST);
      } catch (err) {
        if (err.kind === "auth" && client.token) return this.signedOut();
        throw err;
      }
      this.expired = false;
      this.data = data;
      if (data.me) this.renderMember();
      else if (client.token) await this.signedOut();
      else this.renderGuest(client.signedIn ? await client.query(GUEST) : data);
    }

    /** The token was refused: the program as for a guest, and a sign-in link. When the guest ask
     * fails too (an unknown store key is refused the same way), the token was not the problem. */
    async signedOut() {
      const data = await api(this, { guest: true }).query(GUEST);
      this.expired = true;
      this.renderGuest(data);
    }

    fail() {
      const t = (this.t = this.t || translator("en"));
      this.show("error", h("div", { class: "card" }, h("h2", {}, t("title")),
        h("p", { class: "error", role: "alert" }, t("unavailable"))));
    }

    signIn() {
      const t = this.t;
      const link = setting(this, "login-url") || "/account/login";
      return h("div", { class: "signin" },
        h("p", { role: this.expired ? "alert" : null }, t(this.expired ? "expired" : "signInPrompt")),
        h("a", { class: "btn", href: link }, t("signIn")));
    }

    points(n) {
      return this.t.count("points", n);
    }

    rewardLabel(r) {
      const t = this.t;
      if (r.kind === "FIXED_AMOUNT" && r.value) return t("rewardAmount", { money: t.money(r.value.amount, r.value.currencyCode) });
      if (r.kind === "PERCENTAGE" && r.percentOff != null) return t("rewardPercent", { percent: t.num(r.percentOff) });
      if (r.kind === "FREE_SHIPPING") return t("rewardShipping");
      if (r.kind === "POINTS_TO_CASH" && r.value) {
        return t("rewardCash", { money: t.money(r.value.amount, r.value.currencyCode), points: this.points(r.pointsCost) });
      }
      return r.name;
    }

    measure(metric, amount, currency) {
      if (metric === "SPEND") return this.t.money(amount, currency);
      return this.t.count(metric === "ORDERS" ? "orders" : "points", amount);
    }

    earning(program) {
      const t = this.t;
      return h("ul", {}, program.earningRules.map((rule) => {
        const points = this.points(rule.points);
        let text;
        if (rule.key === "purchase") text = t("earnPurchase", { points, money: t.money(1, program.currencyCode) });
        else if (rule.key === "referral") text = t("earnReferral", { points });
        else if (t.has("action_" + rule.key)) text = t("earnAction", { label: t("action_" + rule.key), points });
        else text = rule.description;
        return h("li", {}, text);
      }));
    }

    renderGuest(data) {
      const t = this.t;
      const program = data && data.program;
      const parts = [h("h2", {}, t("title")), this.signIn()];
      if (program) {
        parts.push(h("h3", {}, t("howToEarn")), this.earning(program));
        if (program.tiers.length) {
          parts.push(h("h3", {}, t("tiers")), h("ul", {}, program.tiers.map((tier) => h("li", { class: "row" },
            h("b", {}, tier.name),
            h("span", { class: "muted" }, [
              t("from", { amount: this.measure(tier.metric, tier.threshold, program.currencyCode) }),
              Number(tier.multiplier) !== 1 ? t("multiplier", { x: t.num(tier.multiplier) }) : null,
              tier.freeShipping ? t("freeShipping") : null,
            ].filter(Boolean).join(" · "))))));
        }
        const rewards = program.rewards.nodes;
        parts.push(h("h3", {}, t("rewards")), rewards.length
          ? h("ul", {}, rewards.map((r) => h("li", { class: "row" }, h("span", {}, this.rewardLabel(r)),
            h("span", { class: "muted" }, this.points(r.pointsCost)))))
          : h("p", { class: "muted" }, t("nothingYet")));
      }
      this.show(this.expired ? "signin" : "guest", h("div", { class: "card" }, parts));
    }

    renderMember() {
      const t = this.t;
      const { program, me } = this.data;
      const loyalty = me.loyalty;
      const balance = loyalty.balance;
      const progress = loyalty.tierProgress;
      const currency = program.currencyCode;
      const next = loyalty.nextTier;
      const percent = Math.round(Math.max(0, Math.min(1, progress.fraction)) * 100);
      const toGo = next && progress.remaining != null
        ? t("toGo", { amount: this.measure(progress.metric, progress.remaining, currency) }) : null;
      const affordable = loyalty.rewards.nodes.filter((r) => r.pointsCost <= balance.available);
      const cheapest = program.rewards.nodes[0];
      const parts = [
        h("h2", {}, t("hello", { name: me.displayName })),
        h("div", { class: "stats" },
          h("div", {}, h("div", { class: "muted" }, t("available")), h("div", { class: "big balance" }, this.points(balance.available))),
          h("div", {}, h("div", { class: "muted" }, t("pending")), h("div", { class: "pending" }, this.points(balance.pending)))),
        balance.pending ? h("p", { class: "muted" }, t("pendingHint")) : null,
        h("h3", { class: "tier" }, loyalty.tier ? t("currentTier", { tier: loyalty.tier.name }) : t("noTier")),
        h("div", { class: "muted", id: "progress-label" }, next ? t("progressTo", { tier: next.name }) : t("tierProgress")),
        h("div", {
          class: "bar", role: "progressbar", "aria-labelledby": "progress-label", "aria-valuemin": "0",
          "aria-valuemax": "100", "aria-valuenow": String(percent), "aria-valuetext": toGo || t("topTier"),
        }, h("div", { style: `width:${percent}%` })),
        h("p", { class: "togo" }, toGo || t("topTier")),
        h("h3", {}, t("yourRewards")),
        affordable.length
          ? h("ul", {}, affordable.map((r) => h("li", { class: "row" },
            h("span", {}, this.rewardLabel(r), " ", h("span", { class: "muted" }, this.points(r.pointsCost))),
            h("button", {
              type: "button", "data-reward": r.id, disabled: this.busy === r.id,
              "aria-label": t("redeemLabel", { reward: this.rewardLabel(r), cost: this.points(r.pointsCost) }),
              onclick: () => this.redeem(r).catch(() => this.fail()),
            }, this.busy === r.id ? t("redeeming") : t("redeem")))))
          : h("p", { class: "muted" }, cheapest ? t("noneAffordable", { cost: this.points(cheapest.pointsCost) }) : t("nothingYet")),
        h("div", { class: "status", tabindex: "-1" }, this.code ? this.codeBox() : null,
          this.error ? h("p", { class: "error" }, this.error) : null),
      ];
      if (program.referral.enabled && loyalty.referral) {
        parts.push(h("h3", {}, t("referral")),
          h("p", { class: "muted" }, t("referralTerms", {
            friend: this.points(program.referral.friendPoints), referrer: this.points(program.referral.referrerPoints),
          })),
          this.copyable(loyalty.referral.link, t("referralLink"), "referral"));
      }
      parts.push(this.birthday(me.birthday));
      parts.push(h("details", {}, h("summary", {}, t("howToEarn")), this.earning(program)));
      const recs = (me.recommendations && me.recommendations.nodes) || [];
      if (recs.length) parts.push(h("h3", {}, t("mayLike")), this.products(recs));
      this.show("member", h("div", { class: "card" }, parts));
      try {
        performance.mark("rapport:balance");
      } catch (_) { /* marks are optional */ }
    }

    /** Given once: the date and the day of its gift, without an edit control (the store changes it);
     * not yet given: month and day selects, an optional year, and the 30-day notice in one line. */
    birthday(given) {
      const t = this.t;
      const status = h("div", { class: "status birthday-status", tabindex: "-1" },
        this.birthdayError ? h("p", { class: "error" }, this.birthdayError) : null);
      if (given) {
        return h("section", { class: "birthday", "aria-labelledby": "birthday-title" },
          h("h3", { id: "birthday-title" }, t("birthday")),
          h("p", { class: "birthday-date" }, t("birthdayIs", { date: t.date(given.year, given.month, given.day) })),
          h("p", { class: "birthday-gift" }, t("birthdayGift", { date: t.isoDate(given.nextGiftOn) })),
          h("p", { class: "muted" }, t("birthdayNotice")),
          h("p", { class: "muted" }, t("birthdayAsk")), status);
      }
      const draft = (this.draft = this.draft || { month: "", day: "", year: "" });
      const last = (m) => (m ? new Date(Date.UTC(2000, Number(m), 0)).getUTCDate() : 31);
      const option = (value, text, chosen) => h("option", { value: String(value), selected: String(value) === chosen }, text);
      const days = () => [option("", "—", draft.day)].concat(
        Array.from({ length: last(draft.month) }, (_, i) => option(i + 1, t.num(i + 1), draft.day)));
      const month = h("select", { id: "birthday-month", name: "birthday-month", onchange: (e) => {
        draft.month = e.target.value;
        if (Number(draft.day) > last(draft.month)) draft.day = "";
        day.replaceChildren(...days());
      } }, [option("", "—", draft.month)].concat(
        Array.from({ length: 12 }, (_, i) => option(i + 1, t.monthName(i + 1), draft.month))));
      const day = h("select", { id: "birthday-day", name: "birthday-day", onchange: (e) => { draft.day = e.target.value; } }, days());
      const year = h("input", { id: "birthday-year", name: "birthday-year", inputmode: "numeric", autocomplete: "bday-year", maxlength: "4",
        value: draft.year, oninput: (e) => { draft.year = e.target.value; } });
      return h("section", { class: "birthday", "aria-labelledby": "birthday-title" },
        h("h3", { id: "birthday-title" }, t("birthday")),
        h("p", {}, t("birthdayIntro")),
        h("form", { class: "birthday-form", novalidate: true, onsubmit: (e) => {
          e.preventDefault();
          this.saveBirthday().catch(() => this.fail());
        } },
        h("div", { class: "fields" },
          h("div", {}, h("label", { for: "birthday-month" }, t("birthdayMonth")), month),
          h("div", {}, h("label", { for: "birthday-day" }, t("birthdayDay")), day),
          h("div", {}, h("label", { for: "birthday-year" }, t("birthdayYear")), year)),
        h("p", { class: "muted" }, t("birthdayNotice")),
        h("button", { type: "submit", disabled: this.savingBirthday }, this.savingBirthday ? t("birthdaySaving") : t("birthdaySave"))),
        status);
    }

    async saveBirthday() {
      if (this.savingBirthday) return;
      const t = this.t;
      const draft = this.draft || {};
      const year = String(draft.year || "").trim();
      this.birthdayError = null;
      if (!draft.month || !draft.day) this.birthdayError = t("birthdayChoose");
      else if (year && !/^\d{4}$/.test(year)) this.birthdayError = t("birthdayYearInvalid");
      if (this.birthdayError) return this.birthdayDone();
      this.savingBirthday = true;
      this.renderMember();
      let result = null;
      try {
        const input = { month: Number(draft.month), day: Number(draft.day), year: year ? Number(year) : null };
        result = (await api(this).mutate(BIRTHDAY, { input })).birthdaySet;
      } catch (err) {
        this.savingBirthday = false;
        if (err.kind === "auth") return this.signedOut();
        this.birthdayError = t("unavailable");
      }
      this.savingBirthday = false;
      const problem = result && result.userErrors[0];
      if (problem) {
        const field = (problem.field || [])[1];
        this.birthdayError = problem.code === "LOCKED" ? t("birthdayAsk")
          : problem.code === "INVALID" ? t(field === "year" ? "birthdayYearInvalid" : "birthdayInvalid") : problem.message;
      } else if (result && result.birthday) {
        this.data.me.birthday = result.birthday;
        this.draft = null;
        this.announce(t("birthdayGift", { date: t.isoDate(result.birthday.nextGiftOn) }));
        this.dispatchEvent(new CustomEvent("rapport:birthday", { bubbles: true, composed: true, detail: result.birthday }));
      }
      return this.birthdayDone();
    }

    birthdayDone() {
      if (this.birthdayError) this.announce(this.birthdayError);
      this.renderMember();
      const focus = this.shadowRoot.querySelector(this.birthdayError ? ".birthday-status" : ".birthday-gift");
      if (focus) {
        if (!focus.hasAttribute("tabindex")) focus.setAttribute("tabindex", "-1");
        focus.focus();
      }
    }

    codeBox() {
      const t = this.t;
      return h("div", { class: "code" },
        h("p", {}, t("yourCode", { reward: this.code.reward })),
        this.copyable(this.code.code, t("codeLabel"), "code"),
        h("p", { class: "muted" }, t("codeHint")));
    }

    /** A read-only field with a Copy button: the clipboard when allowed, else the text selected. */
    copyable(value, label, name) {
      const t = this.t;
      const field = h("input", { readOnly: true, value, "aria-label": label, name });
      const note = h("span", { class: "muted", "aria-live": "polite" });
      const copy = async () => {
        try {
          await navigator.clipboard.writeText(value);
          note.textContent = t("copied");
        } catch (_) {
          field.focus();
          field.select();
          note.textContent = t("copyFallback");
        }
      };
      return h("div", {}, h("div", { class: "row" }, field,
        h("button", { type: "button", class: "copy", "data-copy": name, "aria-label": t("copyLabel", { what: label }), onclick: copy }, t("copy"))), note);
    }

    /** The request key lives until the server answers, so a retried or doubled click cannot debit twice. */
    async redeem(reward) {
      if (this.busy) return;
      const t = this.t;
      const key = this.keys.get(reward.id) || uuid();
      this.keys.set(reward.id, key);
      this.busy = reward.id;
      this.error = null;
      this.renderMember();
      let result = null;
      try {
        const input = { rewardId: reward.id, requestKey: key };
        if (reward.kind === "POINTS_TO_CASH") input.points = reward.pointsCost;
        result = (await api(this).mutate(REDEEM, { input })).rewardRedeem;
        this.keys.delete(reward.id);
      } catch (err) {
        if (err.kind === "auth") {
          this.busy = null;
          return this.signedOut();
        }
        this.error = t("unavailable");
      }
      this.busy = null;
      if (result) {
        const problem = result.userErrors[0];
        if (problem) {
          this.error = problem.code === "INSUFFICIENT_POINTS" ? t("insufficient")
            : problem.code === "ISSUE_FAILED" ? t("redeemFailed") : problem.message;
        } else if (result.code) {
          this.code = { code: result.code.code, reward: this.rewardLabel(reward) };
          this.announce(`${t("yourCode", { reward: this.code.reward })}: ${this.code.code}`);
          this.dispatchEvent(new CustomEvent("rapport:redeemed", { bubbles: true, composed: true, detail: { code: result.code.code, rewardId: reward.id } }));
        }
        if (result.balance) this.data.me.loyalty.balance = result.balance;
      }
      if (this.error) this.announce(this.error);
      this.renderMember();
      const focus = this.shadowRoot.querySelector(this.code && !this.error ? "[data-copy=code]" : ".status");
      if (focus) focus.focus();
    }
  }

  // ---------- <rapport-bought-together product-id="gid://..."> ----------

  class BoughtTogether extends Base {
    async load() {
      const id = this.getAttribute("product-id") || this.getAttribute("data-product-id");
      this.hidden = true;
      if (!id) return this.show("empty");
      const data = await api(this, { guest: true }).query(BOUGHT, { id });
      const list = (data.product && data.product.frequentlyBoughtTogether.nodes) || [];
      if (!list.length) return this.show("empty");
      this.show("ready", h("section", { class: "card", "aria-label": this.t("boughtTogether") },
        h("h2", {}, this.t("boughtTogether")), this.products(list)));
      this.hidden = false;
    }

    fail() {
      this.hidden = true;
      this.show("error");
    }
  }

  customElements.define("rapport-loyalty", Loyalty);
  customElements.define("rapport-bought-together", BoughtTogether);

  function insert() {
    if (document.querySelector("rapport-loyalty") || !(scriptData.storeKey || scriptData.proxy)) return;
    const el = document.createElement("rapport-loyalty");
    if (script && script.parentNode && script.parentNode !== document.head) script.after(el);
    else document.body.append(el);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", insert);
  else insert();
})();
