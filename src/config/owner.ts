/**
 * Who may own a file or folder this tool trusts: this user or root, as ssh requires of its config.
 * Another user who owns it can change what it says (the settings, what was deployed).
 */

/** Why a file owned by `uid` is not to be trusted, or undefined when this user or root owns it. */
export function ownerProblem(uid: number, self: number | undefined = process.getuid?.()): string | undefined {
  if (self === undefined || uid === self || uid === 0) return undefined;
  return `belongs to uid ${uid}, not to this user (uid ${self}) or root, so that user can change it`;
}
