export {
  effectiveRule,
  meetingRetention,
  parseRule,
  readRetention,
  RETENTION_PARTS,
  RetentionRuleSchema,
  writeRetention,
  type MeetingRetention,
  type RetentionPart,
  type RetentionRule,
  type RetentionSource,
} from './policy.js';
export {
  applyRetention,
  retentionPreview,
  type RetentionItem,
  type RetentionPlan,
} from './apply.js';
export {
  deleteMeeting,
  setMeetingRule,
  setLegalHold,
  retentionOf,
  type RetentionView,
} from './settings.js';
