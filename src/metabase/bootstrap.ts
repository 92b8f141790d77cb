import { randomBytes } from "node:crypto";
import { ConfigError } from "../errors.js";
import { MetabaseError, isRecord } from "./errors.js";
import type { MetabaseSetupClient } from "./setup-client.js";
import { featuresOf, parseVersionTag, unsupportedVersion, type MetabaseVersion } from "./version.js";

/**
 * `pilotage metabase bootstrap`: takes a fresh Metabase to what the sync and the gateway need — the first
 * administrator, the warehouse database (connected with Metabase's own read-only role), static embedding
 * on, the embedding secret, French number formatting, and an API key for the sync — and says, on a
 * Metabase that has all this already, that it has.
 *
 * Three modes, decided by what Metabase answers and which credentials work:
 * - `setup`: nobody has set Metabase up (`has-user-setup` false): everything is created;
 * - `converge`: set up by this command before (its secrets file holds credentials that still work):
 *   what is missing is created again, what exists is only checked — a second run writes nothing;
 * - `check`: set up by hand (only the operator's METABASE_API_KEY or login works): nothing is written,
 *   each missing piece is reported with what to do.
 *
 * Secrets never leave through the result's text: `secrets` carries the new values for the caller to
 * store (a file with mode 0600), and `persist` is called as soon as one exists, so that a run stopped
 * midway never loses the administrator's password.
 */

/** The variables the secrets file may hold (dotenv names, as the gateway and the CLI read them). */
export const SECRET_NAMES = [
  "METABASE_ADMIN_EMAIL",
  "METABASE_ADMIN_PASSWORD",
  "METABASE_API_KEY",
  "METABASE_EMBEDDING_SECRET_KEY",
] as const;
export type SecretName = (typeof SECRET_NAMES)[number];
export type Secrets = Partial<Record<SecretName, string>>;

/** Metabase's number formatting for French readers: decimal comma, space between thousands (1 234,5). */
export const FRENCH_NUMBER_SEPARATORS = ", ";
export const SYNC_API_KEY_NAME = "Pilotage (synchronisation)";

export type BootstrapMode = "setup" | "converge" | "check";

export interface BootstrapStep {
  kind: "admin" | "warehouse" | "secret" | "embedding" | "formatting" | "api-key";
  /** What is checked, in French (« base « Entrepôt Pilotage » »). */
  step: string;
  status: "present" | "created" | "missing";
  /** What was found or done; for a missing piece, what to do. Never a secret. */
  detail: string;
}

export interface BootstrapOptions {
  client: MetabaseSetupClient;
  /** Metabase's name for the warehouse database (METABASE_WAREHOUSE_DATABASE). */
  warehouseDatabase: string;
  /** The warehouse as Metabase connects to it, with its read-only role (METABASE_WAREHOUSE_URL). */
  warehouseUrl: string | undefined;
  /** The first administrator's e-mail (METABASE_ADMIN_EMAIL), needed for a fresh Metabase only. */
  adminEmail: string | undefined;
  /** What the operator's environment gives. */
  given: { apiKey?: string | undefined; username?: string | undefined; password?: string | undefined };
  /** The embedding secret the gateway signs with (METABASE_EMBEDDING_SECRET_KEY), when already chosen. */
  embeddingSecretKey: string | undefined;
  /** What a previous run stored. */
  stored: Secrets;
  /** Problems with Metabase's role on the warehouse (superuser, reads `annuaire`, writes…); [] when fine. */
  checkWarehouseRole(url: string): Promise<{ role: string; problems: string[] }>;
  /** Called with every secret known so far, each time a new one is created. */
  persist(secrets: Secrets): Promise<void>;
  progress?(line: string): void;
  /** Random material (tests may pin it). */
  random?: { password(): string; secretKey(): string };
}

export interface BootstrapResult {
  version: string;
  mode: BootstrapMode;
  steps: BootstrapStep[];
  /** Every secret known at the end (stored ones included); the caller writes them, never prints them. */
  secrets: Secrets;
  /** The names of the secrets created by this run. */
  created: SecretName[];
}

const DEFAULT_RANDOM = {
  /** Passes Metabase's strongest password rule (8+, 2 lower, 2 upper, a digit, a special) and is no common word. */
  password: () => `${randomBytes(24).toString("base64url")}-Pa7q`,
  secretKey: () => randomBytes(32).toString("hex"),
};

