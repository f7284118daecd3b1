// The dashboard's shell: sign-in, header and navigation, and the page for the current route.
import { render } from "preact";
import { useEffect, useLayoutEffect, useRef, useState } from "preact/hooks";

import { AUTH_EVENT, AuthRequired, request } from "./api.js";
import {
  appBridge, exchangeSessionToken, forgetKey, hasKey, isEmbedded, loadAppBridge, saveKey, takeKeyFromFragment,
} from "./auth.js";
import { WHO_AM_I } from "./documents.js";
import { html } from "./html.js";
import { Campaign } from "./pages/campaign.js";
import { Cohorts } from "./pages/cohorts.js";
import { Campaigns } from "./pages/campaigns.js";
import { Complaint } from "./pages/complaint.js";
import { Complaints } from "./pages/complaints.js";
import { Feedback } from "./pages/feedback.js";
import { ProgramImpact } from "./pages/impact.js";
import { Member } from "./pages/member.js";
import { Members } from "./pages/members.js";
import { Overview } from "./pages/overview.js";
import { Referrals } from "./pages/referrals.js";
import { Retention } from "./pages/retention.js";
import { Settings } from "./pages/settings.js";
import { ValueTiers } from "./pages/value.js";
import { Worth } from "./pages/worth.js";
import { SyncHealth } from "./pages/sync.js";
import { href, useRoute } from "./router.js";

const NAV = [
  ["overview", "Overview"],
  ["members", "Members"],
  ["campaigns", "Campaigns"],
  ["referrals", "Referrals"],
  ["feedback", "Feedback"],
  ["complaints", "Complaints"],
  ["value", "Value tiers"],
  ["retention", "Retention"],
  ["cohorts", "Cohorts"],
  ["impact", "Program impact"],
  ["worth", "CLV and tier flows"],
  ["settings", "Program settings"],
  ["sync", "Sync health"],
];
const TITLES = { overview: "Overview", members: "Members", member: "Member", campaigns: "Campaigns", campaign: "Campaign", referrals: "Referrals", feedback: "Feedback", complaints: "Complaints", complaint: "Complaint", value: "Value tiers", retention: "Retention", cohorts: "Cohorts", impact: "Program impact", worth: "CLV and tier flows", settings: "Program settings", sync: "Sync health" };

function App() {
  // "checking" until the credential is tried, then "in", "out" (sign-in form) or "unreachable".
  const [auth, setAuth] = useState({ state: "checking", message: "" });
  const [merchant, setMerchant] = useState(null);

  const check = async () => {
    try {
      const data = await request(WHO_AM_I);
      setMerchant(data.merchant);
      setAuth({ state: "in", message: "" });
    } catch (error) {
      setAuth({ state: error instanceof AuthRequired ? "out" : "unreachable", message: error.message });
    }
  };

  useEffect(() => {
    const required = (event) => setAuth({ state: "out", message: event.detail });
    // A demo link opened in a tab that already shows the dashboard only changes the fragment.
    const linked = () => {
      if (takeKeyFromFragment()) {
        setAuth({ state: "checking", message: "" });
        check();
      }
    };
    window.addEventListener(AUTH_EVENT, required);
    window.addEventListener("hashchange", linked);
    (async () => {
      takeKeyFromFragment();
      if (isEmbedded() && await loadAppBridge()) await exchangeSessionToken();
      if (!appBridge() && !hasKey()) {
        setAuth({ state: "out", message: "" });
        return;
      }
      await check();
    })();
    return () => {
      window.removeEventListener(AUTH_EVENT, required);
      window.removeEventListener("hashchange", linked);
    };
  }, []);

  if (auth.state === "checking") return html`<main id="main"><p class="boot" role="status">Signing in…</p></main>`;
  if (auth.state === "unreachable") {
    return html`<main id="main" class="sign-in">
      <h1>Rapport dashboard</h1>
      <div class="notice notice-error" role="alert"><p>${auth.message}</p>
        <button type="button" class="button" onClick=${() => { setAuth({ state: "checking", message: "" }); check(); }}>Try again</button>
      </div>
    </main>`;
  }
  if (auth.state === "out") {
    return html`<${SignIn} message=${auth.message} onKey=${(key) => { saveKey(key); setAuth({ state: "checking", message: "" }); check(); }} />`;
  }
  const signOut = () => {
    forgetKey();
    setMerchant(null);
    setAuth({ state: "out", message: "You are signed out." });
  };
  return html`<${Shell} merchant=${merchant} onSignOut=${hasKey() ? signOut : null} />`;
}

