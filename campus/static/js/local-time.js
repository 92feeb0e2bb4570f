// Times the server writes in UTC (<time datetime=… data-local>) shown in the reader's own time
// zone and language; without JavaScript the UTC text stays, labelled as such.
const lang = document.documentElement.lang || undefined;
const format = new Intl.DateTimeFormat(lang, { dateStyle: "medium", timeStyle: "medium" });
for (const element of document.querySelectorAll("time[data-local]")) {
  const when = new Date(element.dateTime);
  if (!Number.isNaN(when.getTime())) {
    element.title = element.textContent;
    element.textContent = format.format(when);
  }
}