export async function bootstrapMetabase(options: BootstrapOptions): Promise<BootstrapResult> {
  const { client } = options;
  const random = options.random ?? DEFAULT_RANDOM;
  const progress = options.progress ?? (() => {});
  const secrets: Secrets = { ...options.stored };
  const created: SecretName[] = [];
  const steps: BootstrapStep[] = [];
  const keep = async (name: SecretName, value: string) => {
    secrets[name] = value;
    created.push(name);
    await options.persist({ ...secrets });
  };

  const properties = await client.properties();
  const tag = properties.version?.tag ?? "inconnue";
  const version: MetabaseVersion = parseVersionTag(tag) ?? { tag, major: 57, minor: 0 };
  // The same floor as the sync's: a Metabase it would refuse is not one to set up for it.
  const unsupported = unsupportedVersion(version);
  if (unsupported) throw new MetabaseError("capability", unsupported);
  const features = featuresOf(version);

  let mode: BootstrapMode;
  if (properties["has-user-setup"] === false) {
    mode = "setup";
    // Everything a fresh install needs is checked before the first write: a half-done setup would leave a
    // Metabase whose administrator nobody knows.
    const missing = [
      !options.adminEmail &&
        "METABASE_ADMIN_EMAIL : requise pour installer un Metabase neuf (l'adresse de son premier administrateur)",
      !options.warehouseUrl &&
        "METABASE_WAREHOUSE_URL : requise pour installer un Metabase neuf (l'entrepôt tel que Metabase le joint, avec son rôle en lecture seule)",
    ].filter((problem): problem is string => typeof problem === "string");
    if (missing.length > 0) throw new ConfigError(missing);
    const token = properties["setup-token"];
    if (!token) {
      throw new MetabaseError(
        "capability",
        "Metabase n'a encore aucun utilisateur mais ne donne pas de jeton d'installation (setup-token) : terminez son démarrage, ou installez-le à la main puis relancez avec METABASE_API_KEY.",
      );
    }
    const email = options.adminEmail!;
    const role = await options.checkWarehouseRole(options.warehouseUrl!);
    if (role.problems.length > 0) {
      throw new MetabaseError(
        "capability",
        `Le rôle ${role.role} de METABASE_WAREHOUSE_URL ne convient pas à Metabase : rien n'est installé.`,
        { problems: role.problems },
      );
    }
    const password = random.password();
    progress("Création de l'administrateur de Metabase…");
    await client.setup({
      token,
      user: { email, first_name: "Administration", last_name: "Pilotage", password },
      prefs: { site_name: "Pilotage de l'inclusion", site_locale: "fr", allow_tracking: false },
    });
    secrets.METABASE_ADMIN_EMAIL = email;
    await keep("METABASE_ADMIN_PASSWORD", password);
    steps.push({
      kind: "admin",
      step: "administrateur",
      status: "created",
      detail: `${email}, mot de passe dans les secrets`,
    });
  } else {
    const signedIn = await signIn(options);
    mode = signedIn.owned ? "converge" : "check";
    steps.push({ kind: "admin", step: "administrateur", status: "present", detail: signedIn.as });
  }
  const writes = mode !== "check";

  steps.push(await warehouseStep(options, writes, progress));

  // The secret first: switching embedding on would otherwise make Metabase draw one of its own.
  const wantedSecret = options.embeddingSecretKey ?? secrets.METABASE_EMBEDDING_SECRET_KEY;
  const currentSecret = await client.setting("embedding-secret-key");
  if (wantedSecret !== undefined && currentSecret === wantedSecret) {
    steps.push({
      kind: "secret",
      step: "clé d'intégration",
      status: "present",
      detail: "celle de la passerelle",
    });
  } else if (!writes) {
    steps.push({
      kind: "secret",
      step: "clé d'intégration",
      status: "missing",
      detail:
        wantedSecret === undefined
          ? "inconnue de la passerelle : copiez celle de Metabase (Admin > Intégration > Intégration statique) dans METABASE_EMBEDDING_SECRET_KEY"
          : "différente de METABASE_EMBEDDING_SECRET_KEY : la passerelle signerait des jetons refusés ; réglez la même clé des deux côtés",
    });
  } else {
    const secret = wantedSecret ?? random.secretKey();
    await client.putSetting("embedding-secret-key", secret);
    if (options.embeddingSecretKey === undefined && secrets.METABASE_EMBEDDING_SECRET_KEY !== secret) {
      await keep("METABASE_EMBEDDING_SECRET_KEY", secret);
    }
    steps.push({
      kind: "secret",
      step: "clé d'intégration",
      status: "created",
      detail:
        options.embeddingSecretKey === undefined
          ? "tirée au hasard, dans les secrets"
          : "celle de METABASE_EMBEDDING_SECRET_KEY",
    });
  }

  const embedding = await client.setting(features.embeddingSetting);
  if (embedding === true || embedding === "true") {
    steps.push({
      kind: "embedding",
      step: "intégration statique",
      status: "present",
      detail: features.embeddingSetting,
    });
  } else if (!writes) {
    steps.push({
      kind: "embedding",
      step: "intégration statique",
      status: "missing",
      detail: `désactivée : activez-la dans Admin > Intégration (réglage ${features.embeddingSetting})`,
    });
  } else {
    await client.putSetting(features.embeddingSetting, true);
    steps.push({
      kind: "embedding",
      step: "intégration statique",
      status: "created",
      detail: features.embeddingSetting,
    });
  }

  const formatting = await client.setting("custom-formatting");
  const number = isRecord(formatting) && isRecord(formatting["type/Number"]) ? formatting["type/Number"] : {};
  if (number.number_separators === FRENCH_NUMBER_SEPARATORS) {
    steps.push({ kind: "formatting", step: "format des nombres", status: "present", detail: "1 234,5" });
  } else if (!writes) {
    steps.push({
      kind: "formatting",
      step: "format des nombres",
      status: "missing",
      detail: "choisissez « 100 000,00 » dans Admin > Paramètres > Localisation (séparateurs des nombres)",
    });
  } else {
    await client.putSetting("custom-formatting", {
      ...(isRecord(formatting) ? formatting : {}),
      "type/Number": { ...number, number_separators: FRENCH_NUMBER_SEPARATORS },
    });
    steps.push({ kind: "formatting", step: "format des nombres", status: "created", detail: "1 234,5" });
  }

  steps.push(await apiKeyStep(options, { writes, keep, secrets }));
  return { version: version.tag, mode, steps, secrets, created };
}

