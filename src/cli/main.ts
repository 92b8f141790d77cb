import { runCli } from "./run.js";

/** The `pilotage` command's process: the only place of the CLI that sets exit codes. */
process.exitCode = await runCli(process.argv.slice(2), {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
});
