import { StoreError } from './store.ts';

/**
 * Query parameters read as the API server's parameter codec reads them into ListOptions, PodLogOptions and the
 * like. A boolean is false when absent, "0" or any case of "false", and true for anything else, even "yes" or an
 * empty value (apimachinery's Convert_Slice_string_To_bool); integers go through Go's strconv, whose error text
 * reaches the client as a 400.
 */
export interface Query {
  bool(name: string): boolean;
  /** undefined when absent; throws a 400 StoreError when not a base-10 integer. */
  int(name: string): number | undefined;
  str(name: string): string | undefined;
}

const GO_INT = /^[+-]?\d+$/;

export function readQuery(params: URLSearchParams): Query {
  return {
    bool(name) {
      const v = params.get(name);
      if (v === null) return false;
      return !(v === '0' || v.toLowerCase() === 'false');
    },
    int(name) {
      const v = params.get(name);
      if (v === null) return undefined;
      if (!GO_INT.test(v))
        throw new StoreError(
          400,
          'BadRequest',
          `strconv.ParseInt: parsing ${JSON.stringify(v)}: invalid syntax`,
        );
      const n = Number(v);
      if (!Number.isSafeInteger(n))
        throw new StoreError(
          400,
          'BadRequest',
          `strconv.ParseInt: parsing ${JSON.stringify(v)}: value out of range`,
        );
      return n;
    },
    str(name) {
      return params.get(name) ?? undefined;
    },
  };
}

export type FieldValidation = 'Strict' | 'Warn' | 'Ignore';

/**
 * The `fieldValidation` directive of a write. Absent means Warn, as on API servers since 1.27; anything but the three
 * known values is refused with the server's text for the options kind of the verb.
 */
export function fieldValidationOf(params: URLSearchParams, optionsKind: string): FieldValidation {
  const v = params.get('fieldValidation') ?? '';
  if (v === '') return 'Warn';
  if (v === 'Strict' || v === 'Warn' || v === 'Ignore') return v;
  throw new StoreError(
    422,
    'Invalid',
    `${optionsKind}.meta.k8s.io "" is invalid: fieldValidation: Unsupported value: ${JSON.stringify(v)}: supported values: "", "Ignore", "Strict", "Warn"`,
  );
}

/** `dryRun=All` (the only value servers take): the write is checked and answered but not stored. */
export function dryRunOf(params: URLSearchParams, optionsKind: string): boolean {
  const values = params.getAll('dryRun');
  const bad = values.filter((v) => v !== 'All');
  if (bad.length)
    throw new StoreError(
      422,
      'Invalid',
      `${optionsKind}.meta.k8s.io "" is invalid: dryRun: Unsupported value: ${JSON.stringify(bad)}: supported values: "All"`,
    );
  return values.length > 0;
}
