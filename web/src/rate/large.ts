// 大字版 (elderly-friendly mode): larger type, high contrast, bigger targets.
// Remembered on the phone (localStorage), so that the next link opens in it.
import { ref, watch } from 'vue';

const KEY = 'hcp.rate.large';

function stored(): boolean {
  try {
    return localStorage.getItem(KEY) === '1';
  } catch {
    return false; // storage refused (private mode): the switch still works for this page
  }
}

export const largeMode = ref(stored());

watch(
  largeMode,
  (on) => {
    document.documentElement.classList.toggle('large', on);
    try {
      if (on) localStorage.setItem(KEY, '1');
      else localStorage.removeItem(KEY);
    } catch {
      // not remembered; nothing else to do
    }
  },
  { immediate: true },
);