/**
 * Credentials for a Metabase already set up. The stored ones first: if one still works, this command set
 * Metabase up and may finish the job (converge); otherwise the operator's, for a check only.
 */
async function signIn(options: BootstrapOptions): Promise<{ owned: boolean; apiKey: boolean; as: string }> {
  const { client, given, stored } = options;
  const attempts: Array<{ owned: boolean; apiKey: boolean; label: string; run(): Promise<void> }> = [];
  const storedKey = stored.METABASE_API_KEY;
  if (storedKey) {
    attempts.push({
      owned: true,
      apiKey: true,
      label: "la clé API des secrets",
      run: async () => client.useApiKey(storedKey),
    });
  }
  const { METABASE_ADMIN_EMAIL: email, METABASE_ADMIN_PASSWORD: password } = stored;
  if (email && password) {
    attempts.push({
      owned: true,
      apiKey: false,
      label: `l'administrateur des secrets (${email})`,
      run: () => client.login(email, password),
    });
  }
  const givenKey = given.apiKey;
  if (givenKey && givenKey !== storedKey) {
    attempts.push({
      owned: false,
      apiKey: true,
      label: "METABASE_API_KEY",
      run: async () => client.useApiKey(givenKey),
    });
  }
  const { username, password: givenPassword } = given;
  if (username && givenPassword) {
    attempts.push({
      owned: false,
      apiKey: false,
      label: `METABASE_USERNAME (${username})`,
      run: () => client.login(username, givenPassword),
    });
  }
  const refused: string[] = [];
  for (const attempt of attempts) {
    try {
      await attempt.run();
      if (!(await client.currentUser()).is_superuser) {
        refused.push(`${attempt.label} : pas un administrateur`);
        continue;
      }
      return { owned: attempt.owned, apiKey: attempt.apiKey, as: `connecté avec ${attempt.label}` };
    } catch (error) {
      if (
        !(error instanceof MetabaseError) ||
        (error.category !== "auth" && error.category !== "permission")
      ) {
        throw error;
      }
      refused.push(`${attempt.label} : refusée`);
    }
  }
  throw new MetabaseError(
    "auth",
    attempts.length === 0
      ? "Metabase est déjà installé et aucun identifiant n'est donné : relancez avec METABASE_API_KEY (une clé du groupe Administrateurs) ou METABASE_USERNAME et METABASE_PASSWORD, ou avec --secrets-file vers le fichier écrit à l'installation."
      : "Metabase est déjà installé et refuse chaque identifiant essayé : donnez une clé API du groupe Administrateurs (METABASE_API_KEY), ou METABASE_USERNAME et METABASE_PASSWORD.",
    { problems: refused },
  );
}

