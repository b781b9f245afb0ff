/** What a command gets from the process; tests pass their own. */
export interface CommandIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  env: NodeJS.ProcessEnv;
  /** stderr is a terminal: logs (which go there) are pretty, and a progress line shows while starting. */
  isTty: boolean;
  isRoot: boolean;
  /** Aborted on the first SIGINT/SIGTERM: stop gracefully. */
  signal: AbortSignal;
  /** Registers a synchronous cleanup run on the second signal, just before exit 1. */
  onEmergency: (fn: () => void) => void;
  /** Called once the daemon has started (every forward listening): the process may tune itself for steady state. */
  onStarted?: () => void;
}
