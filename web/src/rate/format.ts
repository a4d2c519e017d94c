// Dates as a Chinese reader expects them: zh-CN, in China time (Asia/Shanghai), whatever the phone's zone.
const TIME_ZONE = 'Asia/Shanghai';
const dateTime = new Intl.DateTimeFormat('zh-CN', { timeZone: TIME_ZONE, dateStyle: 'long', timeStyle: 'short', hourCycle: 'h23' });
const dateOnly = new Intl.DateTimeFormat('zh-CN', { timeZone: TIME_ZONE, dateStyle: 'long' });
const clock = new Intl.DateTimeFormat('en-GB', { timeZone: TIME_ZONE, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });

/** "2026年11月26日 14:05" */
export const formatDateTime = (iso: string): string => dateTime.format(new Date(iso));

/** "2026年12月3日24时前": a deadline at China midnight ends the day before (R6: until 24:00 of the last day), as the SMS says it. */
export function formatDeadline(iso: string): string {
  const deadline = new Date(iso);
  if (clock.format(deadline) === '00:00') return `${dateOnly.format(new Date(deadline.getTime() - 1))}24时前`;
  return `${dateTime.format(deadline)}前`;
}