/** "the API key is not valid" -> "The API key is not valid." */
function sentence(text) {
  if (!text) return "";
  const capital = text.charAt(0).toUpperCase() + text.slice(1);
  return /[.!?]$/.test(capital) ? capital : `${capital}.`;
}

function SignIn({ message, onKey }) {
  const [key, setKey] = useState("");
  const [error, setError] = useState("");
  const heading = useRef(null);
  useEffect(() => {
    document.title = "Sign in · Rapport";
    heading.current?.focus();
  }, []);
  const submit = (event) => {
    event.preventDefault();
    if (!key.trim()) {
      setError("Paste the merchant API key (it starts with rpk_).");
      return;
    }
    onKey(key.trim());
  };
  const shown = error || sentence(message);
  return html`
    <main id="main" class="sign-in">
      <h1 tabindex="-1" ref=${heading}>Rapport dashboard</h1>
      <form onSubmit=${submit} novalidate class="panel">
        <h2>Sign in</h2>
        ${shown && html`<div class="notice notice-error" role="alert" id="sign-in-message"><p>${shown}</p></div>`}
        <div class=${`field ${error ? "field-invalid" : ""}`}>
          <label for="api-key">Merchant API key</label>
          <input id="api-key" name="api-key" type="password" autocomplete="off" spellcheck="false"
                 value=${key} onInput=${(e) => setKey(e.currentTarget.value)}
                 aria-describedby=${shown ? "api-key-hint sign-in-message" : "api-key-hint"} aria-invalid=${error ? "true" : undefined} />
          <p class="hint" id="api-key-hint">A key from the admin API's apiKeyCreate (the demo prints a
            link that signs in). It is kept in this browser tab only.</p>
        </div>
        <button type="submit" class="button button-primary">Sign in</button>
      </form>
      ${isEmbedded() && html`<p class="hint">Opened from Shopify's admin: the dashboard signs in with Shopify's
        session token through App Bridge; a key pasted here is used instead.</p>`}
    </main>`;
}

function Shell({ merchant, onSignOut }) {
  const route = useRoute();
  const first = useRef(true);
  const section = { member: "members", campaign: "campaigns", complaint: "complaints" }[route.name] || route.name;

  // Focus the new page's heading on every route change (not on the first load), so keyboard
  // and screen-reader users start at the top of what changed. A layout effect: the heading is
  // in the same commit, and focus moves before the next paint.
  useLayoutEffect(() => {
    document.title = `${TITLES[route.name]} · Rapport`;
    if (first.current) {
      first.current = false;
      return;
    }
    document.getElementById("page-title")?.focus();
    window.scrollTo(0, 0);
  }, [route.name, route.id]);

  return html`
    <a class="skip-link" href="#main" onClick=${(e) => { e.preventDefault(); document.getElementById("page-title")?.focus(); }}>Skip to content</a>
    <header class="top">
      <div class="brand">
        <span class="logo" aria-hidden="true">R</span>
        <span><strong>Rapport</strong>${merchant && html`<span class="merchant"> · ${merchant.name}</span>`}</span>
      </div>
      <nav aria-label="Main">
        <ul>
          ${NAV.map(([name, text]) => html`
            <li><a href=${href(name)} aria-current=${section === name ? "page" : undefined}>${text}</a></li>`)}
        </ul>
      </nav>
      ${onSignOut && html`<button type="button" class="button button-quiet" onClick=${onSignOut}>Sign out</button>`}
    </header>
    <main id="main" data-route=${route.name}>
      <${Page} route=${route} />
    </main>`;
}

function Page({ route }) {
  switch (route.name) {
    case "members": return html`<${Members} params=${route.params} />`;
    case "member": return html`<${Member} key=${route.id} id=${route.id} />`;
    case "campaigns": return html`<${Campaigns} params=${route.params} />`;
    case "campaign": return html`<${Campaign} key=${route.id} id=${route.id} />`;
    case "referrals": return html`<${Referrals} />`;
    case "feedback": return html`<${Feedback} params=${route.params} />`;
    case "complaints": return html`<${Complaints} params=${route.params} />`;
    case "complaint": return html`<${Complaint} key=${route.id} id=${route.id} />`;
    case "value": return html`<${ValueTiers} />`;
    case "retention": return html`<${Retention} params=${route.params} />`;
    case "cohorts": return html`<${Cohorts} params=${route.params} />`;
    case "impact": return html`<${ProgramImpact} params=${route.params} />`;
    case "worth": return html`<${Worth} params=${route.params} />`;
    case "settings": return html`<${Settings} />`;
    case "sync": return html`<${SyncHealth} />`;
    default: return html`<${Overview} />`;
  }
}

const root = document.getElementById("app");
root.textContent = "";  // the static "Loading" note
render(html`<${App} />`, root);
