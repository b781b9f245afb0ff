import type { McpServer } from '@modelcontextprotocol/server';
import * as z from 'zod';

interface PromptDef {
  name: string;
  title: string;
  description: string;
  args: Record<string, z.ZodType<string | undefined>>;
  text(args: Record<string, string | undefined>): string;
}

const opt = (description: string) => z.string().optional().describe(description);
const req = (description: string) => z.string().min(1).describe(description);
const inNs = (ns: string | undefined) => (ns ? ` in namespace "${ns}"` : '');

const PROMPTS: PromptDef[] = [
  {
    name: 'setup_local_dev',
    title: 'Set up local development',
    description: 'Forward the services an application needs and hand over the settings to use them',
    args: { namespace: opt('Namespace to forward'), context: opt('Kubernetes context') },
    text: (a) =>
      `Set up my workstation to work against the Kubernetes services${inNs(a.namespace)}${a.context ? ` of context "${a.context}"` : ''}.\n` +
      `1. Call get_health to check kubefwd runs; if it reports api_unavailable, tell me to start it with: sudo -E kubefwd.\n` +
      `2. ${a.namespace ? `Call add_namespace for "${a.namespace}".` : 'Call list_k8s_namespaces and ask me which namespace to forward, then add_namespace.'}\n` +
      `3. Call find_services${a.namespace ? ` with namespace "${a.namespace}"` : ''} and show each service's hostnames, ports and envVars as a ready .env block.\n` +
      `4. Point out services in error (get_quick_status) and what to do about them.`,
  },
  {
    name: 'connection_guide',
    title: 'How to connect to a service',
    description: 'Connection details and a code example for one forwarded service',
    args: {
      service_name: req('Service to connect to'),
      language: opt('Language of the example: go, python, node, ...'),
    },
    text: (a) =>
      `Show me how to connect to the service "${a.service_name}" that kubefwd forwards.\n` +
      `Call get_connection_info with service_name "${a.service_name}" (if it answers service_not_found, call find_services with query "${a.service_name}" or offer add_service).\n` +
      `Give the hostname, IP and ports, the environment variables it suggests, and a short ${a.language ?? 'shell (curl or the matching client)'} example that uses the hostname, not the IP.`,
  },
  {
    name: 'forward_namespace',
    title: 'Forward a namespace',
    description: 'Forward every service of a namespace and list what became reachable',
    args: { namespace: req('Namespace to forward'), selector: opt("Label selector, e.g. 'app=api'") },
    text: (a) =>
      `Forward the namespace "${a.namespace}"${a.selector ? ` (only services matching "${a.selector}")` : ''}.\n` +
      `Call add_namespace with namespace "${a.namespace}"${a.selector ? ` and selector "${a.selector}"` : ''}, then list_services with namespace "${a.namespace}" and include_forwards true.\n` +
      `Report each service with its hostnames and ports in a table, and any service that has no ready pod or is in error.`,
  },
  {
    name: 'explain_status',
    title: 'Explain the status',
    description: "A plain-language explanation of kubefwd's current state",
    args: {},
    text: () =>
      `Explain in plain words what kubefwd is doing right now.\n` +
      `Read get_quick_status and get_health, and list_services. Say how many services are forwarded and healthy, which are not and why, ` +
      `in terms someone who does not know Kubernetes follows. No jargon without a one-line explanation.`,
  },
  {
    name: 'troubleshoot',
    title: 'Troubleshoot connectivity',
    description: 'A step-by-step diagnosis of a connection problem through kubefwd',
    args: {
      service_name: opt('Service that has the problem'),
      symptom: opt("What goes wrong: 'connection refused', 'timeout', ..."),
    },
    text: (a) =>
      `Find out why ${a.service_name ? `the service "${a.service_name}"` : 'a forwarded service'} does not work${a.symptom ? ` (symptom: ${a.symptom})` : ''}.\n` +
      `Work through: get_quick_status; get_analysis; ${a.service_name ? `get_connection_info for "${a.service_name}", then get_service with its key; ` : ''}` +
      `diagnose_errors; for a failing pod list_pods, get_pod, get_pod_logs and get_events; get_endpoints to see ready addresses; get_history type errors.\n` +
      `Say the cause you found, with the evidence, before proposing reconnect_service or sync_service.`,
  },
  {
    name: 'fix_errors',
    title: 'Fix current errors',
    description: 'Find every error and repair what can be repaired',
    args: { auto_reconnect: opt('true to reconnect failing services without asking') },
    text: (a) =>
      `Fix the errors kubefwd has now.\n` +
      `Call diagnose_errors. For each error, explain its type and the suggestion. ` +
      (a.auto_reconnect === 'true'
        ? 'Then call reconnect_all_errors and check with get_quick_status that they recovered.'
        : 'Ask me before calling reconnect_service or reconnect_all_errors, then check with get_quick_status.'),
  },
  {
    name: 'monitor',
    title: 'Monitor traffic and health',
    description: 'A view of traffic and health, with what to watch',
    args: {},
    text: () =>
      `Give me a monitoring view of kubefwd.\n` +
      `Call get_metrics with scope by_service, get_quick_status and get_history type events (count 20). ` +
      `Show the busiest services by bytes, any errors, and recent events; mention that the kubefwd://status and kubefwd://services resources can be subscribed to for changes.`,
  },
  {
    name: 'debug_service',
    title: 'Debug a service',
    description: 'Debug one service, with the HTTP requests that went through it',
    args: {
      service_name: req('Service to debug'),
      symptom: opt("What goes wrong: 'no response', '500 errors', ..."),
    },
    text: (a) =>
      `Debug the service "${a.service_name}"${a.symptom ? ` (symptom: ${a.symptom})` : ''}.\n` +
      `1. get_connection_info for "${a.service_name}" to get its key.\n2. get_service with that key: forwards, pods, errors.\n` +
      `3. get_http_traffic with service_key: recent requests, status codes, slow paths.\n4. get_pod_logs for the pod behind it, and get_events for the namespace.\n` +
      `Conclude with the most likely cause and the next step.`,
  },
  {
    name: 'quick_connect',
    title: 'Quick connect',
    description: 'The shortest path from "I need X" to a working connection',
    args: {
      service_name: req('Service to connect to'),
      namespace: opt('Namespace of the service (searched when absent)'),
    },
    text: (a) =>
      `I need to connect to "${a.service_name}"${inNs(a.namespace)} now.\n` +
      `Call get_connection_info for it. If it is not forwarded: ${a.namespace ? `add_service with namespace "${a.namespace}" and service_name "${a.service_name}"` : `find it with list_k8s_namespaces and list_k8s_services, then add_service`}, and call get_connection_info again.\n` +
      `Answer with the hostname:port and the environment variables only.`,
  },
  {
    name: 'analyze_issues',
    title: 'Analyze all issues',
    description: 'Every issue, by priority, with the steps that resolve it',
    args: {},
    text: () =>
      `Analyze every issue kubefwd has.\n` +
      `Call get_analysis, diagnose_errors and get_history type reconnections. Group the issues by severity, ` +
      `give for each the evidence and the tool call that resolves it, and say which to do first.`,
  },
];

export const PROMPT_NAMES = PROMPTS.map((p) => p.name);

export function registerPrompts(server: McpServer): void {
  for (const p of PROMPTS) {
    server.registerPrompt(
      p.name,
      { title: p.title, description: p.description, argsSchema: z.object(p.args) },
      ((args: Record<string, string | undefined>) => ({
        description: p.description,
        messages: [{ role: 'user' as const, content: { type: 'text' as const, text: p.text(args) } }],
      })) as never,
    );
  }
}
