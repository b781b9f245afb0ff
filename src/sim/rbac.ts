/** Bearer tokens and their RBAC-like rules, checked like a real API server. */
export interface Rule {
  verbs: string[];
  /** Resource names such as `pods`, `pods/portforward`, or `*`. */
  resources: string[];
  /** Namespaces the rule applies to; omitted or `*` = all (and cluster scope). */
  namespaces?: string[];
}

export interface SimUser {
  name: string;
  token: string;
  rules: Rule[];
}

export const ADMIN_RULES: Rule[] = [{ verbs: ['*'], resources: ['*'] }];

export function allowed(
  user: SimUser,
  verb: string,
  resource: string,
  namespace: string | undefined,
): boolean {
  return user.rules.some(
    (r) =>
      (r.verbs.includes('*') || r.verbs.includes(verb)) &&
      (r.resources.includes('*') || r.resources.includes(resource)) &&
      (!r.namespaces ||
        r.namespaces.includes('*') ||
        (namespace !== undefined && r.namespaces.includes(namespace))),
  );
}

/** The message a real API server writes for a denied request. */
export function forbiddenMessage(
  user: string,
  verb: string,
  resource: string,
  group: string,
  namespace: string | undefined,
  name?: string,
): string {
  const [base, sub] = resource.split('/');
  const what = `${base}${name ? ` "${name}"` : ''} is forbidden: User "${user}" cannot ${verb} resource "${base}"${sub ? ` subresource "${sub}"` : ''}`;
  return `${what} in API group "${group}"${namespace ? ` in the namespace "${namespace}"` : ' at the cluster scope'}`;
}
