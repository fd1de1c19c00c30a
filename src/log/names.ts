/** The name of a domain's logger, as the contract fixes it: `<domain> v<version>`. */
export function domainLoggerName(domain: string, version: string): string {
  return `${domain} v${version}`;
}
