// Loading a query into a page: data, error and a reload, re-run when the variables change.
import { useCallback, useEffect, useRef, useState } from "preact/hooks";

import { AuthRequired, request } from "./api.js";

export function useQuery(document, variables = {}) {
  const key = JSON.stringify(variables);
  const [state, setState] = useState({ data: null, error: null, loading: true });
  const latest = useRef(0);

  const load = useCallback(async () => {
    const ticket = ++latest.current;
    setState((previous) => ({ ...previous, loading: true, error: null }));
    try {
      const data = await request(document, JSON.parse(key));
      if (ticket === latest.current) setState({ data, error: null, loading: false });
    } catch (error) {
      if (ticket !== latest.current) return;
      // AuthRequired already switched the app to the sign-in form.
      setState((previous) => ({ ...previous, error: error instanceof AuthRequired ? null : error, loading: false }));
    }
  }, [document, key]);

  useEffect(() => {
    load();
  }, [load]);

  return { ...state, reload: load };
}

/** Runs a mutation; the caller reads its payload (userErrors included). */
export function useMutation(document, field) {
  const [busy, setBusy] = useState(false);
  const run = useCallback(async (input) => {
    setBusy(true);
    try {
      const data = await request(document, { input });
      return data[field];
    } finally {
      setBusy(false);
    }
  }, [document, field]);
  return [run, busy];
}
