import { DEMO_ACCOUNTS } from "../../demo/accounts.js";
import { dayOf, isoOf } from "../calendar.js";
import { REFERENCE_MEMBERS } from "../demo-rows.js";
import type { Rng } from "../random.js";
import type { CopyValue, SyntheticWarehouse } from "./context.js";
import { buildOrganisations } from "./organisations.js";
import { buildStructures } from "./structures.js";

/**
 * Les emplois' members (`annuaire.membres`): the demo accounts on their organisations, the fixed
 * reference members, then one to three people per structure (the first an administrator, who is also a
 * member of the structure's antennas), one or two per prescriber organisation and per institution, and a
 * few people on two structures of different employers. E-mail addresses are synthetic, on reserved
 * `.test` domains, one per organisation.
 */

const FIRST_NAMES = [
  "camille",
  "dominique",
  "claude",
  "alex",
  "sacha",
  "morgan",
  "jordan",
  "nour",
  "lou",
  "charlie",
  "maxime",
  "sasha",
  "yanis",
  "ines",
  "lea",
  "hugo",
  "chloe",
  "karim",
  "fatou",
  "julien",
];
const LAST_NAMES = [
  "martin",
  "bernard",
  "petit",
  "robert",
  "richard",
  "durand",
  "moreau",
  "lefebvre",
  "garcia",
  "diallo",
  "nguyen",
  "benali",
  "roux",
  "fournier",
  "girard",
  "mercier",
  "blanc",
  "lambert",
];

type Membership = { structure?: number; organisation?: number; institution?: number };

export function* memberRows(w: SyntheticWarehouse): Iterable<CopyValue[]> {
  buildStructures(w);
  buildOrganisations(w);
  const rng = w.rng("membres");
  const since = (registered: number) => isoOf(w.day(rng, registered, w.reference - 1));
  const row = (email: string, m: Membership, role: string, depuis: string): CopyValue[] => [
    email,
    m.structure ?? null,
    m.organisation ?? null,
    m.institution ?? null,
    role,
    depuis,
  ];
  const demoSince = isoOf(dayOf("2022-01-10"));

  for (const account of DEMO_ACCOUNTS) {
    const of = account.memberOf ?? {};
    for (const structure of of.structures ?? [])
      yield row(account.email, { structure }, "administrateur", demoSince);
    for (const organisation of of.organisations ?? [])
      yield row(account.email, { organisation }, "membre", demoSince);
    for (const institution of of.institutions ?? [])
      yield row(account.email, { institution }, "membre", demoSince);
  }
  for (const member of REFERENCE_MEMBERS)
    yield row(member.email, { structure: member.structure }, member.role, demoSince);

  const demoEmails = new Set(DEMO_ACCOUNTS.map((a) => a.email));
  const used = new Set<string>([...demoEmails, ...REFERENCE_MEMBERS.map((m) => m.email)]);
  const person = (random: Rng, domain: string): string => {
    for (let n = 1; ; n++) {
      const local = `${random.pick(FIRST_NAMES)}.${random.pick(LAST_NAMES)}${n > 1 ? n : ""}`;
      const email = `${local}@${domain}`;
      if (!used.has(email)) {
        used.add(email);
        return email;
      }
    }
  };

  // Structures: the demo ones have their people above.
  const demoStructures = new Set(DEMO_ACCOUNTS.flatMap((a) => a.memberOf?.structures ?? []));
  for (const m of REFERENCE_MEMBERS) demoStructures.add(m.structure);
  const admins = new Map<number, string>();
  for (const s of w.structures) {
    if (demoStructures.has(s.id)) continue;
    if (s.parentId !== null) {
      // The parent's administrator runs the antenna too (same employer, same SIREN).
      const admin = admins.get(s.parentId);
      if (admin) yield row(admin, { structure: s.id }, "administrateur", since(s.registered));
      continue;
    }
    const domain = `structure-${s.id}.test`;
    const admin = person(rng, domain);
    admins.set(s.id, admin);
    yield row(admin, { structure: s.id }, "administrateur", since(s.registered));
    for (let i = rng.geometric(0.5, 2); i > 0; i--) {
      yield row(person(rng, domain), { structure: s.id }, "membre", since(s.registered));
    }
  }
  // A few people work for two employers (another SIREN): only the SIRET's SIREN counts for them.
  const withAdmins = [...admins.entries()];
  for (let i = 0; i < w.count(20) && withAdmins.length > 1; i++) {
    const [, email] = rng.pick(withAdmins);
    const [other] = rng.pick(withAdmins);
    const structure = w.structuresById.get(other)!;
    if (!email.endsWith(`@structure-${other}.test`))
      yield row(email, { structure: other }, "membre", since(structure.registered));
  }

  const demoOrganisations = new Set(DEMO_ACCOUNTS.flatMap((a) => a.memberOf?.organisations ?? []));
  for (const o of w.organisations) {
    if (demoOrganisations.has(o.id)) continue;
    const domain = `organisation-${o.id}.test`;
    for (let i = rng.int(1, 2); i > 0; i--) {
      yield row(
        person(rng, domain),
        { organisation: o.id },
        i === 1 ? "administrateur" : "membre",
        since(o.registered),
      );
    }
  }

  const demoInstitutions = new Set(DEMO_ACCOUNTS.flatMap((a) => a.memberOf?.institutions ?? []));
  const start = dayOf("2021-04-01");
  for (const institution of w.institutions) {
    if (demoInstitutions.has(institution.id)) continue;
    const domain = `institution-${institution.id}.test`;
    for (let i = rng.int(1, 2); i > 0; i--) {
      yield row(
        person(rng, domain),
        { institution: institution.id },
        i === 1 ? "administrateur" : "membre",
        since(start),
      );
    }
  }
}
