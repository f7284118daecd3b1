// Program settings: earning, tiers, actions and referrals are one set of rules, published as a
// new program version (programPublish takes the whole rules, so the form always sends all of
// them); rewards are managed one by one. Messages from the server appear by the field they
// name (its path, e.g. rules.tiers.1.threshold) and in a summary above the form.
import { useState } from "preact/hooks";

import { errorsByField } from "../api.js";
import { ErrorNotice, ErrorSummary, Field, GroupErrors, Loading, PageTitle, Status, TableWrap } from "../components.js";
import { useMutation, useQuery } from "../data.js";
import { PROGRAM_PUBLISH, REWARD_CREATE, REWARD_UPDATE, SETTINGS } from "../documents.js";
import { html } from "../html.js";
import { decimal, label, money, points, when } from "../format.js";
import { FeedbackSettings } from "./feedback_settings.js";
import { ReviewIntake } from "./review_intake.js";

const ROUNDING = ["FLOOR", "HALF_UP", "HALF_EVEN", "CEILING"];
const RELEASE = ["RETURN_WINDOW", "FULFILMENT", "IMMEDIATE"];
const EXPIRY = ["NONE", "FIFO", "INACTIVITY"];
const METRICS = ["SPEND", "POINTS", "ORDERS"];
const WINDOWS = ["LIFETIME", "CALENDAR_YEAR", "ROLLING_12M"];
const REWARD_KINDS = ["FIXED_AMOUNT", "PERCENTAGE", "FREE_SHIPPING", "FREE_PRODUCT", "POINTS_TO_CASH"];
/** Insights' value tiers, as the API names them on a reward. */
const VALUE_TIERS = [["vip", "VIP"], ["regular", "Regular"], ["at_risk", "At risk"], ["lost", "Lost"]];

const INTEGERS = ["maxPointsPerOrder", "returnWindowDays", "expiryMonths", "tierGraceDays", "referralFriendPoints",
  "referralReferrerPoints", "referralCap", "codeValidDays"];
const DECIMALS = ["pointValue"];

export function Settings() {
  const { data, error, loading, reload } = useQuery(SETTINGS);
  // Kept here: a publish remounts the form (new version, fresh state), the outcome stays.
  const [published, setPublished] = useState("");
  const program = data?.program;
  return html`
    <${PageTitle}>Program settings<//>
    <${ErrorNotice} error=${error} retry=${reload} />
    ${loading && !data ? html`<${Loading} what="the program" />` : null}
    ${program && html`
      <${ProgramForm} key=${program.current?.id || "new"} program=${program}
        onEdit=${() => setPublished("")} onPublished=${(message) => { setPublished(message); reload(); }} />
      <${Status} id="program-status" message=${published} />
      <${Versions} versions=${program.versions.nodes} />
      <${Rewards} rewards=${program.rewards.nodes} currency=${program.currencyCode} onChanged=${reload}
        tiers=${(program.current?.rules.tiers || []).map((t) => t.name)} />`}
    <${FeedbackSettings} />
    <${ReviewIntake} />`;
}

const text = (value) => (value === null || value === undefined ? "" : String(value));

