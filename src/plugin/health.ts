/** A plugin's answer to a health probe. */
export interface HealthStatus {
  /** Whether the plugin can do its work. */
  healthy: boolean;
  /** Intentionally paused by the operator: not a failure. */
  paused: boolean;
  /** One line for operators, such as `ok` or what is wrong. */
  message: string;
  /** Further facts for operators, by name. */
  details: Record<string, unknown>;
}
