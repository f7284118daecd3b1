// The admin GraphQL API over HTTP. Every call goes through `request`, which turns the
// transport's outcomes into two errors the pages show: AuthRequired (the sign-in form) and
// ApiError (a message with a retry).
import { bearer, forgetKey } from "./auth.js";

export const ENDPOINT = "/graphql/admin";
export const AUTH_EVENT = "rapport:auth-required";

export class AuthRequired extends Error {}
export class ApiError extends Error {}

export async function request(query, variables = {}) {
  const token = await bearer();
  if (!token) throw signInNeeded("Sign in with a merchant API key to open the dashboard.");
  let response;
  try {
    response = await fetch(ENDPOINT, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        accept: "application/graphql-response+json, application/json",
        authorization: `Bearer ${token}`,
      },
      body: JSON.stringify({ query, variables }),
    });
  } catch {
    throw new ApiError("The Rapport server could not be reached. Check the connection and try again.");
  }
  let body = null;
  try {
    body = await response.json();
  } catch {
    body = null;
  }
  const messages = (body?.errors || []).map((e) => e.message).filter(Boolean);
  if (response.status === 401 || response.status === 403) {
    throw signInNeeded(messages[0] || "The API key was not accepted.");
  }
  if (!body || (!response.ok && !body.data)) {
    throw new ApiError(messages[0] || `The server answered ${response.status}; try again in a moment.`);
  }
  if (messages.length) throw new ApiError(messages.join(" "));
  return body.data;
}

export function signInNeeded(message) {
  forgetKey();
  window.dispatchEvent(new CustomEvent(AUTH_EVENT, { detail: message }));
  return new AuthRequired(message);
}

/** A user error's field path, without the "input" root, as "tiers.1.threshold". */
export function fieldKey(error) {
  const path = (error.field || []).filter((part) => part !== "input");
  return path.map((part) => String(part).replace(/_([a-z])/g, (_, c) => c.toUpperCase())).join(".");
}

/** userErrors grouped by field key; errors without a field go under "". */
export function errorsByField(userErrors, strip = []) {
  const found = {};
  for (const error of userErrors || []) {
    let key = fieldKey(error);
    for (const prefix of strip) {
      if (key === prefix) key = "";
      else if (key.startsWith(`${prefix}.`)) key = key.slice(prefix.length + 1);
    }
    (found[key] ||= []).push(error.message);
  }
  return found;
}
