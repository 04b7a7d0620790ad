/** `hv-status, hv-broadcast` -> ['hv-status', 'hv-broadcast']. */
export function commandList(text: string): string[] {
  return text
    .split(',')
    .map((c) => c.trim())
    .filter((c) => c !== '');
}
