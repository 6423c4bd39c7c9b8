/** Every link comes from PUBLIC_URL; request headers never shape an email. */
export function linkUrl(publicUrl: string, path: string, token?: string): string {
  return token === undefined ? `${publicUrl}${path}` : `${publicUrl}${path}#token=${token}`;
}
