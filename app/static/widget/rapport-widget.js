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
      nothingYet: "Rewards are coming soon.",
      locked: "Locked",
      lockTier: "{tier} members only",
      lockValue: "For selected customers only",
      lockDate: "From {date}",
      lockLimit: "Limit reached",
      lockStock: "Sold out",
      early: "Early access: your code works from {date}",
      nextReward: "Next reward: {reward}",
      confirmTitle: "Redeem {reward}?",
      youGet: "You get",
      spend: "Points spent",
      after: "Balance after",
      confirm: "Confirm",
      cancel: "Cancel",
      amount: "Points to spend",
      cashOff: "= {money} off",
      amountRange: "Choose between {min} and {max} points.",
      codeStarts: "Works from {date}",
      codeExpires: "Expires {date}",
      codeStore: "Valid on {store}",
      perks: "Your perks",
      perkHere: "{tier} perk: free shipping on this store",
      perkOther: "{tier} perk: free shipping on {store}",
      perkCode: "Free shipping code",
      offer: "Your friend gave you {gift}: sign in or create an account to get your code.",
      offerAmount: "{money} off your first order",
      offerPercent: "{percent}% off your first order",
      offerShipping: "free shipping on your first order",
      offerPoints: "{points} on your first order",
      welcome: "Your welcome code: {gift}",
      welcomeReview: "Thanks! We are checking your referral; your welcome code will follow.",
      welcomeGift: "Welcome! Your friend gave you {gift}.",
      refused_SELF_REFERRAL: "Your own referral link gives you nothing: share it with friends.",
      refused_ALREADY_CUSTOMER: "Referral offers are for new customers.",
      refused_ALREADY_REFERRED: "You have already used a referral link.",
      refused_UNKNOWN_CODE: "This referral link is not valid.",
      LOCKED: "This reward is not open to you yet.",
      LIMIT_REACHED: "You have reached this reward’s limit.",
      OUT_OF_STOCK: "This reward is sold out.",
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
      npsQ: "How likely are you to recommend {store} to a friend?",
      csatQ: "How satisfied are you with your order from {store}?",
      npsLow: "Not at all likely",
      npsHigh: "Extremely likely",
      csatLow: "Very dissatisfied",
      csatHigh: "Very satisfied",
      aboutOrder: "About your order {order}",
      surveyPoints: "Answer and get {points}.",
      surveyComment: "Tell us why (optional)",
      send: "Send",
      sending: "Sending…",
      surveyChoose: "Please choose a score.",
      thanks: "Thank you for your answer!",
      thanksPoints: "Thank you for your answer! You got {points}.",
      survey_ALREADY_ANSWERED: "You have already answered this survey. Thank you!",
      survey_EXPIRED: "This survey has closed: it can no longer be answered.",
      survey_NOT_FOUND: "This survey can no longer be answered.",
      help: "Need help?",
      helpIntro: "Tell us about a problem or a question; we answer by email.",
      helpOpen: "Write to the store",
      helpCategory: "Topic",
      helpChoose: "Choose a topic",
      helpOrder: "Order (optional)",
      helpNoOrder: "No particular order",
      helpSubject: "Subject",
      helpBody: "Your message",
      helpNeedCategory: "Please choose a topic.",
      helpNeedSubject: "Please give a subject.",
      helpNeedBody: "Please write your message.",
      helpSent: "Thank you, we received your message. Your reference: {ref}. We answer by email.",
      yourRequests: "Your messages to the store",
      cat_DELIVERY: "Delivery",
      cat_PRODUCT: "A product",
      cat_BILLING: "Payment or billing",
      cat_RETURN: "A return or refund",
      cat_SERVICE: "Our service",
      cat_ACCOUNT: "My account",
      cat_OTHER: "Something else",
      st_OPEN: "Received",
      st_WAITING: "Answered",
      st_RESOLVED: "Resolved",
      sentOn: "Sent {date}",
      replyFrom: "Reply from {store}, {date}",
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
      nothingYet: "Les récompenses arrivent bientôt.",
      locked: "Verrouillée",
      lockTier: "Réservée au niveau {tier}",
      lockValue: "Réservée à certains clients",
      lockDate: "À partir du {date}",
      lockLimit: "Limite atteinte",
      lockStock: "Épuisée",
      early: "Accès anticipé : votre code fonctionne à partir du {date}",
      nextReward: "Prochaine récompense : {reward}",
      confirmTitle: "Échanger {reward} ?",
      youGet: "Vous obtenez",
      spend: "Points utilisés",
      after: "Solde après",
      confirm: "Confirmer",
      cancel: "Annuler",
      amount: "Points à utiliser",
      cashOff: "= {money} de réduction",
      amountRange: "Choisissez entre {min} et {max} points.",
      codeStarts: "Valable à partir du {date}",
      codeExpires: "Expire le {date}",
      codeStore: "Valable sur {store}",
      perks: "Vos avantages",
      perkHere: "Avantage {tier} : livraison offerte sur cette boutique",
      perkOther: "Avantage {tier} : livraison offerte sur {store}",
      perkCode: "Code de livraison offerte",
      offer: "Votre ami vous offre {gift} : connectez-vous ou créez un compte pour obtenir votre code.",
      offerAmount: "{money} de réduction sur votre première commande",
      offerPercent: "{percent} % de réduction sur votre première commande",
      offerShipping: "la livraison offerte sur votre première commande",
      offerPoints: "{points} sur votre première commande",
      welcome: "Votre code de bienvenue : {gift}",
      welcomeReview: "Merci ! Nous vérifions votre parrainage ; votre code de bienvenue suivra.",
      welcomeGift: "Bienvenue ! Votre ami vous offre {gift}.",
      refused_SELF_REFERRAL: "Votre propre lien de parrainage ne vous donne rien : partagez-le avec vos amis.",
      refused_ALREADY_CUSTOMER: "Les offres de parrainage sont réservées aux nouveaux clients.",
      refused_ALREADY_REFERRED: "Vous avez déjà utilisé un lien de parrainage.",
      refused_UNKNOWN_CODE: "Ce lien de parrainage n’est pas valide.",
      LOCKED: "Cette récompense ne vous est pas encore ouverte.",
      LIMIT_REACHED: "Vous avez atteint la limite de cette récompense.",
      OUT_OF_STOCK: "Cette récompense est épuisée.",
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
      npsQ: "Quelle est la probabilité que vous recommandiez {store} à un ami ?",
      csatQ: "Êtes-vous satisfait de votre commande chez {store} ?",
      npsLow: "Pas du tout probable",
      npsHigh: "Très probable",
      csatLow: "Très insatisfait",
      csatHigh: "Très satisfait",
      aboutOrder: "À propos de votre commande {order}",
      surveyPoints: "Répondez et recevez {points}.",
      surveyComment: "Dites-nous pourquoi (facultatif)",
      send: "Envoyer",
      sending: "Envoi…",
      surveyChoose: "Choisissez une note.",
      thanks: "Merci pour votre réponse !",
      thanksPoints: "Merci pour votre réponse ! Vous avez reçu {points}.",
      survey_ALREADY_ANSWERED: "Vous avez déjà répondu à cette enquête. Merci !",
      survey_EXPIRED: "Cette enquête est close : on ne peut plus y répondre.",
      survey_NOT_FOUND: "On ne peut plus répondre à cette enquête.",
      help: "Besoin d’aide ?",
      helpIntro: "Signalez-nous un problème ou posez une question ; nous répondons par e-mail.",
      helpOpen: "Écrire à la boutique",
      helpCategory: "Sujet",
      helpChoose: "Choisissez un sujet",
      helpOrder: "Commande (facultatif)",
      helpNoOrder: "Aucune commande en particulier",
      helpSubject: "Objet",
      helpBody: "Votre message",
      helpNeedCategory: "Choisissez un sujet.",
      helpNeedSubject: "Indiquez un objet.",
      helpNeedBody: "Écrivez votre message.",
      helpSent: "Merci, nous avons reçu votre message. Votre référence : {ref}. Nous répondons par e-mail.",
      yourRequests: "Vos messages à la boutique",
      cat_DELIVERY: "Livraison",
      cat_PRODUCT: "Un produit",
      cat_BILLING: "Paiement ou facturation",
      cat_RETURN: "Un retour ou un remboursement",
      cat_SERVICE: "Notre service",
      cat_ACCOUNT: "Mon compte",
      cat_OTHER: "Autre chose",
      st_OPEN: "Reçu",
      st_WAITING: "Répondu",
      st_RESOLVED: "Résolu",
      sentOn: "Envoyé le {date}",
      replyFrom: "Réponse de {store}, le {date}",
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
.error{color:#b91c1c;font-weight:600}.status:empty,.error:empty{display:none}
.grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(9rem,1fr));gap:.6rem}
.grid li{background:var(--s);border-radius:var(--r);padding:.6rem;border:0}
.grid b{display:block;font-weight:600}.grid a{color:inherit}
.grid img{display:block;width:100%;height:auto;aspect-ratio:1;margin-bottom:.4rem;border-radius:calc(var(--r)/2)}
.sr{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}
.lock,.pill{border:1px dashed var(--m);border-radius:999px;padding:0 .6rem;font-size:.9em}.pill{border-style:solid}.locked>.row>span:first-child{color:var(--m)}
.confirm,.offer{border:2px solid var(--a);border-radius:var(--r);padding:.6rem .8rem;margin:.4rem 0}
dl{display:grid;grid-template-columns:auto 1fr;gap:.2rem 1rem;margin:.4rem 0}dt{color:var(--m)}dd{margin:0;font-weight:600}
.amount{display:flex;gap:.5rem;align-items:center;flex-wrap:wrap}.amount input{flex:none;width:7rem;min-width:0}.amount input[type=range]{flex:1;min-width:8rem;padding:0}
.cancel{background:var(--s);color:var(--t);border:1px solid var(--l)}
fieldset{border:0;padding:0;margin:.4rem 0;min-width:0}legend{font-weight:600;padding:0;margin-bottom:.4rem}
.scale{display:inline-block}h4{margin:.8rem 0 .2rem}.opts{display:flex;flex-wrap:wrap;gap:.3rem}.opts label{position:relative}
.opts input{position:absolute;inset:0;opacity:0;margin:0;min-width:0;cursor:pointer}
.opts span{display:block;min-width:2.4rem;text-align:center;padding:.35rem 0;border:1px solid var(--m);border-radius:var(--r)}
.opts input:checked+span{background:var(--a);color:var(--at);border-color:var(--a);font-weight:700}
.opts input:focus-visible+span{outline:3px solid var(--f);outline-offset:2px}
.ends{display:flex;justify-content:space-between;gap:1rem;color:var(--m);font-size:.9em;margin-top:.2rem}
.form label{display:block;font-size:.9em;margin:.6rem 0 .2rem}.form button{margin-top:.6rem}
.form input,.form select,textarea{font:inherit;width:100%;box-sizing:border-box}
textarea{color:var(--t);background:var(--b);border:1px solid var(--l);border-radius:var(--r);padding:.35rem .5rem}
[aria-invalid=true]{border:2px solid #b91c1c}summary{cursor:pointer;color:var(--a)}
.reply{border-left:3px solid var(--a);padding-left:.6rem;margin:.3rem 0}.reply p{white-space:pre-wrap}`;

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
    /** A moment (a code's expiry, a launch) as a date in the shopper's own zone. */
    t.when = (iso) => new Intl.DateTimeFormat(locale, { day: "numeric", month: "long", year: "numeric" }).format(new Date(iso));
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
  referral { enabled friendPoints referrerPoints friendReward friendValue { amount currencyCode } friendPercent } } }`;
  const MEMBER = /* GraphQL */ `query RapportMember { shop { name } program { currencyCode
  earningRules { key points description }
  referral { enabled friendPoints referrerPoints friendReward friendValue { amount currencyCode } friendPercent } }
  me { displayName loyalty { balance { available pending } tier { name } nextTier { name }
    tierProgress { metric current nextThreshold remaining fraction }
    catalog(first: 20) { nodes { available pointsToGo maxPoints startsAt earlyAccess locks { reason message tier until pointsToGo }
    reward { id name kind pointsCost value { amount currencyCode } percentOff minPoints maxPoints cashPerPoint } } }
    nextReward { pointsToGo reward { id name kind pointsCost value { amount currencyCode } percentOff } }
    perks { kind tier code storeName active }
    referral { link friendCode { code kind value { amount currencyCode } percentOff expiresAt storeName storeUrl } } }
    birthday { month day year nextGiftOn }
    recommendations(first: 8) { nodes { id title handle url image { url altText } price { amount currencyCode } } } } }`;
  const REDEEM = /* GraphQL */ `mutation RapportRedeem($input: RewardRedeemInput!) { rewardRedeem(input: $input) {
  code { code kind expiresAt startsAt storeName storeUrl value { amount currencyCode } }
  balance { available pending } userErrors { field message code } } }`;
  const VISIT = /* GraphQL */ `mutation RapportReferralVisit($input: ReferralVisitInput!) { referralVisit(input: $input) {
  valid offer { friendReward friendValue { amount currencyCode } friendPercent friendPoints } userErrors { code } } }`;
  const CLAIM = /* GraphQL */ `mutation RapportReferralClaim($input: ReferralClaimInput!) { referralClaim(input: $input) {
  status friendCode { code kind value { amount currencyCode } percentOff expiresAt storeName storeUrl } userErrors { message code } } }`;
  const BIRTHDAY = /* GraphQL */ `mutation RapportBirthday($input: BirthdaySetInput!) { birthdaySet(input: $input) {
  birthday { month day year nextGiftOn } userErrors { field message code } } }`;
  const FEEDBACK = /* GraphQL */ `query RapportFeedback { me { orders(first: 10) { nodes { id name } } feedback {
  pendingSurvey { id kind question scaleMin scaleMax orderName storeName expiresAt points }
  complaints(first: 10) { id reference category status subject receivedAt messages { author body createdAt } } } } }`;
  const ANSWER = /* GraphQL */ `mutation RapportSurveyAnswer($input: SurveyAnswerInput!) { surveyAnswer(input: $input) {
  pointsAwarded userErrors { field message code } } }`;
  const COMPLAIN = /* GraphQL */ `mutation RapportComplaint($input: ComplaintCreateInput!) { complaintCreate(input: $input) {
  complaint { id reference } userErrors { field message code } } }`;
  const CATEGORIES = ["DELIVERY", "PRODUCT", "BILLING", "RETURN", "SERVICE", "ACCOUNT", "OTHER"];
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

  // ---------- the referral cookie (first party: Shopify's app proxy strips Set-Cookie) ----------

  const REF = /^[A-Z0-9-]{4,32}$/;
  const cookie = (name) => (document.cookie.match(new RegExp(`(?:^|; )${name}=([^;]*)`)) || [])[1] || null;
  const setCookie = (name, value, age = 2592000) => {
    document.cookie = `${name}=${value}; path=/; max-age=${age}; SameSite=Lax${location.protocol === "https:" ? "; Secure" : ""}`;
  };
  const dropRef = () => setCookie("rapport_ref", "", 0);
  const stored = (name, value) => {
    try {
      if (value === undefined) return localStorage.getItem(name);
      if (value === null) localStorage.removeItem(name);
      else localStorage.setItem(name, value);
    } catch (_) { /* storage may be off: the visit is then counted again */ }
    return null;
  };
  const claimed = new Set();

  /** A ?ref=CODE link is kept 30 days with a visitor id; returns the code kept, if any. */
  function captureRef() {
    const given = (new URLSearchParams(location.search).get("ref") || "").trim().toUpperCase();
    if (REF.test(given)) setCookie("rapport_ref", given);
    const ref = cookie("rapport_ref");
    if (!ref) return null;
    if (!REF.test(ref)) return dropRef();
    if (!/^[A-Za-z0-9-]{16,64}$/.test(cookie("rapport_vid") || "")) setCookie("rapport_vid", uuid());
    return ref;
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
      const ref = captureRef();
      const client = api(this);
      let data;
      // Feedback comes apart: when it fails (or the server has none), the rest still shows.
      const feedback = client.signedIn ? client.query(FEEDBACK).catch(() => null) : null;
      try {
        [data] = await Promise.all([client.query(client.signedIn ? MEMBER : GUEST), ref && this.visit(ref)]);
        this.fb = feedback && (await feedback);
      } catch (err) {
        if (err.kind === "auth" && client.token) return this.signedOut();
        throw err;
      }
      this.expired = false;
      this.data = data;
      if (data.me) {
        this.renderMember();
        if (cookie("rapport_ref") && !claimed.has(cookie("rapport_ref"))) await this.claim(cookie("rapport_ref"));
      } else if (client.token) await this.signedOut();
      else this.renderGuest(client.signedIn ? await client.query(GUEST) : data);
    }

    /** Counts the visit once per code and visitor; a code the server refuses for good is forgotten. */
    async visit(code) {
      const mark = `${code}:${cookie("rapport_vid")}`;
      if (stored("rapport_visit") === mark) return;
      stored("rapport_visit", mark);
      try {
        const found = (await api(this).mutate(VISIT, { input: { code, visitorId: cookie("rapport_vid") } })).referralVisit;
        const problem = found.userErrors[0];
        if (found.offer) this.offer = found.offer;
        if (!found.valid && !(problem && problem.code === "RATE_LIMITED")) dropRef();
      } catch (_) {
        stored("rapport_visit", null); // counted on a later page instead
      }
    }

    /** A signed-in friend with the cookie claims once: the cookie goes on success or a final refusal,
     * and stays when the network failed or the claim was only rate-limited. */
    async claim(code) {
      const t = this.t;
      claimed.add(code);
      let found;
      try {
        found = (await api(this).mutate(CLAIM, { input: { code } })).referralClaim;
      } catch (_) {
        return;
      }
      const problem = found.userErrors[0];
      if (problem && ["RATE_LIMITED", "NOT_SIGNED_IN"].includes(problem.code)) return;
      dropRef();
      const referral = this.data.me.loyalty.referral;
      if (found.friendCode) referral.friendCode = found.friendCode;
      this.welcome = problem ? (t.has("refused_" + problem.code) ? t("refused_" + problem.code) : problem.message)
        : found.friendCode ? null : found.status === "REVIEW" ? t("welcomeReview")
          : this.gift(this.data.program.referral) && t("welcomeGift", { gift: this.gift(this.data.program.referral) });
      this.renderMember();
      const shown = referral.friendCode && !problem ? t("welcome", { gift: this.valueText(referral.friendCode) }) : this.welcome;
      if (shown) this.announce(shown);
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

    /** Money for a number of points of a points-to-cash reward, to the cent below. */
    cash(r, points) {
      const cents = Math.floor(points * Number(r.cashPerPoint) * 100 + 1e-6);
      return this.t.money((cents / 100).toFixed(2), (r.value && r.value.currencyCode) || this.data.program.currencyCode);
    }

    /** What a code gives: an issued code (kind RewardKind, a percent in value.amount) or a friend's code. */
    valueText(c) {
      const t = this.t;
      const percent = c.percentOff != null ? c.percentOff : c.value && c.value.amount;
      if (c.kind === "PERCENTAGE") return t("rewardPercent", { percent: t.num(percent) });
      if (c.kind === "FREE_SHIPPING") return t("rewardShipping");
      return c.value ? t("rewardAmount", { money: t.money(c.value.amount, c.value.currencyCode) }) : "";
    }

    /** A referral's gift to the friend, in a sentence ("$10 off your first order"), or null when none. */
    gift(o) {
      const t = this.t;
      if (!o) return null;
      if (o.friendReward === "FIXED_AMOUNT" && o.friendValue) {
        return t("offerAmount", { money: t.money(o.friendValue.amount, o.friendValue.currencyCode) });
      }
      if (o.friendReward === "PERCENTAGE" && o.friendPercent != null) return t("offerPercent", { percent: t.num(o.friendPercent) });
      if (o.friendReward === "FREE_SHIPPING") return t("offerShipping");
      return o.friendPoints ? t("offerPoints", { points: this.points(o.friendPoints) }) : null;
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
      const parts = [h("h2", {}, t("title"))];
      const gift = cookie("rapport_ref") && program && program.referral.enabled && this.gift(this.offer || program.referral);
      if (gift) parts.push(h("p", { class: "offer" }, t("offer", { gift })));
      parts.push(this.signIn());
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

    /** Why a reward is locked, in words: what unlocks it. */
    lockText(lock) {
      const t = this.t;
      switch (lock.reason) {
        case "POINTS": return t("toGo", { amount: this.points(lock.pointsToGo) });
        case "TIER": return lock.tier ? t("lockTier", { tier: lock.tier }) : lock.message;
        case "VALUE_TIER": return t("lockValue");
        case "NOT_YET": return lock.until ? t("lockDate", { date: t.when(lock.until) }) : lock.message;
        case "MEMBER_LIMIT": return t("lockLimit");
        case "OUT_OF_STOCK": return t("lockStock");
        default: return lock.message;
      }
    }

    rewardRow(s) {
      const t = this.t;
      const r = s.reward;
      const label = this.rewardLabel(r);
      const cost = r.kind === "POINTS_TO_CASH" ? t("from", { amount: this.points(r.minPoints || r.pointsCost) }) : this.points(r.pointsCost);
      const open = this.confirming && this.confirming.id === r.id;
      const line = h("div", { class: "row" }, h("span", {}, label, " ", h("span", { class: "muted" }, cost)), s.available
        ? h("button", {
          type: "button", "data-reward": r.id, disabled: Boolean(this.busy), "aria-expanded": open ? "true" : "false",
          "aria-label": t("redeemLabel", { reward: label, cost }),
          onclick: () => this.ask(s),
        }, t("redeem"))
        : h("span", { class: "lock" }, h("span", { class: "sr" }, t("locked") + ": "), s.locks.map((l) => this.lockText(l)).join(" · ")));
      return h("li", { class: s.available ? "reward" : "reward locked", "data-id": r.id }, line,
        s.available && s.earlyAccess && s.startsAt ? h("p", { class: "muted" }, t("early", { date: t.when(s.startsAt) })) : null,
        open ? this.confirmPanel(s) : null);
    }

    /** The goal: the cheapest reward only points stand between, with a bar to it. */
    goal(s, balance) {
      const t = this.t;
      const percent = Math.round((100 * Math.max(0, balance)) / (Math.max(0, balance) + s.pointsToGo));
      const toGo = t("toGo", { amount: this.points(s.pointsToGo) });
      return h("section", { class: "goal", "aria-labelledby": "goal-label" },
        h("h3", { id: "goal-label" }, t("nextReward", { reward: this.rewardLabel(s.reward) })),
        h("div", {
          class: "bar", role: "progressbar", "aria-labelledby": "goal-label", "aria-valuemin": "0", "aria-valuemax": "100",
          "aria-valuenow": String(percent), "aria-valuetext": toGo,
        }, h("div", { style: `width:${percent}%` })),
        h("p", { class: "goal-togo" }, toGo));
    }

    perks(list, here) {
      const t = this.t;
      const active = (list || []).filter((p) => p.active && p.code).sort((a, b) => (b.storeName === here) - (a.storeName === here));
      if (!active.length) return [];
      return [h("h3", {}, t("perks")), h("ul", { class: "perks" }, active.map((p) => h("li", {},
        h("p", {}, t(p.storeName === here ? "perkHere" : "perkOther", { tier: p.tier, store: p.storeName })),
        this.copyable(p.code, t("perkCode"), "perk"))))];
    }

    renderMember() {
      const t = this.t;
      const { program, me, shop } = this.data;
      const loyalty = me.loyalty;
      const balance = loyalty.balance;
      const progress = loyalty.tierProgress;
      const currency = program.currencyCode;
      const next = loyalty.nextTier;
      const percent = Math.round(Math.max(0, Math.min(1, progress.fraction)) * 100);
      const toGo = next && progress.remaining != null
        ? t("toGo", { amount: this.measure(progress.metric, progress.remaining, currency) }) : null;
      const catalog = loyalty.catalog.nodes;
      const friend = loyalty.referral && loyalty.referral.friendCode;
      const parts = [
        h("h2", {}, t("hello", { name: me.displayName })),
        h("div", { class: "stats" },
          h("div", {}, h("div", { class: "muted" }, t("available")), h("div", { class: "big balance" }, this.points(balance.available))),
          h("div", {}, h("div", { class: "muted" }, t("pending")), h("div", { class: "pending" }, this.points(balance.pending)))),
        balance.pending ? h("p", { class: "muted" }, t("pendingHint")) : null,
        ...this.surveyCard(),
        friend ? this.codeCard(friend, t("welcome", { gift: this.valueText(friend) }), "friend-code") : null,
        this.welcome ? h("p", { class: "offer welcome-note" }, this.welcome) : null,
        h("h3", { class: "tier" }, loyalty.tier ? t("currentTier", { tier: loyalty.tier.name }) : t("noTier")),
        h("div", { class: "muted", id: "progress-label" }, next ? t("progressTo", { tier: next.name }) : t("tierProgress")),
        h("div", {
          class: "bar", role: "progressbar", "aria-labelledby": "progress-label", "aria-valuemin": "0",
          "aria-valuemax": "100", "aria-valuenow": String(percent), "aria-valuetext": toGo || t("topTier"),
        }, h("div", { style: `width:${percent}%` })),
        h("p", { class: "togo" }, toGo || t("topTier")),
        ...this.perks(loyalty.perks, shop && shop.name),
        loyalty.nextReward ? this.goal(loyalty.nextReward, balance.available) : null,
        h("h3", {}, t("rewards")),
        catalog.length ? h("ul", { class: "rewards" }, catalog.map((s) => this.rewardRow(s))) : h("p", { class: "muted" }, t("nothingYet")),
        h("div", { class: "status", tabindex: "-1" }, this.code ? this.codeCard(this.code, t("yourCode", { reward: this.code.reward }), "code") : null,
          this.error ? h("p", { class: "error" }, this.error) : null),
      ];
      if (program.referral.enabled && loyalty.referral) {
        const terms = program.referral;
        const gift = terms.friendReward && terms.friendReward !== "NONE" ? this.valueText({
          kind: terms.friendReward, value: terms.friendValue, percentOff: terms.friendPercent,
        }) : null;
        parts.push(h("h3", {}, t("referral")),
          h("p", { class: "muted" }, t("referralTerms", {
            friend: [gift, terms.friendPoints ? this.points(terms.friendPoints) : null].filter(Boolean).join(" + ") || this.points(0),
            referrer: this.points(terms.referrerPoints),
          })),
          this.copyable(loyalty.referral.link, t("referralLink"), "referral"));
      }
      parts.push(this.birthday(me.birthday));
      parts.push(this.help());
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

    /** A code with what it gives, when it starts and ends, the store it works on, and a Copy button. */
    codeCard(c, title, name) {
      const t = this.t;
      const web = /^https?:\/\//.test(c.storeUrl || "");
      const [before, after] = t("codeStore").split("{store}");
      const soon = c.startsAt && new Date(c.startsAt) > Date.now();
      return h("div", { class: "code " + name },
        h("p", {}, h("b", {}, title)),
        name === "code" ? h("p", { class: "value" }, this.valueText(c)) : null,
        this.copyable(c.code, t("codeLabel"), name),
        h("p", { class: "muted details" },
          soon ? t("codeStarts", { date: t.when(c.startsAt) }) + " · " : null,
          c.expiresAt ? t("codeExpires", { date: t.when(c.expiresAt) }) + " · " : null,
          c.storeName ? [before, web ? h("a", { href: c.storeUrl }, c.storeName) : c.storeName, after] : null),
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

    /** Redeem opens the confirmation under the reward; its requestKey lives as long as it does (a new
     * amount gets a new key), so a double click or a retry debits once. */
    ask(s) {
      if (this.busy || (this.confirming && this.confirming.id === s.reward.id)) return;
      const r = s.reward;
      const min = r.kind === "POINTS_TO_CASH" ? r.minPoints || r.pointsCost : r.pointsCost;
      this.confirming = { id: r.id, key: uuid(), points: min, min, max: s.maxPoints == null ? min : s.maxPoints, error: null };
      this.code = this.error = null;
      this.renderMember();
      this.focus(".confirm h4");
    }

    cancel() {
      const id = this.confirming && this.confirming.id;
      this.confirming = null;
      this.renderMember();
      this.focus(`[data-reward="${id}"]`);
    }

    focus(selector) {
      const el = this.shadowRoot.querySelector(selector);
      if (el) el.focus();
    }

    /** What the shopper gets, spends and keeps; for points-to-cash a slider and a number bound
     * together within the reward's bounds and the balance, the value live beside them. */
    confirmPanel(s) {
      const t = this.t;
      const c = this.confirming;
      const r = s.reward;
      const cash = r.kind === "POINTS_TO_CASH";
      const balance = this.data.me.loyalty.balance.available;
      const gets = h("dd", { class: "gets" });
      const spent = h("dd", { class: "spent" });
      const left = h("dd", { class: "left" });
      const error = h("p", { class: "error", id: "amount-error" });
      const busy = this.busy === r.id;
      const ok = () => Number.isInteger(c.points) && c.points >= c.min && c.points <= c.max;
      const confirm = h("button", { type: "button", class: "confirm-button", disabled: busy, onclick: () => this.confirm(s).catch(() => this.fail()) },
        busy ? t("redeeming") : t("confirm"));
      let range = null;
      let box = null;
      const update = () => {
        gets.textContent = cash ? t("cashOff", { money: this.cash(r, ok() ? c.points : c.min) }).replace(/^= /, "") : this.rewardLabel(r);
        spent.textContent = Number.isNaN(c.points) ? "—" : this.points(c.points);
        left.textContent = Number.isNaN(c.points) ? "—" : this.points(balance - c.points);
        error.textContent = c.error || "";
        confirm.disabled = busy || !ok();
        if (box) box.setAttribute("aria-invalid", c.error ? "true" : "false");
        if (range) output.textContent = t("cashOff", { money: this.cash(r, ok() ? c.points : c.min) });
      };
      const take = (raw, final) => {
        let n = raw === "" ? NaN : Number(raw);
        if (final && !Number.isNaN(n)) n = Math.min(c.max, Math.max(c.min, Math.round(n)));
        const fits = Number.isInteger(n) && n >= c.min && n <= c.max;
        if (fits && n !== c.points) c.key = uuid();
        if (fits) c.points = n;
        else c.points = NaN;
        c.error = fits ? null : t("amountRange", { min: t.num(c.min), max: t.num(c.max) });
        if (fits) range.value = box.value = String(n);
        update();
      };
      const output = h("output", { class: "cash", for: "amount" });
      let amount = null;
      if (cash) {
        const bounds = { min: String(c.min), max: String(c.max), step: "1", value: String(ok() ? c.points : c.min) };
        range = h("input", Object.assign({ type: "range", "aria-label": t("amount"), oninput: (e) => take(e.target.value) }, bounds));
        box = h("input", Object.assign({
          type: "number", id: "amount", name: "amount", inputmode: "numeric", "aria-describedby": "amount-error",
          oninput: (e) => take(e.target.value), onchange: (e) => take(e.target.value, true),
        }, bounds));
        if (!ok()) box.value = Number.isNaN(c.points) ? "" : String(c.points);
        range.disabled = box.disabled = busy;
        amount = h("div", {}, h("label", { for: "amount" }, t("amount")), h("div", { class: "amount" }, range, box, output));
      }
      update();
      return h("div", {
        class: "confirm", role: "dialog", "aria-labelledby": "confirm-title",
        onkeydown: (e) => { if (e.key === "Escape" && !this.busy) this.cancel(); },
      },
      h("h4", { id: "confirm-title", tabindex: "-1" }, t("confirmTitle", { reward: this.rewardLabel(r) })),
      amount, cash ? null : error,
      h("dl", {}, h("dt", {}, t("youGet")), gets, h("dt", {}, t("spend")), spent, h("dt", {}, t("after")), left),
      cash ? error : null,
      h("div", { class: "row" }, confirm, h("button", { type: "button", class: "cancel", disabled: busy, onclick: () => this.cancel() }, t("cancel"))));
    }

    /** The server's refusal stays at the field while the reward is still open to the shopper. */
    async confirm(s) {
      const c = this.confirming;
      if (this.busy || !c || !(c.points >= c.min && c.points <= c.max)) return;
      const t = this.t;
      const r = s.reward;
      this.busy = r.id;
      this.renderMember();
      let result = null;
      let problem = null;
      try {
        const input = { rewardId: r.id, requestKey: c.key };
        if (r.kind === "POINTS_TO_CASH") input.points = c.points;
        result = (await api(this).mutate(REDEEM, { input })).rewardRedeem;
      } catch (err) {
        this.busy = null;
        if (err.kind === "auth") return this.signedOut();
        problem = t("unavailable"); // the same key on a retry: debited once
      }
      if (result) {
        const refused = result.userErrors[0];
        if (refused) {
          problem = t.has(refused.code) ? t(refused.code) : refused.code === "INSUFFICIENT_POINTS" ? t("insufficient")
            : refused.code === "ISSUE_FAILED" ? t("redeemFailed") : refused.message;
          c.key = uuid();
        } else if (result.code) {
          this.confirming = null;
          this.code = Object.assign({ reward: this.rewardLabel(r) }, result.code);
          this.announce(`${t("yourCode", { reward: this.code.reward })}: ${this.code.code}`);
          this.dispatchEvent(new CustomEvent("rapport:redeemed", { bubbles: true, composed: true, detail: { code: result.code.code, rewardId: r.id } }));
        }
        if (result.balance) this.data.me.loyalty.balance = result.balance;
        await this.refresh();
      }
      this.busy = null;
      const still = this.confirming && this.data.me.loyalty.catalog.nodes.find((x) => x.reward.id === r.id && x.available);
      if (this.confirming && !still) this.confirming = null;
      if (still) {
        c.max = still.maxPoints == null ? c.min : still.maxPoints;
        c.error = problem;
      } else this.error = problem;
      if (problem) this.announce(problem);
      this.renderMember();
      this.focus(this.code ? "[data-copy=code]" : still ? (r.kind === "POINTS_TO_CASH" ? "#amount" : ".confirm-button") : ".status");
    }

    /** The pending survey: the scale as native radios (arrow keys, one tab stop) in a fieldset whose
     * legend is the question, the ends' words read with the end scores; a comment; Send. */
    surveyCard() {
      const t = this.t;
      const s = this.fb && this.fb.me && this.fb.me.feedback.pendingSurvey;
      const note = this.surveyNote ? h("p", { class: "survey-note offer", tabindex: "-1" }, this.surveyNote) : null;
      if (!s) return [note];
      const d = this.sv && this.sv.id === s.id ? this.sv : (this.sv = { id: s.id, score: null, comment: "" });
      const nps = s.kind === "NPS";
      const question = nps ? t("npsQ", { store: s.storeName }) : s.kind === "CSAT" ? t("csatQ", { store: s.storeName }) : s.question;
      const [low, high] = nps ? [t("npsLow"), t("npsHigh")] : [t("csatLow"), t("csatHigh")];
      const scores = Array.from({ length: s.scaleMax - s.scaleMin + 1 }, (_, i) => s.scaleMin + i);
      return [note, h("form", { class: "survey offer form", novalidate: true, "data-id": s.id, onsubmit: (e) => {
        e.preventDefault();
        this.answer(s).catch(() => this.fail());
      } },
      h("fieldset", { "aria-describedby": d.error ? "survey-error" : null },
        h("legend", { id: "survey-q" }, question),
        s.orderName ? h("p", { class: "muted" }, t("aboutOrder", { order: s.orderName })) : null,
        h("div", { class: "scale" }, h("div", { class: "opts" }, scores.map((n) => h("label", {},
          h("input", { type: "radio", name: "score", value: String(n), checked: d.score === n, disabled: d.busy,
            onchange: () => { d.score = n; } }),
          h("span", {}, t.num(n), n === s.scaleMin || n === s.scaleMax
            ? h("span", { class: "sr" }, ` (${n === s.scaleMin ? low : high})`) : null)))),
        h("div", { class: "ends", "aria-hidden": "true" }, h("span", {}, low), h("span", {}, high)))),
      h("label", { for: "survey-comment" }, t("surveyComment")),
      h("textarea", { id: "survey-comment", name: "comment", rows: "3", maxlength: "2000", value: d.comment, disabled: d.busy,
        oninput: (e) => { d.comment = e.target.value; } }),
      s.points ? h("p", { class: "muted" }, t("surveyPoints", { points: this.points(s.points) })) : null,
      h("p", { class: "error", id: "survey-error", tabindex: "-1" }, d.error || ""),
      h("button", { type: "submit", disabled: d.busy }, d.busy ? t("sending") : t("send")))];
    }

    /** One answer per survey: the server's refusals (answered already, closed) end the card with a sentence. */
    async answer(s) {
      const t = this.t;
      const d = this.sv;
      if (d.busy) return;
      d.error = null;
      if (d.score == null) d.error = t("surveyChoose");
      else {
        d.busy = true;
        this.renderMember();
        try {
          const input = { surveyId: s.id, score: d.score, comment: d.comment.trim() || null };
          const r = (await api(this).mutate(ANSWER, { input })).surveyAnswer;
          const p = r.userErrors[0];
          if (!p) this.surveyNote = r.pointsAwarded ? t("thanksPoints", { points: this.points(r.pointsAwarded) }) : t("thanks");
          else if (t.has("survey_" + p.code)) this.surveyNote = t("survey_" + p.code);
          else d.error = p.message;
          if (!p && r.pointsAwarded) await this.refresh();
        } catch (err) {
          if (err.kind === "auth") return this.signedOut();
          d.error = t("unavailable");
        }
        d.busy = false;
        if (this.surveyNote) await this.reloadFeedback();
      }
      this.announce(this.surveyNote || d.error);
      this.renderMember();
      this.focus(d.error ? "#survey-error" : ".survey-note");
    }

    async reloadFeedback() {
      try {
        this.fb = (await api(this).mutate(FEEDBACK)) || this.fb;
      } catch (_) { /* keep what is shown */ }
    }

    /** "Need help?": a message to the store (topic, order, subject, text) and the shopper's own
     * messages with their state and the store's replies. One requestKey per message written. */
    help() {
      const t = this.t;
      const me = this.fb && this.fb.me;
      if (!me) return null;
      const d = (this.hd = this.hd || { category: "", orderId: "", subject: "", body: "", errors: {} });
      const store = this.data.shop ? this.data.shop.name : "";
      const edit = (name) => (e) => { d[name] = e.target.value; d.key = null; };
      const field = (name, label, control) => {
        const error = d.errors[name];
        Object.assign(control, { id: "help-" + name, name });
        if (error) {
          control.setAttribute("aria-invalid", "true");
          control.setAttribute("aria-describedby", `help-${name}-error`);
        }
        return [h("label", { for: "help-" + name }, label), control,
          error ? h("p", { class: "error", id: `help-${name}-error` }, error) : null];
      };
      const option = (value, text, chosen) => h("option", { value, selected: value === chosen }, text);
      const orders = (me.orders && me.orders.nodes) || [];
      const list = me.feedback.complaints || [];
      return h("section", { class: "help", "aria-labelledby": "help-title" },
        h("h3", { id: "help-title" }, t("help")),
        h("details", { open: this.helpOpen, ontoggle: (e) => { this.helpOpen = e.target.open; } },
          h("summary", {}, t("helpOpen")),
          h("p", { class: "muted" }, t("helpIntro")),
          h("form", { class: "form help-form", novalidate: true, onsubmit: (e) => {
            e.preventDefault();
            this.complain().catch(() => this.fail());
          } },
          field("category", t("helpCategory"), h("select", { onchange: edit("category") },
            [option("", t("helpChoose"), d.category)].concat(CATEGORIES.map((c) => option(c, t("cat_" + c), d.category))))),
          orders.length ? field("order", t("helpOrder"), h("select", { onchange: edit("orderId") },
            [option("", t("helpNoOrder"), d.orderId)].concat(orders.map((o) => option(o.id, o.name, d.orderId))))) : null,
          field("subject", t("helpSubject"), h("input", { maxlength: "200", value: d.subject, oninput: edit("subject") })),
          field("body", t("helpBody"), h("textarea", { rows: "4", maxlength: "5000", value: d.body, oninput: edit("body") })),
          h("button", { type: "submit", disabled: d.busy }, d.busy ? t("sending") : t("send")))),
        h("div", { class: "status help-status", tabindex: "-1" }, d.sent ? h("p", { class: "offer" }, t("helpSent", { ref: d.sent })) : null,
          d.error ? h("p", { class: "error" }, d.error) : null),
        list.length ? [h("h4", {}, t("yourRequests")), h("ul", { class: "requests" }, list.map((c) => h("li", { "data-reference": c.reference },
          h("div", { class: "row" }, h("b", {}, c.subject || t("cat_" + c.category)), h("span", { class: "pill" }, t("st_" + c.status))),
          h("p", { class: "muted" }, [c.reference, t("cat_" + c.category), t("sentOn", { date: t.when(c.receivedAt) })].join(" · ")),
          c.messages.filter((m) => m.author === "MERCHANT").map((m) => h("div", { class: "reply" },
            h("p", { class: "muted" }, t("replyFrom", { store, date: t.when(m.createdAt) })), h("p", {}, m.body))))))] : null);
    }

    async complain() {
      const t = this.t;
      const d = this.hd;
      if (d.busy) return;
      const need = { category: "helpNeedCategory", subject: "helpNeedSubject", body: "helpNeedBody" };
      d.errors = {};
      d.sent = d.error = null;
      for (const name in need) if (!String(d[name]).trim()) d.errors[name] = t(need[name]);
      if (!Object.keys(d.errors).length) {
        d.busy = true;
        d.key = d.key || uuid(); // a retry of the same message is one complaint
        this.renderMember();
        try {
          const input = { category: d.category, orderId: d.orderId || null, subject: d.subject.trim(), body: d.body.trim(), requestKey: d.key };
          const r = (await api(this).mutate(COMPLAIN, { input })).complaintCreate;
          for (const p of r.userErrors) {
            const name = (p.field || []).slice(-1)[0];
            if (name === "orderId") d.errors.order = p.message;
            else if (name in need) d.errors[name] = p.message;
            else d.error = p.message;
          }
          if (r.complaint) {
            this.hd = { category: "", orderId: "", subject: "", body: "", errors: {}, sent: r.complaint.reference };
            this.helpOpen = false;
            await this.reloadFeedback();
          }
        } catch (err) {
          if (err.kind === "auth") return this.signedOut();
          d.error = t("unavailable");
        }
        d.busy = false;
      }
      const bad = Object.keys(this.hd.errors);
      this.announce(this.hd.sent ? t("helpSent", { ref: this.hd.sent }) : this.hd.error || bad.map((k) => this.hd.errors[k]).join(" "));
      this.renderMember();
      this.focus(bad.length ? "#help-" + bad[0] : ".help-status");
    }

    /** The catalog, goal and balance again after spending; the last ones stay if the ask fails. */
    async refresh() {
      try {
        const data = await api(this).mutate(MEMBER);
        if (data && data.me) this.data = data;
      } catch (_) { /* keep what is shown */ }
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
