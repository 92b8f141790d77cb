import {
  Document,
  isCollection,
  isMap,
  isPair,
  isScalar,
  parseDocument,
  type Node,
  type Pair,
  type YAMLMap,
} from "yaml";
import { sameJson } from "./normalize.js";

/**
 * Edits a YAML text in place: each edited value is re-written where it stands, and every byte around it
 * is kept — untouched descriptions stay folded as their author folded them, comments and quoting stay, and
 * a file with nothing to change comes back identical. (Re-printing the whole document, as the yaml
 * library does, re-folds long lines and re-quotes strings all over the file.) An edited scalar keeps its
 * style: a `>` block stays a `>` block, a quoted string stays quoted, a flow list stays a flow list.
 */
export interface YamlEdit {
  path: ReadonlyArray<string | number>;
  /** The new value; undefined, null or "" removes the key. */
  value: unknown;
}

/** Folded and wrapped text stays within the project's print width (.prettierrc.json). */
const LINE_WIDTH = 110;

interface Splice {
  start: number;
  end: number;
  text: string;
}

export function editYaml(text: string, edits: readonly YamlEdit[]): string {
  const doc = parseDocument(text);
  const splices: Splice[] = [];
  for (const edit of edits) {
    const splice = spliceFor(text, doc, edit);
    if (splice === "unsupported") return fallback(text, edits);
    if (splice) splices.push(splice);
  }
  splices.sort((a, b) => b.start - a.start);
  let out = text;
  for (const { start, end, text: replacement } of splices) {
    out = out.slice(0, start) + replacement + out.slice(end);
  }
  return out;
}

const removes = (value: unknown) => value === undefined || value === null || value === "";

function spliceFor(text: string, doc: Document, edit: YamlEdit): Splice | "unsupported" | undefined {
  const parentPath = edit.path.slice(0, -1);
  const key = edit.path.at(-1);
  const parent = parentPath.length === 0 ? doc.contents : doc.getIn(parentPath, true);
  if (isMap(parent) && typeof key === "string" && parent.flow)
    return flowSplice(text, parent, key, edit.value);
  if (!isMap(parent) || typeof key !== "string" || parent.flow) return "unsupported";
  const pair = parent.items.find((item) => isScalar(item.key) && item.key.value === key);
  if (!pair) {
    if (removes(edit.value)) return undefined;
    return insertion(text, parent, key, edit.value);
  }
  const valueNode = pair.value as Node | null;
  const current = isScalar(valueNode) || isCollection(valueNode) ? valueNode.toJSON() : null;
  if (removes(edit.value)) return removal(text, pair);
  if (sameJson(current, edit.value)) return undefined;
  const keyNode = pair.key as Node | null;
  if (!keyNode?.range || !valueNode?.range) return "unsupported";
  const start = keyNode.range[0];
  const end = valueNode.range[1];
  const column = start - lineStart(text, start);
  let rendered = renderPair(key, edit.value, valueNode, column);
  // Block values end with their line's newline, plain ones before it (and before a trailing comment).
  if (text[end - 1] !== "\n") rendered = rendered.replace(/\n$/, "");
  return { start, end, text: rendered };
}

/** `key: value` as the yaml library prints it, in the original's style, indented to sit at `column`. */
function renderPair(key: string, value: unknown, original: Node | null, column: number): string {
  const doc = new Document({ [key]: blockNewline(value, original) });
  const node = (doc.contents as YAMLMap).items[0]?.value;
  if (isScalar(node) && isScalar(original) && original.type && typeof value === "string") {
    node.type = original.type;
  }
  if (isCollection(node) && isCollection(original) && original.flow) node.flow = true;
  const printed = doc.toString({
    flowCollectionPadding: false,
    lineWidth: Math.max(40, LINE_WIDTH - column),
  });
  return indentAfterFirstLine(printed, column);
}

/** A block scalar's text keeps its final newline when the original had one (`>` rather than `>-`). */
function blockNewline(value: unknown, original: Node | null): unknown {
  if (typeof value !== "string" || !isScalar(original) || !original.type?.startsWith("BLOCK")) return value;
  const hadNewline = typeof original.value === "string" && original.value.endsWith("\n");
  return hadNewline && !value.endsWith("\n") ? `${value}\n` : value;
}

