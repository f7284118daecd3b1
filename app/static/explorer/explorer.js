// The API explorer: the vendored GraphiQL over the admin API, signed in with a merchant API key.
// The key comes from a pasted form or a demo link's `#key=...` (dropped from the address bar at
// once), is kept in sessionStorage (gone with the tab) and is sent as a bearer token by our own
// fetcher, never through GraphiQL's header editor, which GraphiQL may persist.
(() => {
  "use strict";

  const ENDPOINT = "/graphql/admin";
  const STORAGE_KEY = "rapport.adminKey"; // the dashboard's slot: one sign-in per tab for both
  const DEFAULT_QUERY = `# Rapport's admin API. Ctrl-Enter runs the query; "Docs" lists every type and field.
{
  merchant {
    name
  }
  stores(first: 5) {
    edges {
      node {
        name
        platform
        installState
        health
      }
    }
  }
}
`;

  const $ = (id) => document.getElementById(id);
  let root = null;

  function takeKeyFromFragment() {
    const match = location.hash.match(/^#key=([^&]+)/);
    if (!match) return;
    sessionStorage.setItem(STORAGE_KEY, decodeURIComponent(match[1]).trim());
    history.replaceState(null, "", `${location.pathname}${location.search}`);
  }

  function key() {
    return sessionStorage.getItem(STORAGE_KEY);
  }

  /** GraphiQL's fetcher: POST with the admin credential; a refused key returns to the form. */
  async function fetcher(params, options) {
    const response = await fetch(ENDPOINT, {
      method: "POST",
      credentials: "omit",
      headers: {
        "content-type": "application/json",
        accept: "application/graphql-response+json, application/json",
        ...(options && options.headers),
        authorization: `Bearer ${key()}`,
      },
      body: JSON.stringify(params),
    });
    let body;
    try {
      body = await response.json();
    } catch {
      body = { errors: [{ message: `the server answered ${response.status} without a GraphQL body` }] };
    }
    if (response.status === 401) {
      const reason = body.errors && body.errors[0] && body.errors[0].message;
      setTimeout(() => signOut(`The key was refused: ${reason || "unauthenticated"}.`), 0);
    }
    return body;
  }

  function showExplorer() {
    $("sign-in").hidden = true;
    $("who").hidden = false;
    $("graphiql").hidden = false;
    if (root) return;
    root = ReactDOM.createRoot($("graphiql"));
    root.render(React.createElement(GraphiQL, {
      fetcher,
      defaultQuery: DEFAULT_QUERY,
      defaultEditorToolsVisibility: false,
      shouldPersistHeaders: false,
    }));
  }

  function signOut(reason) {
    sessionStorage.removeItem(STORAGE_KEY);
    if (root) {
      root.unmount();
      root = null;
    }
    $("graphiql").hidden = true;
    $("who").hidden = true;
    $("sign-in").hidden = false;
    $("reason").textContent = reason || "";
    $("key").focus();
  }

  function start() {
    takeKeyFromFragment();
    $("key-form").addEventListener("submit", (event) => {
      event.preventDefault();
      const pasted = $("key").value.trim();
      if (!pasted) return;
      sessionStorage.setItem(STORAGE_KEY, pasted);
      $("key").value = "";
      $("reason").textContent = "";
      showExplorer();
    });
    $("sign-out").addEventListener("click", () => signOut());
    if (key()) showExplorer();
    else signOut();
  }

  start();
})();
