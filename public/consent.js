// Audience measurement with consent (docs/legal.md). Matomo's tracker is loaded from the configured origin
// only after the visitor accepts in the DSFR consent banner; the choice stays in this browser for six
// months, then the banner asks again. Matomo receives the page's route (/notes/:key), never its address
// with identifiers or filter values.
const KEY = "pilotage:consentement:mesure-audience";
const SIX_MONTHS_MS = 183 * 24 * 60 * 60 * 1000;

const banner = document.getElementById("consentement");
if (banner) {
  const matomoUrl = banner.dataset.matomoUrl;
  const siteId = banner.dataset.matomoSite;
  const route = banner.dataset.route || "/";

  const stored = () => {
    try {
      const value = JSON.parse(localStorage.getItem(KEY) || "null");
      const fresh = value && Date.now() - Date.parse(value.le) < SIX_MONTHS_MS;
      return fresh && (value.choix === "accepte" || value.choix === "refuse") ? value.choix : null;
    } catch {
      return null;
    }
  };
  const remember = (choix) => {
    try {
      localStorage.setItem(KEY, JSON.stringify({ choix, le: new Date().toISOString() }));
    } catch {
      // A browser that stores nothing asks again on the next page; nothing is measured meanwhile.
    }
  };

  let loaded = false;
  const loadTracker = () => {
    if (loaded) return;
    loaded = true;
    const referrer = document.referrer && new URL(document.referrer);
    const paq = (window._paq = window._paq || []);
    paq.push(["setTrackerUrl", `${matomoUrl}/matomo.php`]);
    paq.push(["setSiteId", siteId]);
    paq.push(["setCustomUrl", `${location.origin}${route}`]);
    // A referrer of our own carries filter values: only its origin is kept.
    if (referrer && referrer.origin === location.origin) paq.push(["setReferrerUrl", location.origin]);
    paq.push(["trackPageView"]);
    paq.push(["enableLinkTracking"]);
    const script = document.createElement("script");
    script.async = true;
    script.src = `${matomoUrl}/matomo.js`;
    document.head.appendChild(script);
  };
  const forgetTracker = () => {
    for (const cookie of document.cookie.split(";")) {
      const name = cookie.split("=")[0].trim();
      if (/^(_pk_|mtm_)/.test(name)) document.cookie = `${name}=; Max-Age=0; path=/`;
    }
  };

  const choose = (choix) => {
    remember(choix);
    banner.hidden = true;
    if (choix === "accepte") loadTracker();
    else forgetTracker();
  };
  banner
    .querySelector('[data-pilotage-consentement="accepter"]')
    .addEventListener("click", () => choose("accepte"));
  banner
    .querySelector('[data-pilotage-consentement="refuser"]')
    .addEventListener("click", () => choose("refuse"));
  for (const button of document.querySelectorAll('[data-pilotage-consentement="ouvrir"]')) {
    button.hidden = false;
    button.addEventListener("click", () => {
      banner.hidden = false;
      banner.querySelector("button").focus();
    });
  }

  const choice = stored();
  if (choice === "accepte") loadTracker();
  else if (choice === null) banner.hidden = false;
}
