// The spoken prompt of the rating screen (适老化, issue 12), through the
// browser's speech synthesis, only where it has a Chinese (zh-CN) voice: a
// device without one stays silent rather than reading Chinese with a foreign
// voice. Nothing here may break the page: every call is guarded.

function chineseVoice(): SpeechSynthesisVoice | undefined {
  return window.speechSynthesis?.getVoices().find((voice) => /^zh[-_](CN|Hans)/i.test(voice.lang));
}

/** The voice list is filled asynchronously in Chromium: asking once at start-up lets it load before the first prompt. */
export function prepareSpeech(): void {
  try {
    window.speechSynthesis?.getVoices();
  } catch {
    // no speech synthesis
  }
}

export function speak(text: string): void {
  try {
    const synthesis = window.speechSynthesis;
    const voice = chineseVoice();
    if (!synthesis || !voice || typeof SpeechSynthesisUtterance === 'undefined') return;
    synthesis.cancel();
    const utterance = new SpeechSynthesisUtterance(text);
    utterance.voice = voice;
    utterance.lang = voice.lang;
    utterance.rate = 0.9; // a little slower, for older listeners
    synthesis.speak(utterance);
  } catch {
    // silent
  }
}

export function stopSpeaking(): void {
  try {
    window.speechSynthesis?.cancel();
  } catch {
    // silent
  }
}
