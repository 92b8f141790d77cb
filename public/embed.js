// Dashboard page: sizes the Metabase frame to its content and renews the signed URL before the token
// expires, without losing the viewer's place.
//
// Metabase's embed frame posts `{metabase: {type: "frame", frame: {height}}}` when its height changes and
// `{metabase: {type: "location", location: {search, ...}}}` when its URL (the editable filter values)
// changes. Only messages from the Metabase origin are read.

const RENEW_BEFORE_MS = 90_000;
const IDLE_MS = 5_000;
const RETRY_MS = 15_000;

function setup(frame) {
  const key = frame.dataset.dashboardKey;
  // The territory the viewer narrowed to (issue 19): asked for again at each renewal, so the new token
  // carries the same narrowed locks. The server checks it against the perimeter every time.
  const territory = frame.dataset.territory || "";
  const status = document.getElementById(frame.dataset.statusId);
  const origin = new URL(frame.src).origin;
  let expiresAt = Date.parse(frame.dataset.expiresAt);
  let filters = new URL(frame.src).search;
  let lastActivity = Date.now();
  let pending = null;

  window.addEventListener("message", (event) => {
    if (event.origin !== origin || event.source !== frame.contentWindow) return;
    const message = event.data && event.data.metabase;
    if (!message) return;
    if (message.type === "frame" && message.frame && Number.isFinite(message.frame.height)) {
      frame.style.height = `${Math.max(400, Math.ceil(message.frame.height))}px`;
    }
    if (message.type === "location" && message.location && typeof message.location.search === "string") {
      filters = message.location.search;
    }
  });

  for (const type of ["pointerdown", "keydown", "wheel", "touchstart"]) {
    window.addEventListener(type, () => (lastActivity = Date.now()), { passive: true });
  }

  function say(text) {
    if (!status) return;
    status.textContent = text;
    status.hidden = !text;
  }

  async function fetchFreshUrl() {
    const query = territory ? `?${territory}` : "";
    const response = await fetch(`/api/dashboards/${encodeURIComponent(key)}/embed${query}`, {
      headers: { Accept: "application/json" },
      credentials: "same-origin",
    });
    if (response.status === 401) throw Object.assign(new Error("session"), { final: true });
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    return response.json();
  }

  // The editable filter values the viewer chose travel from the old URL to the new one; locked values
  // are only ever in the token, which the server signs.
  function withFilters(url) {
    const fresh = new URL(url);
    if (filters) fresh.search = filters;
    return fresh.toString();
  }

  function swapWhenIdle(next) {
    const mustSwapBy = expiresAt;
    const trySwap = () => {
      const idle = Date.now() - lastActivity >= IDLE_MS;
      const visible = document.visibilityState === "visible";
      if ((idle && visible) || Date.now() >= mustSwapBy - 5_000) {
        frame.src = withFilters(next.url);
        expiresAt = Date.parse(next.expires_at);
        pending = null;
        schedule();
      } else {
        setTimeout(trySwap, 1_000);
      }
    };
    trySwap();
  }

  async function renew() {
    try {
      pending = await fetchFreshUrl();
      say("");
      swapWhenIdle(pending);
    } catch (error) {
      if (error.final) {
        say("Votre session a expiré : rechargez la page pour vous reconnecter.");
        return;
      }
      say("Le tableau de bord n'a pas pu être renouvelé ; nouvel essai dans quelques secondes.");
      setTimeout(renew, RETRY_MS);
    }
  }

  function schedule() {
    const delay = Math.max(1_000, expiresAt - Date.now() - RENEW_BEFORE_MS);
    setTimeout(renew, delay);
  }

  schedule();
}

for (const frame of document.querySelectorAll("iframe[data-embed-frame]")) setup(frame);
