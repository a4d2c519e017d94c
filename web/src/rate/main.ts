// The rater's page /r/{token} (issue 12): phone-first, no Element Plus.
document.getElementById('app')!.textContent = '正在加载…';
