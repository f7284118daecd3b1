// Settings → Reviews: how a review app or the store's own server posts reviews that earn the
// program's "review" action (POST /hooks/reviews, signed with the store's review secret). The
// secret stays hidden until asked for, since anyone holding it can earn points for any shopper.
import { useState } from "preact/hooks";

import { ErrorNotice, Loading } from "../components.js";
import { useQuery } from "../data.js";
import { REVIEW_INTAKE } from "../documents.js";
import { html } from "../html.js";

export function ReviewIntake() {
  const { data, error, loading, reload } = useQuery(REVIEW_INTAKE);
  const stores = data?.stores.nodes || [];
  return html`
    <section aria-labelledby="reviews-title" class="review-intake">
      <h2 id="reviews-title">Reviews</h2>
      <p>
        Shoppers earn the program's <code>review</code> action when your review app or your own server posts
        their review to Rapport; the widget cannot claim it. Each post is JSON signed with HMAC-SHA256 of the
        raw body under the store's review secret, with <code>issued_at</code> (Unix seconds, within 5 minutes)
        and a new <code>nonce</code>. A <code>review_id</code> earns once; the action's limit per period applies.
      </p>
      <${ErrorNotice} error=${error} retry=${reload} />
      ${loading && !data ? html`<${Loading} what="the review endpoint" />` : null}
      ${data && !stores.length ? html`<p>Connect a store first.</p>` : null}
      ${stores.map((store) => html`<${StoreIntake} key=${store.id} store=${store} />`)}
    </section>`;
}

function StoreIntake({ store }) {
  const [shown, setShown] = useState(false);
  const intake = store.reviewIntake;
  const hidden = intake.example.replace(intake.secret, "<your review secret>");
  return html`
    <div class="review-intake-store">
      <h3>${store.name}</h3>
      <dl>
        <dt>Endpoint</dt><dd><code>POST ${intake.url}</code></dd>
        <dt>Store</dt><dd><code>${intake.storeKey}</code></dd>
        <dt>Signature header</dt><dd><code>${intake.signatureHeader}</code></dd>
        <dt>Review secret</dt>
        <dd>
          ${shown ? html`<code>${intake.secret}</code>` : html`<span>hidden</span>`}
          ${" "}<button type="button" class="secondary" aria-pressed=${shown}
            onClick=${() => setShown(!shown)}>${shown ? "Hide secret" : "Show secret"}</button>
        </dd>
      </dl>
      <p>Try it from a shell (replace the customer, product and review id with real ones):</p>
      <pre class="example" tabindex="0" aria-label=${`Example request for ${store.name}`}><code>${shown ? intake.example : hidden}</code></pre>
    </div>`;
}
