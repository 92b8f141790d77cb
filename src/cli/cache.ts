import { z } from "zod";
import { openCacheStore } from "../cache/open-cache-store.js";
import { loadConfig } from "../config.js";
import { agree } from "../french-plural.js";
import { EXIT, UsageError, type CliCommand } from "./command.js";
import { parseCommandOptions } from "./options.js";

const USAGE = [
  "cache purge [--json]",
  "",
  "Vide le cache des résultats (cartes des tableaux de bord, pages publiques) dans le Redis du cache",
  "(CACHE_REDIS_URL, sinon la base logique qui suit celle de REDIS_URL). Seules ses clés sont effacées :",
  "sessions et limites de débit n'y sont pas. Inutile après un chargement de l'entrepôt : sa nouvelle",
  "version de données change toutes les clés d'elle-même.",
  "",
  "  --json   rapport en JSON sur la sortie standard",
].join("\n");

const OPTIONS = { json: { type: "boolean" } } as const;
const Options = z.object({ json: z.boolean().default(false) });

export const cacheCommand: CliCommand = {
  summary: "vider le cache des résultats (cartes, pages publiques)",
  usage: USAGE,
  exitCodes: {
    [EXIT.ok]: "cache vidé",
    [EXIT.failed]: "pas de Redis de cache à vider (sans REDIS_URL, le cache vit dans la passerelle)",
    [EXIT.upstream]: "le Redis du cache ne répond pas",
  },
  options: OPTIONS,
  async run(args, io) {
    const [action, ...rest] = args;
    if (action !== "purge") {
      throw new UsageError(`Action inconnue : ${action ?? "(aucune)"} (attendu : purge).`);
    }
    const options = parseCommandOptions(rest, OPTIONS, Options);
    const config = loadConfig(io.env, { for: "cli" });
    const { store, ready, close } = openCacheStore(config);
    try {
      if (store.kind === "memory") {
        io.stderr(
          "Sans REDIS_URL, le cache vit dans le processus de la passerelle (démonstration) : redémarrez-la pour le vider.\n",
        );
        return EXIT.failed;
      }
      let deleted: number;
      try {
        await ready();
        deleted = await store.purge();
      } catch (error) {
        io.stderr(
          `Le Redis du cache ne répond pas (${error instanceof Error ? error.message : String(error)}). ` +
            "Vérifiez CACHE_REDIS_URL (ou REDIS_URL) et que Redis tourne, puis relancez.\n",
        );
        return EXIT.upstream;
      }
      io.stdout(
        options.json
          ? `${JSON.stringify({ deleted })}\n`
          : `Cache vidé : ${deleted.toLocaleString("fr-FR")} ${agree(deleted, "entrée effacée", "entrées effacées")}.\n`,
      );
      return EXIT.ok;
    } finally {
      await close();
    }
  },
};
