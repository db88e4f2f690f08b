// The demo host site's own script (a file, so that the page with a strict CSP can run it too).
// First the JS API's stub, exactly as the README gives it: calls made before the loader arrives
// wait in a queue, and `on` still returns a function that unsubscribes.
window.zchat = window.zchat || function () {
  var a = arguments;
  (window.zchat.q = window.zchat.q || []).push(a);
  return a[0] === "on" ? function () { window.zchat("off", a[1], a[2]); } : undefined;
};

// Long tasks (over 50 ms) on this page's main thread, as a site's own monitoring would see them
// (the budget test reads them: the widget may add none before the visitor acts).
window.zchatLongTasks = [];
if (window.PerformanceObserver && (PerformanceObserver.supportedEntryTypes || []).indexOf("longtask") >= 0) {
  new PerformanceObserver(function (list) {
    list.getEntries().forEach(function (task) {
      window.zchatLongTasks.push({ start: Math.round(task.startTime), duration: Math.round(task.duration), name: task.name });
    });
  }).observe({ type: "longtask", buffered: true });
}

// Long animation frames with what ran in them (scripts, style and layout), for finding a cause.
window.zchatLongFrames = [];
if (window.PerformanceObserver && (PerformanceObserver.supportedEntryTypes || []).indexOf("long-animation-frame") >= 0) {
  new PerformanceObserver(function (list) {
    list.getEntries().forEach(function (frame) {
      window.zchatLongFrames.push({
        start: Math.round(frame.startTime), duration: Math.round(frame.duration), blocking: Math.round(frame.blockingDuration),
        render: Math.round(frame.renderStart ? frame.startTime + frame.duration - frame.renderStart : 0),
        styleAndLayout: Math.round(frame.styleAndLayoutStart ? frame.startTime + frame.duration - frame.styleAndLayoutStart : 0),
        scripts: (frame.scripts || []).map(function (s) { return { invoker: s.invoker, source: s.sourceURL.split("/").pop(), start: Math.round(s.startTime), duration: Math.round(s.duration), forcedLayout: Math.round(s.forcedStyleAndLayoutDuration) }; })
      });
    });
  }).observe({ type: "long-animation-frame", buffered: true });
}

// What a site would send along: zChat returns it in every webhook of the conversation.
zchat("setExtra", { page: location.pathname, plan: "demo" });

// `?open=now`: a page that opens the chat at once through the API (the budget test measures it).
if (/[?&]open=now(&|$)/.test(location.search)) zchat("open");

// `?frame=bare` (with `?widget=none`): the browser's own cost of a frame, for the budget test's
// comparison: an iframe of an empty page of the relay's (a 404 under /widget/, with the frame's
// headers), made when the browser is first idle after load, as `data-preload="idle"` makes the
// chat's.
if (/[?&]frame=bare(&|$)/.test(location.search)) {
  addEventListener("load", function () {
    requestIdleCallback(function () {
      var frame = document.createElement("iframe");
      frame.src = new URL(document.querySelector("script[data-department]").src).origin + "/widget/none";
      frame.onload = function () { frame.setAttribute("data-loaded", ""); };
      document.body.appendChild(frame);
    }, { timeout: 4000 });
  });
}

// Every event the widget sends, written (as text, never HTML) into the page's event log.
["ready", "open", "close", "message", "unread", "state"].forEach(function (name) {
  zchat("on", name, function (data) {
    var log = document.getElementById("events");
    if (!log) return;
    var line = document.createElement("li");
    line.textContent = name + (data === undefined ? "" : " " + JSON.stringify(data));
    log.appendChild(line);
    document.body.setAttribute("data-unread", name === "unread" ? String(data) : document.body.getAttribute("data-unread") || "0");
  });
});

// The page's own buttons drive the widget through the API.
document.addEventListener("click", function (event) {
  var button = event.target.closest && event.target.closest("[data-zchat]");
  if (!button) return;
  var command = button.getAttribute("data-zchat");
  if (command === "setCustomer") zchat("setCustomer", { name: "Ana Souza", email: "ana@example.com", phone: "11987654321" });
  else if (command === "identify") {
    // The shop's backend signs its signed-in customer (here the demo site's `/sign`).
    fetch("/sign?customer_key=0010-abcd-efgh-ijkd-1c422e49fdff").then(function (answer) { return answer.json(); }).then(function (signed) {
      zchat("identify", { customer_key: signed.customer_key, signature: signed.signature, name: "Ana Souza", email: "ana@example.com" });
      document.body.setAttribute("data-identified", "true");
    });
  } else if (command === "setTags") zchat("setTags", ["1"]);
  else if (command === "setHistory") {
    // The shop's chatbot hands over: its backend signs the transcript (here the demo site's
    // `/sign-history`), and the next conversation's agent reads it first.
    var transcript = JSON.stringify([
      { time: "2026-12-07 10:00:00", direction: "CLIENT", content: "Quero trocar um produto" },
      { time: "2026-12-07 10:00:02", direction: "AGENT", content: "Sou o assistente virtual: vou chamar um atendente" }
    ]);
    fetch("/sign-history", { method: "POST", body: transcript }).then(function (answer) { return answer.json(); }).then(function (signed) {
      zchat("setHistory", signed);
      document.body.setAttribute("data-handed-over", "true");
    });
  }
  else zchat(command);
});
