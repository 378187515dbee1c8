// What a trusted-CA PEM may hold: certificates and nothing else. The likely mistake is a
// private key pasted or pointed at instead of the CA certificate; it must never travel into
// a bundle, a template or an error message.

const BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----/g;

/** Why this text is not a CA bundle (described, never quoted), or undefined when it is one. */
export function caPemProblem(text: string): string | undefined {
  const labels = [...text.matchAll(BLOCK)].map((match) => match[1] ?? '');
  if (labels.length === 0) return 'text with no PEM block';
  const others = [...new Set(labels.filter((label) => label !== 'CERTIFICATE'))];
  if (others.length === 0) return undefined;
  const key = others.some((label) => label.includes('PRIVATE KEY')) ? '; a private key never belongs in a fleet' : '';
  return `PEM with ${others.join(', ')} block(s)${key}`;
}
