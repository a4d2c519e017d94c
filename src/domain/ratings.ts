// R4-R6: what a rating says — one overall level (the score), optional aspect
// levels with issue tags, free text — and where it came from.

/** R6: the five levels and their scores. */
export const LEVELS = {
  very_satisfied: { score: 10, zh: '非常满意' },
  satisfied: { score: 8, zh: '满意' },
  basically_satisfied: { score: 6, zh: '基本满意' },
  dissatisfied: { score: 3, zh: '不满意' },
  very_dissatisfied: { score: 0, zh: '非常不满意' },
} as const;

export type Level = keyof typeof LEVELS;
export const LEVEL_NAMES = Object.keys(LEVELS) as Level[];

/** R6: the score of a level. */
export const scoreOf = (level: Level): number => LEVELS[level].score;

/** R6, R12: dissatisfied and very dissatisfied are the negative ratings. */
export const isNegative = (level: Level): boolean => level === 'dissatisfied' || level === 'very_dissatisfied';

/** R4: the three aspects rated beside the overall level. */
export const ASPECTS = {
  attitude: '服务态度',
  quality: '服务质量',
  efficiency: '办事效率',
} as const;
export type Aspect = keyof typeof ASPECTS;

/** R4: issue tags a rater may tick, each under one aspect. */
export const TAGS = {
  'attitude.indifferent': { aspect: 'attitude', zh: '态度冷漠' },
  'attitude.impolite': { aspect: 'attitude', zh: '言语不文明' },
  'attitude.buck_passing': { aspect: 'attitude', zh: '推诿扯皮' },
  'quality.unclear_guidance': { aspect: 'quality', zh: '一次性告知不清' },
  'quality.extra_documents': { aspect: 'quality', zh: '要求提供额外材料' },
  'quality.wrong_result': { aspect: 'quality', zh: '办理结果有误' },
  'efficiency.long_wait': { aspect: 'efficiency', zh: '等候时间长' },
  'efficiency.overdue': { aspect: 'efficiency', zh: '超时办理' },
  'efficiency.repeat_visits': { aspect: 'efficiency', zh: '多次跑动' },
} as const satisfies Record<string, { aspect: Aspect; zh: string }>;
export type Tag = keyof typeof TAGS;
export const TAG_NAMES = Object.keys(TAGS) as Tag[];

/** R5: where a rating comes from; `system` is only the default rating (R6). */
export const CHANNELS = ['web', 'sms', 'app', 'miniprogram', 'hotline', 'device', 'system'] as const;
export type Channel = (typeof CHANNELS)[number];
export const RATER_CHANNELS = CHANNELS.filter((c) => c !== 'system') as Exclude<Channel, 'system'>[];

export const MAX_COMMENT_LENGTH = 500;

export interface RatingContent {
  level: Level;
  aspects: Partial<Record<Aspect, Level>>;
  tags: Tag[];
  comment: string | null;
  channel: Channel;
}

/**
 * R7: "the same rating sent again" — two submissions are the same when they
 * say the same thing through the same channel. Order of tags and blank
 * space around the text do not matter.
 */
export function ratingFingerprint(content: RatingContent): string {
  const aspects = (Object.keys(ASPECTS) as Aspect[]).map((a) => `${a}=${content.aspects[a] ?? ''}`).join(',');
  return [content.level, aspects, [...new Set(content.tags)].sort().join(','), (content.comment ?? '').trim(), content.channel].join('|');
}
