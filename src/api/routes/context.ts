import type { Responder } from '../envelope.ts';
import type { SseHub } from '../sse.ts';
import type { ApiViews } from '../views.ts';

/** What every router gets from createApiApp. */
export interface RouteContext {
  views: ApiViews;
  respond: Responder;
  now: () => number;
  sse: SseHub;
}
