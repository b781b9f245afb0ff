// What client-node's own modules (config.js, watch.js, log.js) take from its generated code, in place of the whole
// of it (client-node-slim.ts says when and why): gen/index.js with the models and the generated API classes left out.
export * from '@kubernetes/client-node/dist/gen/http/http.js';
export * from '@kubernetes/client-node/dist/gen/auth/auth.js';
export { createConfiguration } from '@kubernetes/client-node/dist/gen/configuration.js';
export * from '@kubernetes/client-node/dist/gen/apis/exception.js';
export * from '@kubernetes/client-node/dist/gen/servers.js';
export { RequiredError } from '@kubernetes/client-node/dist/gen/apis/baseapi.js';
export { Observable } from '@kubernetes/client-node/dist/gen/rxjsStub.js';
