import { defineEvents } from '@storefront/events';
import { z } from 'zod';

/** Sign-in sessions' events on `sessions.events` (schema version 1). */
export const sessionEvents = defineEvents('sessions.events', {
  /** BFFs → BFFs: a sign-in session ended (logOut); every instance ends the live streams it opened. */
  SessionEnded: z.object({ sessionId: z.uuid(), userId: z.uuid() }),
});