/** The form's state: the current rules with every number as the text the inputs show. */
function editable(program) {
  const rules = program.current?.rules;
  const currency = program.currencyCode;
  if (!rules) {
    return {
      currencyCode: currency, earnRates: [{ currencyCode: currency, rate: "1" }], exchangeRates: [],
      rounding: "FLOOR", afterDiscounts: true, includeShipping: false, includeTax: false, maxPointsPerOrder: "",
      actions: [], release: "RETURN_WINDOW", returnWindowDays: "30", expiry: "NONE", expiryMonths: "12",
      tierMetric: "SPEND", tierWindow: "LIFETIME", tierGraceDays: "0", tiers: [],
      referralFriendPoints: "0", referralReferrerPoints: "0", referralCap: "0", pointValue: "0.01", codeValidDays: "90",
    };
  }
  return {
    ...rules,
    earnRates: rules.earnRates.map((r) => ({ currencyCode: r.currencyCode, rate: text(r.rate) })),
    exchangeRates: rules.exchangeRates.map((r) => ({ currencyCode: r.currencyCode, rate: text(r.rate) })),
    actions: rules.actions.map((a) => ({ name: a.name, points: text(a.points), limit: text(a.limit), periodDays: text(a.periodDays) })),
    tiers: rules.tiers.map((t) => ({ name: t.name, threshold: text(t.threshold), multiplier: text(t.multiplier),
      entryPoints: text(t.entryPoints), freeShipping: t.freeShipping })),
    ...Object.fromEntries([...INTEGERS, ...DECIMALS].map((name) => [name, text(rules[name])])),
  };
}

const WHOLE = /^-?\d+$/;
const NUMBER = /^-?\d+(\.\d+)?$/;

/**
 * The form's state as ProgramRulesInput, or the fields whose text is not a number. Only the
 * shape is checked here; the program's own rules (e.g. ascending tiers) are the server's.
 */
function toInput(state) {
  const errors = {};
  const whole = (path, value, optional = false) => {
    const raw = String(value ?? "").trim();
    if (raw === "" && optional) return null;
    if (!WHOLE.test(raw)) {
      errors[path] = ["Enter a whole number."];
      return null;
    }
    return Number(raw);
  };
  const number = (path, value) => {
    const raw = String(value ?? "").trim();
    if (!NUMBER.test(raw)) errors[path] = ["Enter a number, e.g. 1 or 2.5."];
    return raw;
  };
  const rates = (name) => state[name].map((r, i) => ({
    currencyCode: r.currencyCode.trim().toUpperCase(), rate: number(`${name}.${i}.rate`, r.rate),
  }));
  const input = {
    currencyCode: state.currencyCode,
    earnRates: rates("earnRates"),
    exchangeRates: rates("exchangeRates"),
    rounding: state.rounding,
    afterDiscounts: state.afterDiscounts,
    includeShipping: state.includeShipping,
    includeTax: state.includeTax,
    maxPointsPerOrder: whole("maxPointsPerOrder", state.maxPointsPerOrder, true),
    actions: state.actions.map((a, i) => ({
      name: a.name.trim(), points: whole(`actions.${i}.points`, a.points),
      limit: whole(`actions.${i}.limit`, a.limit), periodDays: whole(`actions.${i}.periodDays`, a.periodDays),
    })),
    release: state.release,
    returnWindowDays: whole("returnWindowDays", state.returnWindowDays),
    expiry: state.expiry,
    expiryMonths: whole("expiryMonths", state.expiryMonths),
    tierMetric: state.tierMetric,
    tierWindow: state.tierWindow,
    tierGraceDays: whole("tierGraceDays", state.tierGraceDays),
    tiers: state.tiers.map((t, i) => ({
      name: t.name.trim(), threshold: number(`tiers.${i}.threshold`, t.threshold),
      multiplier: number(`tiers.${i}.multiplier`, t.multiplier), entryPoints: whole(`tiers.${i}.entryPoints`, t.entryPoints),
      freeShipping: Boolean(t.freeShipping),
    })),
    referralFriendPoints: whole("referralFriendPoints", state.referralFriendPoints),
    referralReferrerPoints: whole("referralReferrerPoints", state.referralReferrerPoints),
    referralCap: whole("referralCap", state.referralCap),
    pointValue: number("pointValue", state.pointValue),
    codeValidDays: whole("codeValidDays", state.codeValidDays),
  };
  return { input, errors };
}

