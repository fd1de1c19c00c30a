import { z } from "zod";

/** Limits that keep one attestation from filling the store. */
export const LIMITS = {
  /** Values in each of the four lists. */
  values: 256,
  /** Characters in one value. */
  valueLength: 1024,
  /** Bytes of the attributes as JSON. */
  attributesBytes: 64 * 1024,
  /** Commands in one batch. */
  batch: 10_000,
  /** Attestations in one query answer. */
  queryLimit: 10_000,
  defaultQueryLimit: 100,
} as const;

const term = z.string().min(1, "values must not be empty").max(LIMITS.valueLength);
const list = (name: string) =>
  z.array(term, { error: `${name} must be a list of strings` })
    .min(1, `${name} must have at least one value`)
    .max(LIMITS.values, `${name} may have at most ${LIMITS.values} values`);

/** A command as the store accepts it: four non-empty lists, an optional time, JSON attributes. */
export const commandSchema = z.object({
  subjects: list("subjects"),
  predicates: list("predicates"),
  contexts: list("contexts"),
  actors: list("actors"),
  timestamp: z.number().int().min(0).max(8_640_000_000_000_000).optional(),
  attributes: z.record(z.string(), z.unknown()).optional().superRefine((attributes, ctx) => {
    if (attributes === undefined) return;
    let json: string;
    try {
      json = JSON.stringify(attributes);
    } catch (error) {
      ctx.addIssue({
        code: "custom",
        message: `attributes are not JSON: ${(error as Error).message}`,
      });
      return;
    }
    if (new TextEncoder().encode(json).byteLength > LIMITS.attributesBytes) {
      ctx.addIssue({
        code: "custom",
        message: `attributes are larger than ${LIMITS.attributesBytes} bytes`,
      });
    }
  }),
});

export type ValidCommand = z.output<typeof commandSchema>;

/** A command checked, or the reasons it is refused, each naming its field. */
export function checkCommand(
  command: unknown,
): { ok: true; command: ValidCommand } | { ok: false; problems: string[] } {
  const parsed = commandSchema.safeParse(command);
  if (parsed.success) return { ok: true, command: parsed.data };
  return {
    ok: false,
    problems: parsed.error.issues.map((issue) => {
      const path = issue.path.join(".");
      return path === "" ? issue.message : `${path}: ${issue.message}`;
    }),
  };
}