async function warehouseStep(
  options: BootstrapOptions,
  writes: boolean,
  progress: (line: string) => void,
): Promise<BootstrapStep> {
  const step = `base « ${options.warehouseDatabase} »`;
  const { warehouseUrl } = options;
  const role = warehouseUrl ? await options.checkWarehouseRole(warehouseUrl) : undefined;
  const found = (await options.client.databases()).find((db) => db.name === options.warehouseDatabase);
  if (role && role.problems.length > 0) {
    return {
      kind: "warehouse",
      step,
      status: "missing",
      detail: `le rôle ${role.role} de METABASE_WAREHOUSE_URL ne convient pas à Metabase${found ? " (base déjà connectée : corrigez le rôle)" : " : base non ajoutée"} — ${role.problems.join(" ; ")}`,
    };
  }
  if (found) return { kind: "warehouse", step, status: "present", detail: `#${found.id}` };
  if (!writes) {
    return {
      kind: "warehouse",
      step,
      status: "missing",
      detail: `ajoutez l'entrepôt dans Admin > Bases de données sous ce nom (ou donnez son nom dans METABASE_WAREHOUSE_DATABASE), avec un rôle qui ne lit que le schéma entrepot`,
    };
  }
  if (!warehouseUrl || !role) {
    return {
      kind: "warehouse",
      step,
      status: "missing",
      detail:
        "METABASE_WAREHOUSE_URL manque : l'adresse de l'entrepôt telle que Metabase la joint, avec son rôle en lecture seule (postgres://metabase_lecture:…@hôte:5432/base)",
    };
  }
  const url = new URL(warehouseUrl);
  progress(
    `Ajout de l'entrepôt (${url.host}${url.pathname}, rôle ${role.role}) et premier scan de Metabase…`,
  );
  const created = await options.client.createDatabase({
    name: options.warehouseDatabase,
    engine: "postgres",
    details: {
      host: url.hostname,
      port: Number(url.port || 5432),
      dbname: decodeURIComponent(url.pathname.replace(/^\//, "")),
      user: decodeURIComponent(url.username),
      password: decodeURIComponent(url.password),
      ssl: url.searchParams.get("sslmode") === "require",
      // Metabase scans only the warehouse's schema: the role could not read another one anyway, and a
      // schema it cannot read would make the scan noisy.
      "schema-filters-type": "inclusion",
      "schema-filters-patterns": "entrepot",
    },
    is_full_sync: true,
    is_on_demand: false,
  });
  return {
    kind: "warehouse",
    step,
    status: "created",
    detail: `#${created.id}, rôle ${role.role}, schéma entrepot`,
  };
}

async function apiKeyStep(
  options: BootstrapOptions,
  context: {
    writes: boolean;
    keep(name: SecretName, value: string): Promise<void>;
    secrets: Secrets;
  },
): Promise<BootstrapStep> {
  const step = "clé API de synchronisation";
  const { client } = options;
  const candidates = [options.given.apiKey, context.secrets.METABASE_API_KEY].filter(
    (key): key is string => !!key,
  );
  for (const key of [...new Set(candidates)]) {
    if (await keyIsAdmin(client, key)) {
      return {
        kind: "api-key",
        step,
        status: "present",
        detail: key === options.given.apiKey ? "METABASE_API_KEY" : "celle des secrets",
      };
    }
  }
  if (!context.writes) {
    return {
      kind: "api-key",
      step,
      status: "missing",
      detail:
        "créez une clé du groupe Administrateurs (Admin > Authentification > Clés API) et donnez-la dans METABASE_API_KEY",
    };
  }
  const admins = (await client.permissionGroups()).find((group) => group.name === "Administrators");
  if (!admins) {
    return {
      kind: "api-key",
      step,
      status: "missing",
      detail: "groupe Administrators introuvable dans Metabase : créez la clé à la main",
    };
  }
  const taken = new Set((await client.apiKeys()).map((key) => key.name));
  let name = SYNC_API_KEY_NAME;
  for (let n = 2; taken.has(name); n++) name = `${SYNC_API_KEY_NAME} ${n}`;
  const created = await client.createApiKey({ name, group_id: admins.id });
  await context.keep("METABASE_API_KEY", created.unmaskedKey);
  return {
    kind: "api-key",
    step,
    status: "created",
    detail: `« ${name} », groupe Administrators${candidates.length > 0 ? " (l'ancienne clé est refusée)" : ""}`,
  };
}

/** Whether Metabase accepts `key` as an administrator's, without changing the client's own credentials. */
async function keyIsAdmin(client: MetabaseSetupClient, key: string): Promise<boolean> {
  const probe = client.withApiKey(key);
  try {
    return (await probe.currentUser()).is_superuser;
  } catch (error) {
    if (error instanceof MetabaseError && (error.category === "auth" || error.category === "permission")) {
      return false;
    }
    throw error;
  }
}