function ProgramForm({ program, onPublished, onEdit }) {
  const [state, setState] = useState(() => editable(program));
  const [note, setNote] = useState("");
  const [errors, setErrors] = useState({});
  const [failure, setFailure] = useState(null);
  const [publish, busy] = useMutation(PROGRAM_PUBLISH, "programPublish");
  const current = program.current;

  const set = (name, value) => setState((s) => ({ ...s, [name]: value }));
  const setRow = (list, index, name, value) =>
    setState((s) => ({ ...s, [list]: s[list].map((row, i) => (i === index ? { ...row, [name]: value } : row)) }));
  const addRow = (list, row) => {
    setErrors({});
    setState((s) => ({ ...s, [list]: [...s[list], row] }));
  };
  const removeRow = (list, index) => {
    setErrors({});
    setState((s) => ({ ...s, [list]: s[list].filter((_, i) => i !== index) }));
  };

  const submit = async (event) => {
    event.preventDefault();
    onEdit();
    setFailure(null);
    const { input, errors: found } = toInput(state);
    setErrors(found);
    if (Object.keys(found).length) return;
    try {
      const payload = await publish({ rules: input, note: note.trim() });
      if (payload.userErrors.length) {
        setErrors(errorsByField(payload.userErrors, ["rules"]));
        return;
      }
      onPublished(`Published version ${payload.version.number}, effective ${when(payload.version.effectiveFrom)}.`);
    } catch (error) {
      setFailure(error);
    }
  };

  const f = { prefix: "rules", errors };
  const textInput = (name, extra = {}) => (a) => html`
    <input ...${a} type="text" inputmode="decimal" value=${state[name]} onInput=${(e) => set(name, e.currentTarget.value)} ...${extra} />`;
  const select = (name, options) => (a) => html`
    <select ...${a} value=${state[name]} onChange=${(e) => set(name, e.currentTarget.value)}>
      ${options.map((o) => html`<option value=${o}>${label(o)}</option>`)}
    </select>`;
  const checkbox = (name, caption) => html`
    <div class="check">
      <input type="checkbox" id=${`rules-${name}`} checked=${state[name]} onChange=${(e) => set(name, e.currentTarget.checked)} />
      <label for=${`rules-${name}`}>${caption}</label>
    </div>`;
  const rowInput = (list, index, name, kind = "decimal") => (a) => html`
    <input ...${a} type="text" inputmode=${kind === "text" ? undefined : kind}
      value=${state[list][index][name]} onInput=${(e) => setRow(list, index, name, e.currentTarget.value)} />`;

  return html`
    <form class="settings-form" onSubmit=${submit} novalidate aria-describedby="program-version">
      <p id="program-version" class="hint">${current
        ? `Version ${current.number}, effective ${when(current.effectiveFrom)}${current.note ? ` (${current.note})` : ""}. Publishing makes a new version; points already earned keep the rules that awarded them.`
        : "No program is published yet."}</p>
      <${ErrorSummary} errors=${errors} prefix="rules" title="The program was not published" />

      <fieldset class="panel">
        <legend><h2>Earning</h2></legend>
        <div class="rows" data-field="earnRates">
          ${state.earnRates.map((rate, i) => html`
            <div class="row" key=${`earn-${i}`}>
              <${Field} ...${f} path=${`earnRates.${i}.currencyCode`} label="Currency"
                input=${rowInput("earnRates", i, "currencyCode", "text")} />
              <${Field} ...${f} path=${`earnRates.${i}.rate`} label=${`Points per 1 ${rate.currencyCode || "unit"} spent`}
                input=${rowInput("earnRates", i, "rate")} />
              ${state.earnRates.length > 1 && html`<button type="button" class="button button-small"
                onClick=${() => removeRow("earnRates", i)}>Remove ${rate.currencyCode || "rate"}</button>`}
            </div>`)}
          <${GroupErrors} errors=${errors} path="earnRates" id="rules-earnRates-error" />
          <button type="button" class="button button-small"
            onClick=${() => addRow("earnRates", { currencyCode: "", rate: "1" })}>Add a currency</button>
        </div>
        <div class="grid">
          <${Field} ...${f} path="rounding" label="Rounding" input=${select("rounding", ROUNDING)} />
          <${Field} ...${f} path="maxPointsPerOrder" label="Most points per order" hint="Empty for no limit."
            input=${textInput("maxPointsPerOrder", { inputmode: "numeric" })} />
          <${Field} ...${f} path="release" label="Pending points are released" input=${select("release", RELEASE)} />
          <${Field} ...${f} path="returnWindowDays" label="Return window (days)" input=${textInput("returnWindowDays", { inputmode: "numeric" })} />
          <${Field} ...${f} path="expiry" label="Expiry" input=${select("expiry", EXPIRY)} />
          <${Field} ...${f} path="expiryMonths" label="Expire after (months)" input=${textInput("expiryMonths", { inputmode: "numeric" })} />
          <${Field} ...${f} path="pointValue" label=${`Value of one point (${state.currencyCode})`} input=${textInput("pointValue")} />
          <${Field} ...${f} path="codeValidDays" label="Codes valid for (days)" input=${textInput("codeValidDays", { inputmode: "numeric" })} />
        </div>
        <div class="checks">
          ${checkbox("afterDiscounts", "Earn on the total after discounts")}
          ${checkbox("includeShipping", "Include shipping")}
          ${checkbox("includeTax", "Include tax")}
        </div>
      </fieldset>

      <fieldset class="panel" data-field="tiers">
        <legend><h2>Tiers</h2></legend>
        <div class="grid">
          <${Field} ...${f} path="tierMetric" label="Tiers are reached by" input=${select("tierMetric", METRICS)} />
          <${Field} ...${f} path="tierWindow" label="Counted over" input=${select("tierWindow", WINDOWS)} />
          <${Field} ...${f} path="tierGraceDays" label="Grace before a downgrade (days)" input=${textInput("tierGraceDays", { inputmode: "numeric" })} />
        </div>
        <${GroupErrors} errors=${errors} path="tiers" id="rules-tiers-error" />
        ${state.tiers.map((tier, i) => html`
          <fieldset class="row tier-row" key=${`tier-${i}`} data-field=${`tiers.${i}`}>
            <legend>Tier ${i + 1}${tier.name ? `: ${tier.name}` : ""}</legend>
            <${Field} ...${f} path=${`tiers.${i}.name`} label="Name" input=${rowInput("tiers", i, "name", "text")} />
            <${Field} ...${f} path=${`tiers.${i}.threshold`} label=${`Threshold (${label(state.tierMetric).toLowerCase()})`}
              input=${rowInput("tiers", i, "threshold")} />
            <${Field} ...${f} path=${`tiers.${i}.multiplier`} label="Points multiplier" input=${rowInput("tiers", i, "multiplier")} />
            <${Field} ...${f} path=${`tiers.${i}.entryPoints`} label="Bonus on entry" input=${rowInput("tiers", i, "entryPoints", "numeric")} />
            <div class="check">
              <input type="checkbox" id=${`rules-tiers-${i}-freeShipping`} checked=${tier.freeShipping}
                onChange=${(e) => setRow("tiers", i, "freeShipping", e.currentTarget.checked)} />
              <label for=${`rules-tiers-${i}-freeShipping`}>Free shipping</label>
            </div>
            <${GroupErrors} errors=${errors} path=${`tiers.${i}`} id=${`rules-tiers-${i}-error`} />
            <button type="button" class="button button-small" onClick=${() => removeRow("tiers", i)}>
              Remove tier ${i + 1}</button>
          </fieldset>`)}
        <button type="button" class="button" onClick=${() => addRow("tiers",
          { name: "", threshold: "", multiplier: "1", entryPoints: "0", freeShipping: false })}>Add a tier</button>
      </fieldset>

      <fieldset class="panel" data-field="actions">
        <legend><h2>Actions</h2></legend>
        <p class="hint">Points for things shoppers do besides buying, such as signing up or a birthday.</p>
        <${GroupErrors} errors=${errors} path="actions" id="rules-actions-error" />
        ${state.actions.map((action, i) => html`
          <fieldset class="row" key=${`action-${i}`} data-field=${`actions.${i}`}>
            <legend>Action ${i + 1}${action.name ? `: ${action.name}` : ""}</legend>
            <${Field} ...${f} path=${`actions.${i}.name`} label="Name" input=${rowInput("actions", i, "name", "text")} />
            <${Field} ...${f} path=${`actions.${i}.points`} label="Points" input=${rowInput("actions", i, "points", "numeric")} />
            <${Field} ...${f} path=${`actions.${i}.limit`} label="Times per period" input=${rowInput("actions", i, "limit", "numeric")} />
            <${Field} ...${f} path=${`actions.${i}.periodDays`} label="Period (days, 0 for ever)" input=${rowInput("actions", i, "periodDays", "numeric")} />
            <${GroupErrors} errors=${errors} path=${`actions.${i}`} id=${`rules-actions-${i}-error`} />
            <button type="button" class="button button-small" onClick=${() => removeRow("actions", i)}>
              Remove action ${i + 1}</button>
          </fieldset>`)}
        <button type="button" class="button" onClick=${() => addRow("actions",
          { name: "", points: "0", limit: "1", periodDays: "0" })}>Add an action</button>
      </fieldset>

      <fieldset class="panel">
        <legend><h2>Referrals</h2></legend>
        <div class="grid">
          <${Field} ...${f} path="referralFriendPoints" label="Points for the friend" input=${textInput("referralFriendPoints", { inputmode: "numeric" })} />
          <${Field} ...${f} path="referralReferrerPoints" label="Points for the referrer" input=${textInput("referralReferrerPoints", { inputmode: "numeric" })} />
          <${Field} ...${f} path="referralCap" label="Most referrals rewarded per member" hint="0 for no limit." input=${textInput("referralCap", { inputmode: "numeric" })} />
        </div>
      </fieldset>

      <div class="panel publish">
        <div class="field grow">
          <label for="rules-note">Note for this version</label>
          <input id="rules-note" type="text" value=${note} onInput=${(e) => setNote(e.currentTarget.value)} />
        </div>
        <button type="submit" class="button button-primary" disabled=${busy}>${busy ? "Publishing…" : "Publish new version"}</button>
      </div>
      <${ErrorNotice} error=${failure} />
    </form>`;
}

