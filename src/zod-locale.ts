import { z } from "zod";

/**
 * Zod's own messages (a field missing, of the wrong type…) in French: whoever reads them — a person
 * filling a form, the data team running `pilotage validate`, an operator starting the gateway — reads
 * French. Imported for this side effect by createApp and the CLI, before anything parses.
 */
z.config(z.locales.fr());
