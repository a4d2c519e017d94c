// vue-i18n: zh-CN by default, English by the switch in the header (kept in localStorage).
import { createI18n } from 'vue-i18n';
import en from './en';
import zh from './zh-CN';

export type Locale = 'zh-CN' | 'en';
const saved = typeof localStorage !== 'undefined' ? localStorage.getItem('hcp-locale') : null;

export const i18n = createI18n({
  legacy: false,
  locale: saved === 'en' ? 'en' : 'zh-CN',
  fallbackLocale: 'zh-CN',
  messages: { 'zh-CN': zh, en },
});

export function setLocale(locale: Locale): void {
  i18n.global.locale.value = locale;
  localStorage.setItem('hcp-locale', locale);
  document.documentElement.lang = locale;
}