function Versions({ versions }) {
  if (!versions.length) return null;
  return html`
    <section aria-labelledby="versions-title">
      <h2 id="versions-title">Recent versions</h2>
      <${TableWrap} label="Program versions">
        <table class="data versions-table">
          <caption class="sr-only">The newest program versions</caption>
          <thead><tr><th scope="col">Version</th><th scope="col">Effective from</th><th scope="col">Note</th><th scope="col">By</th></tr></thead>
          <tbody>
            ${versions.map((v) => html`<tr key=${v.id}>
              <th scope="row">${v.number}</th><td>${when(v.effectiveFrom)}</td><td>${v.note || "—"}</td><td>${v.actor}</td></tr>`)}
          </tbody>
        </table>
      <//>
    </section>`;
}

function rewardValue(reward) {
  switch (reward.kind) {
    case "PERCENTAGE": return `${decimal(reward.percentOff)} % off`;
    case "POINTS_TO_CASH": return `${money(reward.value)} per ${points(reward.minPoints)} points (up to ${points(reward.maxPoints)})`;
    case "FREE_SHIPPING": return "Free shipping";
    case "FREE_PRODUCT": return "Free product";
    default: return money(reward.value);
  }
}

/** Who may redeem a reward and how often, in a few words: "Gold and up · VIP · 1 per 30 days · 12 left". */
function rewardLimits(reward) {
  const parts = [];
  if (reward.minTier) parts.push(`${reward.minTier} and up`);
  if (reward.valueTiers?.length) {
    parts.push(reward.valueTiers.map((v) => VALUE_TIERS.find(([key]) => key === v)?.[1] || v).join(", "));
  }
  if (reward.earlyTier && reward.earlyStartsAt) parts.push(`${reward.earlyTier} early from ${when(reward.earlyStartsAt)}`);
  if (reward.startsAt) parts.push(`from ${when(reward.startsAt)}`);
  if (reward.perMemberLimit) {
    parts.push(`${reward.perMemberLimit} per member${reward.limitPeriodDays ? ` per ${reward.limitPeriodDays} days` : ""}`);
  }
  if (reward.stock !== null && reward.stock !== undefined) parts.push(`${reward.stockLeft} left of ${reward.stock}`);
  return parts.length ? parts.join(" · ") : "Everyone";
}

