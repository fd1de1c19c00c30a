import type { ConfigSchema, PluginContext } from "../../src/sdk/mod.ts";

/** The SDK does not export its `Config` type by name; this is the same type. */
export type Config = PluginContext["config"];

/** What the operator may set in `[finance]` of `am.toml`; the host checks it before a start. */
export const configSchema: ConfigSchema = {
  var_confidence: {
    type: "number",
    description: "confidence of the Value-at-Risk the risk job computes (0.95, 0.99, …)",
    defaultValue: 0.99,
    minValue: 0.5,
    maxValue: 0.9999,
  },
  var_window: {
    type: "number",
    description: "how many of the latest daily returns VaR and volatility use",
    defaultValue: 250,
    minValue: 2,
    maxValue: 10_000,
  },
  rolling_window: {
    type: "number",
    description: "returns in the rolling mean and volatility of a replay",
    defaultValue: 20,
    minValue: 2,
    maxValue: 1000,
  },
  annualization_factor: {
    type: "number",
    description: "periods per year: volatility × √factor (252 trading days)",
    defaultValue: 252,
    minValue: 1,
    maxValue: 366,
  },
  data_dir: {
    type: "string",
    description: "an absolute folder of CSV files to read; grant it: [plugin.grants.finance] read",
    defaultValue: "",
  },
  include_samples: {
    type: "boolean",
    description: "also serve the sample prices in plugins/finance/samples",
    defaultValue: true,
  },
  max_upload_bytes: {
    type: "number",
    description: "largest CSV body accepted by POST /analyze and PUT /datasets/:name",
    defaultValue: 1_000_000,
    minValue: 1024,
    maxValue: 100_000_000,
  },
  recompute_interval_seconds: {
    type: "number",
    description: "how often the declared schedule runs recompute-risk",
    defaultValue: 3600,
    minValue: 10,
    maxValue: 604_800,
  },
};

/** The plugin's configuration, read once per initialize with the schema's defaults. */
export interface Settings {
  varConfidence: number;
  varWindow: number;
  rollingWindow: number;
  annualizationFactor: number;
  dataDir: string;
  includeSamples: boolean;
  maxUploadBytes: number;
  recomputeIntervalSeconds: number;
}

function number(config: Config, key: string, whole: boolean): number {
  const field = configSchema[key]!;
  const fallback = field.defaultValue as number;
  const text = config.getString(key).trim();
  const value = text === "" ? fallback : Number(text);
  const ok = Number.isFinite(value) && (!whole || Number.isInteger(value)) &&
    value >= field.minValue! && value <= field.maxValue!;
  if (!ok) {
    throw new RangeError(
      `finance setting ${key} must be ${whole ? "a whole number" : "a number"} from ` +
        `${field.minValue} to ${field.maxValue}, got "${text}"`,
    );
  }
  return value;
}

/** Reads and checks the settings; a RangeError names the first bad key. */
export function readSettings(config: Config): Settings {
  return {
    varConfidence: number(config, "var_confidence", false),
    varWindow: number(config, "var_window", true),
    rollingWindow: number(config, "rolling_window", true),
    annualizationFactor: number(config, "annualization_factor", false),
    dataDir: config.getString("data_dir").trim(),
    includeSamples: config.getBool("include_samples", true),
    maxUploadBytes: number(config, "max_upload_bytes", true),
    recomputeIntervalSeconds: number(config, "recompute_interval_seconds", true),
  };
}

const fallback = (key: string) => configSchema[key]!.defaultValue as number;

/** The settings of an empty `[finance]` table. */
export const DEFAULT_SETTINGS: Settings = {
  varConfidence: fallback("var_confidence"),
  varWindow: fallback("var_window"),
  rollingWindow: fallback("rolling_window"),
  annualizationFactor: fallback("annualization_factor"),
  dataDir: "",
  includeSamples: true,
  maxUploadBytes: fallback("max_upload_bytes"),
  recomputeIntervalSeconds: fallback("recompute_interval_seconds"),
};
