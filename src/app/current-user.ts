import { userInfo } from 'node:os';

/** Who is acting, when nobody says: the OS user (recorded on events as `by`). */
export function currentUser(): string {
  try {
    return userInfo().username;
  } catch {
    return process.env['USER'] ?? 'unknown';
  }
}