function insertion(text: string, parent: YAMLMap, key: string, value: unknown): Splice | "unsupported" {
  const first = parent.items[0];
  const last = parent.items.at(-1);
  const firstKey = first?.key as Node | null | undefined;
  if (!first || !last || !firstKey?.range) return "unsupported";
  const column = firstKey.range[0] - lineStart(text, firstKey.range[0]);
  const at = lineEndAfter(text, pairEnd(last));
  const rendered = `${" ".repeat(column)}${renderPair(key, value, null, column).replace(/\n?$/, "\n")}`;
  return { start: at, end: at, text: at > 0 && text[at - 1] !== "\n" ? `\n${rendered}` : rendered };
}

function removal(text: string, pair: Pair): Splice | "unsupported" {
  const keyNode = pair.key as Node | null;
  if (!keyNode?.range) return "unsupported";
  const start = lineStart(text, keyNode.range[0]);
  return { start, end: lineEndAfter(text, pairEnd(pair)), text: "" };
}

function pairEnd(pair: unknown): number {
  if (!isPair(pair)) return 0;
  const value = pair.value as Node | null;
  const key = pair.key as Node | null;
  return value?.range?.[2] ?? key?.range?.[2] ?? 0;
}

function lineStart(text: string, offset: number): number {
  return text.lastIndexOf("\n", offset - 1) + 1;
}

/** The offset just after the newline that ends the line holding `offset - 1` (or the text's end). */
function lineEndAfter(text: string, offset: number): number {
  if (offset > 0 && text[offset - 1] === "\n") return offset;
  const newline = text.indexOf("\n", offset);
  return newline < 0 ? text.length : newline + 1;
}

function indentAfterFirstLine(printed: string, column: number): string {
  if (column === 0) return printed;
  const pad = " ".repeat(column);
  return printed
    .split("\n")
    .map((line, index) => (index === 0 || line === "" ? line : `${pad}${line}`))
    .join("\n");
}

/**
 * A scalar of a one-line flow map (`- { name: mois, label: Mois, kind: month }`, a question's columns):
 * its value re-written where it stands, or a new `key: value` before the closing brace; anything else is
 * not spliced.
 */
function flowSplice(
  text: string,
  parent: YAMLMap,
  key: string,
  value: unknown,
): Splice | "unsupported" | undefined {
  if (typeof value !== "string" && typeof value !== "number" && typeof value !== "boolean")
    return "unsupported";
  const pair = parent.items.find((item) => isScalar(item.key) && item.key.value === key);
  const rendered = flowScalar(value);
  if (pair) {
    const valueNode = pair.value as Node | null;
    if (!isScalar(valueNode) || !valueNode.range) return "unsupported";
    if (sameJson(valueNode.toJSON(), value)) return undefined;
    return { start: valueNode.range[0], end: valueNode.range[1], text: rendered };
  }
  const range = parent.range;
  if (!range) return "unsupported";
  const close = text.lastIndexOf("}", range[1]);
  if (close < range[0]) return "unsupported";
  const before = text.slice(range[0], close).trimEnd();
  const at = range[0] + before.length;
  return { start: at, end: at, text: `${before.endsWith("{") ? " " : ", "}${key}: ${rendered}` };
}

/** A scalar as a flow collection holds it: plain when it reads back the same, else double-quoted (JSON). */
function flowScalar(value: string | number | boolean): string {
  if (typeof value !== "string") return String(value);
  const plain = /^[^\s,:{}[\]#&*!|>'"%@`?-][^,{}[\]#]*$/.test(value) && !/:\s|\s$/.test(value);
  if (plain && parseDocument(`{ k: ${value} }`).toJSON()?.k === value) return value;
  return JSON.stringify(value);
}

/** Shapes this editor does not splice (a flow map, a path through a list to a new key): re-printed. */
function fallback(text: string, edits: readonly YamlEdit[]): string {
  const doc = parseDocument(text);
  for (const { path, value } of edits) {
    if (removes(value)) doc.deleteIn(path);
    else doc.setIn(path, doc.createNode(value));
  }
  return doc.toString({ flowCollectionPadding: false, lineWidth: LINE_WIDTH });
}
