/** Typed failures of the scene model: every refusal (bad settings, unknown id, locked item…) is a `SceneError`. */

export type SceneErrorCode =
  | 'unknown_kind' // no source kind with that id
  | 'invalid_settings' // settings do not match the kind's schema
  | 'invalid_edit' // the edit itself is malformed (wrong shape, out-of-range value)
  | 'not_found' // a referenced source / scene / item does not exist
  | 'duplicate_id' // an id is already taken
  | 'locked' // a transform edit targeted a locked item
  | 'in_use' // removal refused: the scene is on program, or is nested in another scene, or is the last scene
  | 'cycle' // a scene would (indirectly) contain itself
  | 'invalid_collection'; // a collection breaks a structural rule

export interface SceneIssue {
  /** Dotted path of the offending value, e.g. `scenes.0.items.2.sourceId`. */
  path: string;
  message: string;
}

export class SceneError extends Error {
  constructor(
    readonly code: SceneErrorCode,
    message: string,
    readonly issues: SceneIssue[] = [],
  ) {
    super(message);
    this.name = 'SceneError';
  }
}

/** zod issues → `SceneIssue`s (path joined with dots). */
export function toIssues(issues: ReadonlyArray<{ path: ReadonlyArray<PropertyKey>; message: string }>, prefix = ''): SceneIssue[] {
  return issues.map((i) => ({
    path: [prefix, ...i.path.map((p) => String(p))].filter((s) => s !== '').join('.'),
    message: i.message,
  }));
}
