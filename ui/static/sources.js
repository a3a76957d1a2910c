element.addEventListener('toggle', (event) => {
  const details = event.target;
  if (!details.open || !details.classList || !details.classList.contains('aqa-article')) return;
  const mark = details.querySelector('mark');
  const box = details.querySelector('.aqa-article-body');
  if (mark && box) box.scrollTop = Math.max(0, mark.offsetTop - box.offsetTop - 40);
}, true);
