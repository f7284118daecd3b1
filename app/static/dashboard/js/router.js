// Hash routes: the app is one static page, so the server never needs to know its paths.
//   #/                 overview
//   #/members?...      members, filters and cursor in the query
//   #/members/<id>     one member (the global id, URI-encoded)
//   #/campaigns        campaigns, and a new one from a built-in kind
//   #/campaigns/<id>   one campaign: preview, launch, results
//   #/referrals        the referral report and the review queue
//   #/feedback?...     NPS, CSAT, topics, complaint figures, alerts, and people by feedback
//   #/complaints?...   complaints, filtered by status and breach
//   #/complaints/<id>  one complaint: thread, reply, note, handling
//   #/value            value tiers (VIP, regular, at risk, lost) and their thresholds
//   #/retention?...    retention and repeat purchase per month (store, period)
//   #/cohorts?...      the cohort matrix as a heatmap (store, period, share or revenue)
//   #/impact?...       members against non-members: raw, matched, pre/post, ROI, campaign holdouts
//   #/worth?...        CLV by cohort, store and platform; value-tier revenue share and flows
//   #/settings         program settings
//   #/sync             sync health
import { useEffect, useState } from "preact/hooks";

export function parse(hash = location.hash) {
  const raw = hash.replace(/^#/, "") || "/";
  const [path, query = ""] = raw.split("?");
  const params = Object.fromEntries(new URLSearchParams(query));
  const parts = path.split("/").filter(Boolean);
  if (parts[0] === "members" && parts[1]) return { name: "member", id: decodeURIComponent(parts[1]), params, path };
  if (parts[0] === "campaigns" && parts[1]) return { name: "campaign", id: decodeURIComponent(parts[1]), params, path };
  if (parts[0] === "complaints" && parts[1]) return { name: "complaint", id: decodeURIComponent(parts[1]), params, path };
  const name = { members: "members", campaigns: "campaigns", referrals: "referrals", value: "value", settings: "settings", sync: "sync",
    feedback: "feedback", complaints: "complaints", retention: "retention", cohorts: "cohorts", impact: "impact",
    worth: "worth" }[parts[0]] || "overview";
  return { name, params, path };
}

export function href(name, { id, params } = {}) {
  const base = { overview: "#/", members: "#/members", member: `#/members/${encodeURIComponent(id || "")}`,
    campaigns: "#/campaigns", campaign: `#/campaigns/${encodeURIComponent(id || "")}`,
    referrals: "#/referrals", value: "#/value", settings: "#/settings", sync: "#/sync",
    feedback: "#/feedback", complaints: "#/complaints", retention: "#/retention", cohorts: "#/cohorts",
    impact: "#/impact", worth: "#/worth", complaint: `#/complaints/${encodeURIComponent(id || "")}` }[name];
  const query = params ? new URLSearchParams(Object.entries(params).filter(([, v]) => v !== undefined && v !== null && v !== "")).toString() : "";
  return query ? `${base}?${query}` : base;
}

export function navigate(name, options) {
  location.hash = href(name, options);
}

export function useRoute() {
  const [route, setRoute] = useState(() => parse());
  useEffect(() => {
    const changed = () => setRoute(parse());
    window.addEventListener("hashchange", changed);
    return () => window.removeEventListener("hashchange", changed);
  }, []);
  return route;
}
