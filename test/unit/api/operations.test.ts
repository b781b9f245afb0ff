import { describe, expect, it } from 'vitest';
import { createOperationIndex } from '../../../src/api/operations.ts';
import { SPEC } from '../../helpers/openapi.ts';

describe('operations of openapi.yaml by method and path', () => {
  const ops = createOperationIndex(SPEC);

  it('prefers fixed segments to parameters, as the routes do', () => {
    expect(ops.match('POST', '/api/v1/services/reconnect')?.operationId).toBe('reconnectServices');
    expect(ops.match('POST', '/api/v1/services/web.alpha.one/reconnect')).toMatchObject({
      operationId: 'reconnectService',
      tag: 'services',
      params: { key: 'web.alpha.one' },
    });
  });

  it('decodes parameters and knows nothing of other paths or methods', () => {
    expect(ops.match('DELETE', '/api/v1/namespaces/a%2Eb')?.params).toEqual({ key: 'a.b' });
    expect(ops.match('DELETE', '/api/v1/namespaces/%E0%A4%A')?.params).toEqual({ key: '%E0%A4%A' });
    expect(ops.match('PUT', '/api/v1/namespaces/x')).toBeUndefined();
    expect(ops.match('GET', '/api/v1/nope')).toBeUndefined();
  });
});