function Rewards({ rewards, currency, onChanged, tiers }) {
  const [update] = useMutation(REWARD_UPDATE, "rewardUpdate");
  const [message, setMessage] = useState("");
  const [failure, setFailure] = useState(null);
  const toggle = async (reward) => {
    setMessage("");
    setFailure(null);
    try {
      const payload = await update({ id: reward.id, active: !reward.active });
      if (payload.userErrors.length) {
        setFailure(new Error(payload.userErrors.map((e) => e.message).join(" ")));
        return;
      }
      setMessage(`${reward.name} is now ${payload.reward.active ? "active" : "inactive"}.`);
      onChanged();
    } catch (error) {
      setFailure(error);
    }
  };
  return html`
    <section aria-labelledby="rewards-title" class="panel">
      <h2 id="rewards-title">Rewards</h2>
      ${rewards.length ? html`
        <${TableWrap} label="Rewards">
          <table class="data rewards-table">
            <caption class="sr-only">Rewards, active and inactive</caption>
            <thead><tr>
              <th scope="col">Reward</th><th scope="col">Kind</th><th scope="col" class="num">Points</th>
              <th scope="col">Value</th><th scope="col">Minimum order</th><th scope="col">Who and limits</th>
              <th scope="col">Status</th><th scope="col">Action</th>
            </tr></thead>
            <tbody>
              ${rewards.map((r) => html`<tr key=${r.id} data-reward-id=${r.id}>
                <th scope="row">${r.name}</th>
                <td>${label(r.kind)}</td>
                <td class="num">${points(r.pointsCost)}</td>
                <td>${rewardValue(r)}</td>
                <td>${money(r.minimumSubtotal)}</td>
                <td class="reward-limits">${rewardLimits(r)}</td>
                <td>${r.active ? "Active" : "Inactive"}</td>
                <td><button type="button" class="button button-small" onClick=${() => toggle(r)}>
                  ${r.active ? "Deactivate" : "Activate"}<span class="sr-only"> ${r.name}</span></button></td>
              </tr>`)}
            </tbody>
          </table>
        <//>` : html`<p>No rewards yet.</p>`}
      <${ErrorNotice} error=${failure} />
      <${Status} message=${message} />
      <${RewardCreate} currency=${currency} tiers=${tiers} onCreated=${onChanged} />
    </section>`;
}

const EMPTY_REWARD = { name: "", kind: "FIXED_AMOUNT", pointsCost: "", value: "", percentOff: "", minPoints: "",
  maxPoints: "", cashPerPoint: "", productId: "", minimumSubtotal: "", validDays: "90", minTier: "", valueTiers: [],
  startsAt: "", earlyTier: "", earlyStartsAt: "", perMemberLimit: "0", limitPeriodDays: "0", stock: "" };

/** Which inputs a kind of reward takes. */
const KIND_FIELDS = {
  FIXED_AMOUNT: ["pointsCost", "value"],
  PERCENTAGE: ["pointsCost", "percentOff"],
  FREE_SHIPPING: ["pointsCost"],
  FREE_PRODUCT: ["pointsCost", "productId"],
  POINTS_TO_CASH: ["minPoints", "maxPoints", "cashPerPoint"],
};

function RewardCreate({ currency, tiers, onCreated }) {
  const [values, setValues] = useState(EMPTY_REWARD);
  const [errors, setErrors] = useState({});
  const [message, setMessage] = useState("");
  const [failure, setFailure] = useState(null);
  const [create, busy] = useMutation(REWARD_CREATE, "rewardCreate");
  const set = (name) => (event) => setValues({ ...values, [name]: event.currentTarget.value });
  const toggleValueTier = (key) => (event) => setValues({
    ...values,
    valueTiers: event.currentTarget.checked ? [...values.valueTiers, key] : values.valueTiers.filter((v) => v !== key),
  });
  const shown = KIND_FIELDS[values.kind];

  const submit = async (event) => {
    event.preventDefault();
    setMessage("");
    setFailure(null);
    const found = {};
    const input = { name: values.name.trim(), kind: values.kind };
    if (!input.name) found.name = ["Give the reward a name."];
    const ints = ["pointsCost", "minPoints", "maxPoints", "validDays"];
    for (const name of [...shown, "minimumSubtotal", "validDays"]) {
      const raw = values[name].trim();
      if (!raw) continue;
      if (ints.includes(name)) {
        if (!WHOLE.test(raw)) found[name] = ["Enter a whole number."];
        else input[name] = Number(raw);
      } else if (name === "productId") {
        input[name] = raw;
      } else if (!NUMBER.test(raw)) {
        found[name] = ["Enter a number, e.g. 5 or 2.50."];
      } else {
        input[name] = raw;
      }
    }
    if (values.minTier) input.minTier = values.minTier;
    if (values.valueTiers.length) input.valueTiers = values.valueTiers;
    if (values.earlyTier) input.earlyTier = values.earlyTier;
    for (const name of ["startsAt", "earlyStartsAt"]) {
      const raw = values[name].trim();
      if (!raw) continue;
      const at = new Date(raw);
      if (Number.isNaN(at.getTime())) found[name] = ["Enter a date and time."];
      else input[name] = at.toISOString();
    }
    for (const name of ["perMemberLimit", "limitPeriodDays", "stock"]) {
      const raw = values[name].trim();
      if (!raw) continue;
      if (!WHOLE.test(raw)) found[name] = ["Enter a whole number."];
      else input[name] = Number(raw);
    }
    setErrors(found);
    if (Object.keys(found).length) return;
    try {
      const payload = await create(input);
      if (payload.userErrors.length) {
        setErrors(errorsByField(payload.userErrors));
        return;
      }
      setValues(EMPTY_REWARD);
      setMessage(`Created the reward ${payload.reward.name}.`);
      onCreated();
    } catch (error) {
      setFailure(error);
    }
  };

  const f = { prefix: "reward", errors };
  const input = (name, mode = "decimal") => (a) => html`
    <input ...${a} type="text" inputmode=${mode === "text" ? undefined : mode} value=${values[name]} onInput=${set(name)} />`;
  return html`
    <form class="reward-form" onSubmit=${submit} novalidate aria-labelledby="reward-create-title">
      <h3 id="reward-create-title">New reward</h3>
      <${ErrorSummary} errors=${errors} prefix="reward" title="The reward was not created" />
      <div class="grid">
        <${Field} ...${f} path="name" label="Name" input=${input("name", "text")} />
        <${Field} ...${f} path="kind" label="Kind" input=${(a) => html`
          <select ...${a} value=${values.kind} onChange=${set("kind")}>
            ${REWARD_KINDS.map((k) => html`<option value=${k}>${label(k)}</option>`)}
          </select>`} />
        ${shown.includes("pointsCost") && html`<${Field} ...${f} path="pointsCost" label="Points cost" input=${input("pointsCost", "numeric")} />`}
        ${shown.includes("value") && html`<${Field} ...${f} path="value" label=${`Amount off (${currency})`} input=${input("value")} />`}
        ${shown.includes("percentOff") && html`<${Field} ...${f} path="percentOff" label="Percent off" input=${input("percentOff")} />`}
        ${shown.includes("productId") && html`<${Field} ...${f} path="productId" label="Product id" hint="gid://rapport/Product/…" input=${input("productId", "text")} />`}
        ${shown.includes("minPoints") && html`<${Field} ...${f} path="minPoints" label="Fewest points" input=${input("minPoints", "numeric")} />`}
        ${shown.includes("maxPoints") && html`<${Field} ...${f} path="maxPoints" label="Most points" input=${input("maxPoints", "numeric")} />`}
        ${shown.includes("cashPerPoint") && html`<${Field} ...${f} path="cashPerPoint" label=${`${currency} per point`} input=${input("cashPerPoint")} />`}
        <${Field} ...${f} path="minimumSubtotal" label=${`Minimum order (${currency})`} hint="Optional." input=${input("minimumSubtotal")} />
        <${Field} ...${f} path="validDays" label="Code valid for (days)" input=${input("validDays", "numeric")} />
      </div>
      <fieldset class="reward-eligibility">
        <legend>Who may redeem it, and how often</legend>
        <div class="grid">
          <${Field} ...${f} path="minTier" label="Lowest tier" hint="Members of this tier and above; the others see it locked." input=${(a) => html`
            <select ...${a} value=${values.minTier} onChange=${set("minTier")}>
              <option value="">Every member</option>
              ${tiers.map((t) => html`<option value=${t}>${t}</option>`)}
            </select>`} />
          <${Field} ...${f} path="startsAt" label="Launch (your local time)" hint="Optional: redeemable from then." input=${(a) => html`
            <input ...${a} type="datetime-local" value=${values.startsAt} onInput=${set("startsAt")} />`} />
          <${Field} ...${f} path="earlyTier" label="Early access tier" hint="This tier and above may redeem before the launch." input=${(a) => html`
            <select ...${a} value=${values.earlyTier} onChange=${set("earlyTier")}>
              <option value="">No early access</option>
              ${tiers.map((t) => html`<option value=${t}>${t}</option>`)}
            </select>`} />
          <${Field} ...${f} path="earlyStartsAt" label="Early access from (your local time)" input=${(a) => html`
            <input ...${a} type="datetime-local" value=${values.earlyStartsAt} onInput=${set("earlyStartsAt")} />`} />
          <${Field} ...${f} path="perMemberLimit" label="Redemptions per member" hint="0 for no limit." input=${input("perMemberLimit", "numeric")} />
          <${Field} ...${f} path="limitPeriodDays" label="Limit period (days)" hint="Rolling; 0 for ever." input=${input("limitPeriodDays", "numeric")} />
          <${Field} ...${f} path="stock" label="Stock" hint="Codes it may ever issue; empty for no limit." input=${input("stock", "numeric")} />
        </div>
        <fieldset class="value-tiers" data-field="valueTiers" aria-describedby="reward-valueTiers-hint">
          <legend>Customer value tiers</legend>
          <p class="hint" id="reward-valueTiers-hint">Only these customers may redeem it; none checked for everyone.</p>
          ${VALUE_TIERS.map(([key, caption]) => html`
            <label class="check"><input type="checkbox" name="valueTiers" value=${key}
              checked=${values.valueTiers.includes(key)} onChange=${toggleValueTier(key)} /> ${caption}</label>`)}
          <${GroupErrors} errors=${errors} path="valueTiers" id="reward-valueTiers-error" />
        </fieldset>
      </fieldset>
      <button type="submit" class="button button-primary" disabled=${busy}>${busy ? "Creating…" : "Create reward"}</button>
      <${ErrorNotice} error=${failure} />
      <${Status} message=${message} />
    </form>`;
}
