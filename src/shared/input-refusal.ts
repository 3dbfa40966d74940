import type { ZodError, ZodType } from 'zod';

/** What a refused call's input said, as data: the API's error shape (api.ts ApiError). */
interface Refusal {
  code: 'value-out-of-range' | 'invalid-request';
  message: string;
  hint: string;
  vars?: { field: string; min: number; max: number };
}

/** The wrappers a field's schema may sit in (`.optional()`, `.partial()`, `.default()`…). */
const WRAPPERS = new Set(['optional', 'nullable', 'default', 'readonly', 'nonoptional']);

interface Inspectable {
  _zod: { def: { type: string; innerType?: unknown; shape?: Record<string, unknown> } };
  minValue?: number | null;
  maxValue?: number | null;
}

function unwrap(schema: unknown): Inspectable | undefined {
  let current = schema as Inspectable | undefined;
  while (current && WRAPPERS.has(current._zod.def.type)) {
    current = current._zod.def.innerType as Inspectable | undefined;
  }
  return current;
}

/** The schema of the field at `path` in an object schema, unwrapped, if the path leads to one. */
function fieldSchema(schema: ZodType, path: readonly PropertyKey[]): Inspectable | undefined {
  let current = unwrap(schema);
  for (const key of path) {
    const shape = current?._zod.def.type === 'object' ? current._zod.def.shape : undefined;
    if (!shape || typeof key !== 'string' || !Object.hasOwn(shape, key)) return undefined;
    current = unwrap(shape[key]);
  }
  return current;
}

/**
 * A call's input refused by its schema, said so the window can name what was
 * wrong: a number with both bounds (a field the clerk typed into, such as the
 * auto-lock minutes) comes back as 'value-out-of-range' with the field and its
 * range as data, which the UI words in its language and with the field's own
 * label (renderer/i18n/errors.ts). Anything else stays 'invalid-request'. One
 * place for the dispatcher and Electron's preload, so both doors say the same.
 */
export function inputRefusal(name: string, schema: ZodType, error: ZodError): Refusal {
  const issue = error.issues[0];
  const where = issue?.path.length ? issue.path.join('.') : 'input';
  const field = issue ? fieldSchema(schema, issue.path) : undefined;
  if (
    field?._zod.def.type === 'number' &&
    typeof field.minValue === 'number' &&
    typeof field.maxValue === 'number' &&
    Number.isFinite(field.minValue) &&
    Number.isFinite(field.maxValue)
  ) {
    return {
      code: 'value-out-of-range',
      message: `"${where}" must be between ${field.minValue} and ${field.maxValue} (the request "${name}" was refused).`,
      hint: 'Type a value in that range.',
      vars: { field: where, min: field.minValue, max: field.maxValue },
    };
  }
  return {
    code: 'invalid-request',
    message: `The request "${name}" was refused: ${where}: ${issue?.message ?? 'invalid'}.`,
    hint: 'Check the value you entered; if it looks right, restart Greffier.',
  };
}
