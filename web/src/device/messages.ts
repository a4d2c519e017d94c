// Every word the window evaluation device (评价器) shows (issue 12), in
// Chinese: the device faces the citizen at a Guangxi window, has no language
// switch and no vue-i18n. Level and tag names come from the one module the
// server validates with (src/domain/ratings.ts, R4, R6), never copied.
import { LEVELS, TAGS, type Level, type Tag } from '../../../src/domain/ratings.ts';

export const levelName = (level: Level): string => LEVELS[level].zh;
export const tagName = (tag: Tag): string => TAGS[tag].zh;

export const text = {
  documentTitle: '政务服务评价器',
  appTitle: '政务服务“好差评”',
  loading: '正在加载…',

  // Pairing.
  pairTitle: '配对评价器',
  pairHint: '请输入管理员在管理后台为本窗口生成的 6 位配对码。',
  pairCodeLabel: '配对码',
  pairKeypad: '数字键盘',
  pairDelete: '删除',
  pairClear: '清空',
  pairSubmit: '配对',
  pairing: '正在配对…',
  pairCodeMalformed: '配对码是 6 位数字，请检查后重新输入。',
  pairCodeInvalid: '配对码不正确、已使用或已过期（有效期 10 分钟），请向管理员重新获取。',
  pairTooMany: '尝试次数过多，请稍等一分钟后再试。',
  pairNetwork: '网络连接失败，请检查网络后重试。',
  pairServer: '服务暂时不可用，请稍后重试。',
  revoked: '此评价器已被管理员停用，请重新配对。',

  // Idle.
  windowTitle: (number: string, name: string | null) => (name ? `${number}号窗口 · ${name}` : `${number}号窗口`),
  onDutyTitle: '当前窗口工作人员',
  onDutyNone: '本窗口暂无在岗工作人员信息',
  staffNumber: (number: string) => `工号 ${number}`,
  idleInvite: '办理完成后，请在本评价器上对我们的服务进行评价',
  idleConfidential: '您的评价将如实记录，个人信息严格保密。',
  liveUp: '● 实时连接正常',
  liveDown: '● 正在连接服务器…',

  // Rating (R4, R6).
  ratingTitle: '请对本次服务进行评价',
  ratingSpoken: '您好，请对本次服务进行评价。',
  matter: '办理事项',
  agency: '办理部门',
  staff: '工作人员',
  occasion: '评价环节',
  levelsLabel: '总体评价（请选择一项）',
  tagsTitle: '您遇到的问题（可多选，也可不选）',
  submit: '提交评价',
  submitting: '正在提交…',
  chooseLevelFirst: '请先点选一项评价',
  cancel: '暂不评价',
  timeoutNote: (seconds: number) => `${seconds} 秒内无操作将返回首页`,
  moreWaiting: (count: number) => `还有 ${count} 项服务待评价`,

  // After rating.
  thanksTitle: '感谢您的评价！',
  thanksSent: '您的评价已提交成功。',
  thanksQueued: '网络暂时中断，您的评价已保存在本机，网络恢复后将自动提交，不会重复提交。',
  thanksNegative: '您反映的问题将由政务服务监督管理部门核实处理。',
  notRatedTitle: '本次评价未能提交',
  back: '返回首页',

  // Offline queue.
  offlineBanner: '网络已断开',
  sendingBanner: '正在提交保存的评价',
  waitingCount: (count: number) => `${count} 条评价待提交`,
} as const;

/** Why a rating was not accepted, by the API's error id (contract of issue 12), for the citizen in front of the device. */
export function refusalText(errorId: string | undefined, status: number): string {
  switch (errorId) {
    case 'rating_already_given':
    case 'token_already_used':
      return '这次服务已经评价过了，每次服务只能评价一次。';
    case 'token_expired':
    case 'occasion_defaulted':
      return '这次服务的评价期限已过，系统已按规定给出默认评价。';
    case 'occasion_cancelled':
      return '这件办件已撤回，无需评价。';
    case 'device_window_mismatch':
      return '这项服务不是在本窗口办理的，请在办理窗口的评价器上评价。';
    case 'invalid_token':
      return '评价信息无效，请联系窗口工作人员。';
  }
  if (status === 400) return '评价内容有误，请联系窗口工作人员。';
  return '评价未能提交，请联系窗口工作人员。';
}
