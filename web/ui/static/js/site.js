// Runs before Bootstrap Italia's bundle. The bundle carries the video.js
// player, which by default adds <style> elements to every page; the CSP
// (style-src 'self') forbids them, and no page plays video, so it is told
// not to.
window.VIDEOJS_NO_DYNAMIC_STYLE = true;
