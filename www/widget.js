/*
 * zChat widget embed loader. A site adds:
 *   <script src="https://RELAY/widget.js" data-department="1" async></script>
 * It draws a launcher button and, when the visitor opens it, an iframe with the widget (served by
 * the relay, so the page's CSS and the widget's never touch). Settings: data-department
 * (required), data-title, data-fields ("name*,email,phone,cpf"; "*" = required).
 * Loader and frame talk by postMessage with explicit target origins (never "*"): the frame sends
 * its unread count and asks to close (Escape, its close button); the loader says whether it is open.
 */
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script || window.__zchatLoaded) return;
  window.__zchatLoaded = true;
  var relay = new URL(script.src).origin;
  var department = script.getAttribute("data-department");
  // A choice for the visitor: data-departments="1:Atendimento,2:Vendas" (the frame checks it).
  var departments = script.getAttribute("data-departments");
  if (departments ? department && !/^[1-9][0-9]*$/.test(department.trim()) : !department || !/^[1-9][0-9]*$/.test(department.trim())) {
    console.error("zChat widget: data-department must be a positive whole number (got " + JSON.stringify(department) + "); the widget is not shown.");
    return;
  }
  var params = new URLSearchParams({ host: location.origin });
  if (department) params.set("department", department.trim());
  if (departments) params.set("departments", departments);
  var title = script.getAttribute("data-title");
  if (title) params.set("title", title);
  // Pre-chat fields, "*" for required: data-fields="name*,email,phone*,cpf" (the frame checks them).
  var fields = script.getAttribute("data-fields");
  if (fields) params.set("fields", fields);
  // The language: data-lang="pt-BR" | "en" | "es"; unset, the visitor's browser decides.
  var lang = script.getAttribute("data-lang");
  if (lang) params.set("lang", lang);

  var frame = null;
  var open = false;
  var unread = 0;
  var launcher = document.createElement("button");
  launcher.type = "button";
  launcher.id = "zchat-launcher";
  launcher.setAttribute("aria-expanded", "false");
  launcher.style.cssText = "position:fixed;right:20px;bottom:20px;width:56px;height:56px;border-radius:50%;border:0;" +
    "background:#2f6fed;color:#fff;cursor:pointer;display:flex;align-items:center;justify-content:center;box-shadow:0 4px 14px rgba(0,0,0,.25);z-index:2147483000";
  // An SVG icon, not an emoji: it looks the same with any fonts the visitor has.
  var svg = "http://www.w3.org/2000/svg";
  var icon = document.createElementNS(svg, "svg");
  icon.setAttribute("viewBox", "0 0 24 24");
  icon.setAttribute("width", "28");
  icon.setAttribute("height", "28");
  icon.setAttribute("aria-hidden", "true");
  var path = document.createElementNS(svg, "path");
  path.setAttribute("fill", "currentColor");
  var bubble = "M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H9l-5 4v-4a2 2 0 0 1-2-2V6a2 2 0 0 1 2-2z";
  var cross = "M6.4 5 12 10.6 17.6 5 19 6.4 13.4 12 19 17.6 17.6 19 12 13.4 6.4 19 5 17.6 10.6 12 5 6.4z";
  path.setAttribute("d", bubble);
  icon.appendChild(path);
  launcher.appendChild(icon);
  var badge = document.createElement("span");
  badge.id = "zchat-unread";
  badge.setAttribute("aria-hidden", "true");
  badge.style.cssText = "position:absolute;top:-4px;right:-4px;min-width:20px;height:20px;padding:0 5px;border-radius:10px;" +
    "background:#d93025;color:#fff;font:bold 12px/20px system-ui,sans-serif;text-align:center;display:none";
  launcher.appendChild(badge);

  function label() {
    var text = open ? "Close chat" : "Open chat";
    if (!open && unread > 0) text += ", " + unread + (unread === 1 ? " unread message" : " unread messages");
    launcher.setAttribute("aria-label", text);
    badge.textContent = unread > 9 ? "9+" : String(unread);
    badge.style.display = !open && unread > 0 ? "block" : "none";
  }

  // Narrow screens: the window takes the whole screen.
  var narrow = window.matchMedia("(max-width: 480px)");
  function place() {
    if (!frame) return;
    frame.style.cssText = (narrow.matches
      ? "position:fixed;inset:0;width:100%;height:100%;border:0;border-radius:0;"
      : "position:fixed;right:20px;bottom:88px;width:370px;height:560px;max-width:calc(100vw - 40px);" +
        "max-height:calc(100vh - 108px);border:0;border-radius:12px;box-shadow:0 8px 30px rgba(0,0,0,.25);") +
      "background:#fff;z-index:2147483001;display:" + (open ? "block" : "none");
  }
  if (narrow.addEventListener) narrow.addEventListener("change", place);

  function tellFrame() {
    if (frame && frame.contentWindow) {
      frame.contentWindow.postMessage(JSON.stringify({ type: "zchat:open", open: open }), relay);
    }
  }

  function ensureFrame() {
    if (frame) return frame;
    frame = document.createElement("iframe");
    frame.id = "zchat-frame";
    frame.title = title || "Chat";
    frame.src = relay + "/widget/?" + params.toString();
    frame.addEventListener("load", tellFrame);
    document.body.appendChild(frame);
    return frame;
  }

  function setOpen(value) {
    open = value;
    ensureFrame();
    place();
    launcher.setAttribute("aria-expanded", String(open));
    path.setAttribute("d", open ? cross : bubble);
    label();
    tellFrame();
    if (!open) launcher.focus();
  }

  launcher.addEventListener("click", function () { setOpen(!open); });

  window.addEventListener("message", function (event) {
    if (event.origin !== relay || !frame || event.source !== frame.contentWindow) return;
    var message;
    try { message = JSON.parse(event.data); } catch (e) { return; }
    if (message && message.type === "zchat:close" && open) setOpen(false);
    if (message && message.type === "zchat:unread" && typeof message.count === "number") {
      unread = Math.max(0, Math.floor(message.count));
      label();
    }
  });

  label();
  function mount() { document.body.appendChild(launcher); }
  if (document.body) mount(); else document.addEventListener("DOMContentLoaded", mount);
})();
