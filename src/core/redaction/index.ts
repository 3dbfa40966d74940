export {
  findNames,
  findPatterns,
  ibanValid,
  luhnValid,
  nirValid,
  type Found,
  type PatternKind,
} from './patterns.js';
export {
  addRedactions,
  listRedactions,
  removeRedaction,
  suggestRedactions,
  RedactionSchema,
  type Redaction,
  type SpanInput,
  type Suggestion,
} from './marks.js';
export {
  eraseRedacted,
  redactionLabel,
  redactRecord,
  redactSegments,
  scrubDeep,
  scrubText,
  type Redactable,
} from './apply.js';
