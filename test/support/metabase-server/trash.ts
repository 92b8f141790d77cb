import type { ServerContext } from "./context.js";
import { plainError } from "./errors.js";
import type { Card, Collection, Dashboard, MetabaseState } from "./state.js";

/**
 * Archiving, as each modelled version ships it.
 *
 * v0.50 (the Trash was taken out of that release: issue #43159, PR #43146) keeps the old archive: a flag. An
 * archived collection takes its subtree and every card and dashboard in it along; unarchiving it brings them
 * all back; a card is unarchived in place even when its collection is archived (it then "disappears", as
 * PR #42654's discussion recalls). No `archived_directly`, no `can_restore`.
 *
 * v51+ (PR #42339 and the data model of PR #42845): the same flag plus `archived_directly`; an item archived
 * with its collection comes back with it, one archived on its own does not; the Trash is a collection that
 * the archived collection list includes, that `GET /api/card/:id` and `GET /api/dashboard/:id` report as the
 * `collection_id` of an item archived directly; `can_restore` says whether `archived: false` alone can bring
 * an item back (not when its collection is in the Trash: it then needs a new `collection_id`).
 */

export const TRASH_NAME = "Trash";

export function trashJson(state: MetabaseState): Record<string, unknown> | undefined {
  if (state.trashCollectionId === undefined) return undefined;
  return {
    id: state.trashCollectionId,
    name: TRASH_NAME,
    type: "trash",
    slug: "trash",
    location: "/",
    parent_id: null,
    archived: false,
    namespace: null,
    authority_level: null,
    personal_owner_id: null,
    is_personal: false,
    can_write: true,
  };
}

/** Archiving a collection takes its subtree and contents along; unarchiving brings back what went with it. */
export function setCollectionArchived(ctx: ServerContext, collection: Collection, archived: boolean): void {
  const { state } = ctx;
  const trash = ctx.features.trash;
  const subtree = state.subtree(collection.id);
  const ids = new Set(subtree.map((c) => c.id));
  for (const c of subtree) {
    if (c === collection) {
      c.archived = archived;
      c.archived_directly = trash && archived ? true : null;
    } else if (!trash || (archived ? !c.archived : c.archived_directly === false)) {
      c.archived = archived;
      c.archived_directly = trash && archived ? false : null;
    }
  }
  const items: (Card | Dashboard)[] = [...state.cards.values(), ...state.dashboards.values()];
  for (const item of items) {
    if (item.collection_id === null || !ids.has(item.collection_id)) continue;
    if (!trash) item.archived = archived;
    else if (archived && !item.archived) {
      item.archived = true;
      item.archived_directly = false;
    } else if (!archived && item.archived && !item.archived_directly) {
      item.archived = false;
    }
  }
}

function collectionArchived(state: MetabaseState, collectionId: number | null): boolean {
  return collectionId !== null && state.collections.get(collectionId)?.archived === true;
}

/** `can_restore` (v51+): archived on its own, and its collection is not in the Trash. */
export function canRestore(state: MetabaseState, item: Card | Dashboard): boolean {
  return item.archived && item.archived_directly && !collectionArchived(state, item.collection_id);
}

/**
 * `PUT {archived}` on a card or dashboard (after the body's `collection_id`, if any, was applied). From v51,
 * `archived: false` on an item whose collection is in the Trash is refused unless the request moves it.
 */
export function setItemArchived(
  ctx: ServerContext,
  item: Card | Dashboard,
  archived: boolean,
  movedTo: number | null | undefined,
): void {
  if (archived === item.archived) return;
  if (
    !archived &&
    ctx.features.trash &&
    movedTo === undefined &&
    collectionArchived(ctx.state, item.collection_id)
  ) {
    // The changelog's "an error will occur"; the exact wording was not read in the source.
    throw plainError(
      400,
      "Cannot restore an item whose collection is in the Trash: give it a new collection_id.",
    );
  }
  item.archived = archived;
  item.archived_directly = archived;
}

/** What `GET /api/card/:id` and `GET /api/dashboard/:id` say about an archived item, per version. */
export function trashFields(state: MetabaseState, item: Card | Dashboard): Record<string, unknown> {
  if (state.trashCollectionId === undefined) return {};
  const inTrash = item.archived && item.archived_directly;
  return {
    archived_directly: item.archived ? item.archived_directly : null,
    can_restore: canRestore(state, item),
    ...(inTrash ? { collection_id: state.trashCollectionId, collection: trashJson(state) } : {}),
  };
}
