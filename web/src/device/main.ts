// The window evaluation device /device (issue 12).
document.getElementById('app')!.textContent = '正在加载…';
