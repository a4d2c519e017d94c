// Every word the rater's page shows (issue 12), in Chinese: the citizen's
// page has no language switch and no vue-i18n (its weight budget is 60 KB).
// The names of levels, aspects and tags come from the one module the server
// validates with (src/domain/ratings.ts, R4, R6), never copied.
import { ASPECTS, LEVELS, TAGS, type Aspect, type Level, type Tag } from '../../../src/domain/ratings.ts';
import { GRADES, type Grade } from '../../../src/domain/workflows/rectification.ts';

export const HOTLINE = '12345';

export const levelName = (level: string): string => LEVELS[level as Level]?.zh ?? level;
export const aspectName = (aspect: Aspect): string => ASPECTS[aspect];
export const tagName = (tag: string): string => TAGS[tag as Tag]?.zh ?? tag;
/** R12: how the rater grades a fix (满意, 基本满意, 不满意). */
export const GRADE_NAMES: Record<Grade, string> = GRADES;

export const text = {
  appTitle: '政务服务“好差评”',
  documentTitle: '政务服务评价',
  largeMode: '大字版',
  largeModeHint: '放大文字和按钮，提高对比度',
  loading: '正在加载评价信息…',

  // What is being rated.
  subjectTitle: '您本次办理的服务',
  matter: '办理事项',
  packageName: '一件事',
  agency: '办理部门',
  place: '办理地点',
  windowNumber: (number: string) => `${number}号窗口`,
  staff: '工作人员',
  staffNumber: (number: string) => `工号 ${number}`,
  occasion: '评价环节',
  occurredAt: '办理时间',
  deadline: '评价截止',

  // The form (R4).
  levelTitle: '总体评价',
  levelHint: '请选择一项（必选）',
  levelMissing: '请先选择一项总体评价。',
  aspectsTitle: '分项评价（选填）',
  aspectsHint: '服务态度、服务质量、办事效率',
  aspectNone: '不评',
  tagsTitle: '您遇到的问题（可多选）',
  commentLabel: '意见和建议（选填）',
  commentCount: (length: number, max: number) => `${length}/${max}`,
  commentCountLabel: (length: number, max: number) => `已输入${length}字，最多${max}字`,
  commentRemaining: (remaining: number) => `还可输入${remaining}字`,
  negativeNote: '差评将由政务服务监督管理部门核实并督促整改，处理结果会反馈给您。您的姓名和电话严格保密，不会告诉工作人员。',
  submit: '提交评价',
  submitting: '正在提交…',
  resubmit: '重新提交',
  notSentNetwork: '网络连接失败，评价还没有提交成功。请检查网络后点“重新提交”，不会重复评价。',
  notSentBusy: '提交过于频繁，请稍等一分钟后点“重新提交”。',
  notSentServer: '服务暂时不可用，评价还没有提交成功。请稍后点“重新提交”，不会重复评价。',
  notSentFields: '提交的内容有误，请检查后重新提交。',

  // After rating.
  thanksTitle: '感谢您的评价！',
  thanksText: '您的评价已提交成功，每次服务只能评价一次。',
  thanksNegative: '您反映的问题将由政务服务监督管理部门核实处理，处理结果会反馈给您。',
  ratedTitle: '您已评价过这次服务',
  ratedText: '以下是您通过这个链接提交的评价，每次服务只能评价一次。',
  yourRating: '您的评价',
  givenAt: '评价时间',
  tags: '问题',
  comment: '意见和建议',
  closeHint: '您可以关闭此页面。',

  // What became of a negative rating (R6, R11, R12): the decisions told to the rater, the rectification and its grade.
  followTitle: '处理进展',
  stages: {
    none: '',
    in_review: '您的评价正在由政务服务监督管理部门审核。',
    in_verification: '您反映的问题正在由政务服务监督管理部门核实。',
    rectifying: '您反映的问题经核实属实，正在整改。',
    rectified: '您反映的问题已整改，请您评价整改结果。',
    closed: '您反映的问题已整改，处理已结束。',
    voided: '经审核，您的评价不计入评价结果。',
    revoked: '经核实系信息系统故障等客观原因所致，该评价已撤销。',
    // Not "已核实", which reads as if the problem were confirmed: the explanation follows.
    stands: '经核实，情况说明如下：',
  },
  /** 'voided' after the agency's appeal was upheld, not after review. */
  voidedByAppeal: '经申诉复核，您的评价不计入评价结果。',
  feedbackKinds: {
    review_rejected: '审核结果',
    unfounded: '核实情况说明',
    rectified: '整改情况',
    appeal_upheld: '申诉复核结果',
    revoked: '撤销说明',
  },
  feedbackAt: (at: string) => `${at} 告知`,
  rectificationDue: '整改期限',
  measures: '整改措施',
  completedAt: '整改完成时间',
  gradeTitle: '您对整改结果满意吗？',
  yourGrade: '您对整改结果的评价',
  gradeSending: '正在提交…',
  gradeFailed: '提交没有成功，请稍后再试。',
  /** Why grading or reopening was refused: the API's error ids (R12). */
  followErrors: {
    already_graded: '您已评价过整改结果，无需再次评价。',
    already_reopened: '已按您的要求重新整改过一次，不能再次要求重新整改。',
    reopen_period_over: '要求重新整改的期限已过。',
    not_graded_unsatisfied: '请先对整改结果选择“不满意”，再要求重新整改。',
    no_rectification: '您的评价没有需要整改的事项。',
    not_rated_with_this_link: '这个链接没有评价过这次服务，无法查看处理进展。',
  } as Record<string, string | undefined>,
  reopen: '重新整改',
  reopenHint: (until: string) => `如对整改结果不满意，可在${until}要求重新整改一次。`,
  reopened: '已按您的要求重新整改，整改完成后会再次告知您。',

  // Problems: what happened, and what to do.
  hotlineText: `如有疑问或需要反映问题，请拨打${HOTLINE}政务服务便民热线。`,
  hotlineCall: `拨打 ${HOTLINE}`,
  retry: '重试',
  problems: {
    invalid: {
      title: '评价链接无效',
      text: '这个链接无法识别，可能复制得不完整或被改动过。请从短信中点开完整的链接，或扫描办结回执上的二维码。',
    },
    expired: {
      title: '评价期限已过',
      text: '这次服务的评价期限已经结束，不能再评价了。按照规定，期限内未评价的服务视为“非常满意”（默认好评）。',
    },
    used: {
      title: '这个链接已经用过了',
      text: '通过这个链接的评价已经提交，每次服务只能评价一次，无需再次评价。',
    },
    ratedElsewhere: {
      title: '这次服务已经评价过了',
      text: '这次服务已经通过其他方式（如窗口评价器、网站或另一条短信）评价过，每次服务只能评价一次。',
    },
    cancelled: {
      title: '办件已撤回',
      text: '这次服务对应的办件已经撤回，无需评价。',
    },
    network: {
      title: '网络连接失败',
      text: '暂时无法连接到服务器。请检查手机网络后点“重试”。',
    },
    busy: {
      title: '访问过于频繁',
      text: '这个链接在短时间内打开的次数太多，请稍等一分钟后点“重试”。',
    },
    server: {
      title: '服务暂时不可用',
      text: '服务器暂时无法处理您的请求，请稍后点“重试”。',
    },
  },
} as const;

export type ProblemKind = keyof typeof text.problems;
