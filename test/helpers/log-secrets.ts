/**
 * Log lines that contain any of the secrets (passwords, tokens, webhook secrets), each cut to
 * what it leaked so a failure does not print the whole log. Empty when the logs are clean.
 */
export function secretLeaks(lines: readonly string[], secrets: readonly string[]): string[] {
  const leaks: string[] = [];
  for (const line of lines) {
    for (const secret of secrets) if (line.includes(secret)) leaks.push(`${secret}: ${line.slice(0, 300)}`);
  }
  return leaks;
}
