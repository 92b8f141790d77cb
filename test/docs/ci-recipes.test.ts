import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { parse } from "yaml";
import { z } from "zod";
import { COMMON_EXIT_CODES } from "../../src/cli/command.js";
import { commands } from "../../src/cli/run.js";
import { PROJECT_ROOT } from "../../src/project-root.js";

/**
 * The CI recipes of docs/ci/ (docs/ci.md) call only `pilotage` commands, options and exit codes that
 * exist, read only documented variables, and keep the workflow's shape: validate and test on every
 * request, the plan posted on it (Markdown) and kept (JSON), apply on the main branch only.
 */

const GitHub = z.object({
  on: z.looseObject({ pull_request: z.unknown(), push: z.looseObject({ branches: z.array(z.string()) }) }),
  jobs: z.record(
    z.string(),
    z.looseObject({
      if: z.string(),
      env: z.record(z.string(), z.string()).optional(),
      steps: z.array(z.looseObject({ run: z.string().optional() })),
    }),
  ),
});

const GitLab = z.record(z.string(), z.unknown());
const GitLabJob = z.looseObject({
  rules: z.array(z.looseObject({ if: z.string() })),
  variables: z.record(z.string(), z.string()).optional(),
  script: z.array(z.string()),
});

function read(file: string): unknown {
  return parse(fs.readFileSync(path.join(PROJECT_ROOT, "docs/ci", file), "utf8"));
}

const github = GitHub.parse(read("github-actions.yml"));
const gitlab = GitLab.parse(read("gitlab-ci.yml"));
const gitlabJobs = Object.fromEntries(
  Object.entries(gitlab)
    .filter(([name]) => !["stages", "default", "variables"].includes(name))
    .map(([name, job]) => [name, GitLabJob.parse(job)]),
);

/** Each job's shell text, as one script. */
const scripts: Record<string, string> = {
  ...Object.fromEntries(
    Object.entries(github.jobs).map(([name, job]) => [
      `github:${name}`,
      job.steps.map((s) => s.run ?? "").join("\n"),
    ]),
  ),
  ...Object.fromEntries(
    Object.entries(gitlabJobs).map(([name, job]) => [`gitlab:${name}`, job.script.join("\n")]),
  ),
};

interface Invocation {
  job: string;
  command: string;
  args: string[];
}

function invocations(): Invocation[] {
  return Object.entries(scripts).flatMap(([job, text]) =>
    [...text.matchAll(/npx --no-install pilotage ([^\n|&;>]*)/g)].map((m) => {
      const [command, ...args] = m[1]!.trim().split(/\s+/);
      return { job, command: command!, args };
    }),
  );
}

/** The variables .env.example documents (config.ts's, one by one). */
function documentedVariables(): Set<string> {
  const text = fs.readFileSync(path.join(PROJECT_ROOT, ".env.example"), "utf8");
  return new Set([...text.matchAll(/^([A-Z][A-Z0-9_]+)=/gm)].map((m) => m[1]!));
}

describe("CI recipes (docs/ci/)", () => {
  it("call only commands and options that exist, and never a package from the registry", () => {
    const all = invocations();
    assert.ok(all.length >= 14, `${all.length} invocations`);
    for (const { job, command, args } of all) {
      const cli = commands()[command];
      assert.ok(cli, `${job}: pilotage ${command} exists`);
      assert.doesNotThrow(
        () =>
          parseArgs({ args, options: cli.options, strict: true, allowPositionals: command === "metabase" }),
        `${job}: pilotage ${command} ${args.join(" ")}`,
      );
    }
    for (const [job, text] of Object.entries(scripts)) {
      assert.doesNotMatch(text, /npx (?!--no-install )pilotage/, `${job}: npx without --no-install`);
    }
  });

  it("branch only on exit codes the command documents, and let plan's 2 through on requests", () => {
    for (const [job, text] of Object.entries(scripts)) {
      const commandsHere = [...text.matchAll(/npx --no-install pilotage (\w+)/g)].map((m) => m[1]!);
      const known = new Set(
        commandsHere.flatMap((name) =>
          Object.keys({ ...commands()[name]!.exitCodes, ...COMMON_EXIT_CODES }).map(Number),
        ),
      );
      for (const m of text.matchAll(/-(?:eq|ne)\s+(\d+)/g)) {
        assert.ok(known.has(Number(m[1])), `${job}: exit code ${m[1]} is one of ${[...known].join(", ")}`);
      }
    }
    for (const job of ["github:plan", "gitlab:plan"]) {
      assert.match(
        scripts[job]!,
        /if \[ "\$code" -ne 0 \] && \[ "\$code" -ne 2 \]; then exit "\$code"; fi/,
        job,
      );
    }
    for (const job of ["github:drift", "gitlab:drift"]) {
      assert.match(scripts[job]!, /exit "\$code"/, `${job} fails on drift (2)`);
    }
  });

  it("validate and test every request, post the plan on it, and apply on the main branch only", () => {
    const steps = (job: string) =>
      invocations()
        .filter((i) => i.job === job)
        .map((i) => [i.command, ...i.args].join(" "));
    assert.deepEqual(github.on.push.branches, ["main"]);
    assert.equal(github.jobs.check!.if, "github.event_name == 'pull_request'");
    assert.deepEqual(steps("github:check"), ["validate", "seed --scale 0.1", "test"]);
    assert.deepEqual(steps("gitlab:validate-and-test"), ["validate", "seed --scale 0.1", "test"]);
    assert.deepEqual(steps("github:plan"), ["plan --format markdown", "plan --json"]);
    assert.deepEqual(steps("gitlab:plan"), ["plan --format markdown", "plan --json"]);
    assert.match(scripts["github:plan"]!, /gh pr comment .* --body-file plan\.md/);
    assert.match(scripts["gitlab:plan"]!, /merge_requests\/\$\{process\.env\.CI_MERGE_REQUEST_IID\}\/notes/);
    assert.equal(github.jobs.apply!.if, "github.event_name == 'push' && github.ref == 'refs/heads/main'");
    assert.deepEqual(steps("github:apply"), ["validate", "apply"]);
    assert.deepEqual(gitlabJobs.apply!.rules, [
      { if: '$CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH && $CI_PIPELINE_SOURCE == "push"' },
    ]);
    assert.deepEqual(steps("gitlab:apply"), ["validate", "apply"]);
    const applying = Object.entries(scripts)
      .filter(([, text]) => /pilotage apply/.test(text))
      .map(([job]) => job)
      .sort();
    assert.deepEqual(applying, ["github:apply", "gitlab:apply"]);
  });

  it("give the commands only variables the configuration documents", () => {
    const documented = documentedVariables();
    const given = [
      ...Object.values(github.jobs).flatMap((job) => Object.keys(job.env ?? {})),
      ...Object.values(gitlabJobs).flatMap((job) => Object.keys(job.variables ?? {})),
    ].filter((name) => name !== "POSTGRES_PASSWORD");
    assert.ok(given.length > 0);
    for (const name of given) assert.ok(documented.has(name), `${name} is documented in .env.example`);
  });
});
