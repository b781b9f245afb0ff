export { ApiError, type ClientErrorCode } from './api-error.ts';
export { createKubefwdClient, type KubefwdClient, type KubefwdClientOptions } from './client.ts';
export {
  followEvents,
  type DaemonEventMessage,
  type EventFollower,
  type EventTypeName,
  type FollowOptions,
} from './events.ts';
export { followLogs, type FollowLogsOptions, type LogLevel, type LogRecord } from './logs.ts';
export type { SseFollower } from './sse.ts';
export { followPodLog, type PodLogFollowOptions, type PodLogFollower } from './pod-logs.ts';
export type { OkData, OperationId, Schemas } from '../contract/contract.ts';
