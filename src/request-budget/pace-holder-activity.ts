/**
 * A pace holder (see `boost.ts`): dispatched only when its project had a turn and no call ready
 * for it, it takes that turn and calls nothing. That it ran is all the keeper needs to know.
 */
export async function holdPaceActivity(): Promise<void> {}
