import { type TemplateNode } from "../template/index.js";
import type { Question } from "./types.js";

/** Where a question's SQL uses each template tag: inside an optional clause or not, and what surrounds it. */

export interface TagUse {
  name: string;
  offset: number;
  optional: boolean;
  /** Text right before and after the tag, within the same clause. */
  before: string;
  after: string;
}

function collectUses(nodes: TemplateNode[], optional: boolean, out: TagUse[]): TagUse[] {
  nodes.forEach((node, i) => {
    if (node.type === "tag") {
      const prev = nodes[i - 1];
      const next = nodes[i + 1];
      out.push({
        name: node.name,
        offset: node.offset,
        optional,
        before: prev?.type === "text" ? prev.text : "",
        after: next?.type === "text" ? next.text : "",
      });
    } else if (node.type === "optional") {
      collectUses(node.children, true, out);
    }
  });
  return out;
}

export function tagUses(question: Question): TagUse[] {
  return question.template ? collectUses(question.template, false, []) : [];
}

/** `IN ({{x}})` or `ARRAY[{{x}}]`: where Metabase's `?, ?, ?` for a list is valid SQL. */
export function isListPosition(use: TagUse): boolean {
  return (
    (/\bIN\s*\(\s*$/i.test(use.before) && /^\s*\)/.test(use.after)) ||
    (/\bARRAY\s*\[\s*$/i.test(use.before) && /^\s*\]/.test(use.after))
  );
}

export function lineInSql(question: Question, offset: number): number {
  let line = question.sqlLine;
  for (let i = 0; i < offset && i < question.sql.length; i++) if (question.sql.charCodeAt(i) === 10) line++;
  return line;
}
