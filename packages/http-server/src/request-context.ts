import type { BaseContext } from '@apollo/server';

export type NodeEnv = 'development' | 'test' | 'production';

/** Every server's context carries these, for logs and downstream calls. */
export interface RequestContext extends BaseContext {
  requestId: string;
}
