/** A plugin's answer to a health probe. */
export interface HealthStatus {
  healthy: boolean;
  /** Intentionally paused by the operator: not a failure. */
  paused: boolean;
  message: string;
  details: Record<string, unknown>;
}
