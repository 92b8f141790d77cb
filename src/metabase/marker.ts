/**
 * The ownership marker: the last line of every managed object's description is `pilotage:<key>`.
 *
 * Why a marker at all: the key → id table of the gateway database is the primary mapping, but it can be lost
 * (new database, restore from an older backup) and a failed `apply` may have created objects before writing
 * it. The marker makes every object the tool created recognisable from Metabase alone, so the mapping is
 * rebuilt by listing the managed collections — no duplicate is ever created and no embed id changes.
 *
 * Why the description: it is the one free-text field that cards, dashboards and collections all have, on
 * every Metabase version, that the API accepts on create and that the UI carries over on edit. OSS
 * `entity_id`s cannot be chosen on create before the newest versions, so they cannot say which key an
 * object is for; they are recorded in the table as a cross-check instead. The cost is one visible line in
 * the object's description, which also tells a UI editor that the object is managed from files.
 */
const MARKER_LINE = /(?:^|\n)pilotage:(\S+)[ \t]*$/;

export function withMarker(text: string | undefined, key: string): string {
  const body = (text ?? "").trim();
  return body ? `${body}\n\npilotage:${key}` : `pilotage:${key}`;
}

/** Splits a description into the human text and the key of its marker, if any. */
export function readMarker(description: string | null | undefined): {
  text: string;
  key: string | undefined;
} {
  const value = (description ?? "").replace(/\s+$/, "");
  const m = MARKER_LINE.exec(value);
  if (!m) return { text: value.trim(), key: undefined };
  return { text: value.slice(0, m.index).trim(), key: m[1] };
}
