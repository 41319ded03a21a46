// Package pagetest is the browser harness the page tests share: it starts
// headless Chromium as an Italian phone against a hub, signs people in,
// reads the page, and checks each page with axe-core and for its width on
// the phone and on a desktop, keeping screenshots when asked. It is
// imported only by tests under web/browsertest; paths are relative to such
// a test package's directory.
package pagetest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/jpeg"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/skip2/go-qrcode"
)

// PhoneWidth and PhoneHeight are the viewport of every browser test.
const PhoneWidth, PhoneHeight = 390, 844

// Flow is one browser session on a hub: an Italian phone in headless
// Chromium, with axe-core ready to inject.
type Flow struct {
	T        *testing.T
	Ctx      context.Context
	URL      string
	Axe      string
	Password string // what Login types for every account
}

func (f *Flow) Run(steps ...chromedp.Action[chromedp.Void]) {
	f.T.Helper()
	if err := chromedp.Do(f.Ctx, steps...); err != nil {
		f.T.Fatalf("browser: %v", err)
	}
}

func (f *Flow) Open(path string) int64 {
	f.T.Helper()
	res, err := chromedp.RunResponse(f.Ctx, chromedp.Navigate(f.URL+path))
	if err != nil {
		f.T.Fatalf("open %s: %v", path, err)
	}
	return res.Status
}

func (f *Flow) Submit(steps ...chromedp.Action[chromedp.Void]) int64 {
	f.T.Helper()
	res, err := chromedp.RunResponse(f.Ctx, steps...)
	if err != nil {
		f.T.Fatalf("submit: %v", err)
	}
	return res.Status
}

func (f *Flow) Eval(js string, out any) {
	f.T.Helper()
	eval(f.T, f.Ctx, js, out)
}

func (f *Flow) Text(sel string) string {
	f.T.Helper()
	var out *string
	f.Eval(fmt.Sprintf(`(() => { const e = document.querySelector(%q); return e ? e.innerText : null; })()`, sel), &out)
	if out == nil {
		f.T.Fatalf("no element %s on %s", sel, f.Path())
	}
	return strings.TrimSpace(*out)
}

func (f *Flow) Attr(sel, name string) string {
	f.T.Helper()
	var out *string
	f.Eval(fmt.Sprintf(`(() => { const e = document.querySelector(%q); return e ? e.getAttribute(%q) : null; })()`, sel, name), &out)
	if out == nil {
		f.T.Fatalf("no %s[%s] on %s", sel, name, f.Path())
	}
	return *out
}

func (f *Flow) Path() string {
	var loc string
	f.Eval(`location.pathname + location.search`, &loc)
	return loc
}

func (f *Flow) Login(email string) {
	f.T.Helper()
	if _, err := chromedp.Call(f.Ctx, network.ClearBrowserCookies, cdp.Empty{}); err != nil {
		f.T.Fatalf("clear cookies: %v", err)
	}
	if st := f.Open("/login"); st != 200 {
		f.T.Fatalf("login page: %d", st)
	}
	if st := f.Submit(
		chromedp.SetValue(chromedp.CSS("#email"), email),
		chromedp.SetValue(chromedp.CSS("#password"), f.Password),
		chromedp.Click(chromedp.CSS(`form[action="/login"] button[type=submit]`)),
	); st != 200 {
		f.T.Fatalf("log in %s: %d", email, st)
	}
}

// Check runs axe-core (WCAG 2.1 A/AA and best practices; any serious or
// critical violation fails), fails a page wider than the browser's screen,
// and keeps a screenshot (Screenshots); on the phone it then also lays the
// page out on a desktop (DesktopWidth) and checks (and keeps) that too.
func (f *Flow) Check(name string) {
	f.T.Helper()
	check(f.T, f.Ctx, f.Axe, name, true)
}

// CheckPhone is Check without the desktop, for what only a phone shows
// (its open menu).
func (f *Flow) CheckPhone(name string) {
	f.T.Helper()
	check(f.T, f.Ctx, f.Axe, name, false)
}

// CheckPage is Check for a browser that is not a Flow: ctx is its
// Chromium (Launch), axe the source of axe-core.
func CheckPage(t *testing.T, ctx context.Context, axe, name string) {
	t.Helper()
	check(t, ctx, axe, name, true)
}

func check(t *testing.T, ctx context.Context, axe, name string, andDesktop bool) {
	t.Helper()
	var loaded bool
	eval(t, ctx, `typeof window.axe === "object"`, &loaded)
	if !loaded {
		// DevTools evaluation is not subject to the page's CSP, so the
		// hub's script-src 'self' needs no exception for the test.
		if _, err := chromedp.Run(ctx, chromedp.Evaluate[chromedp.Void](axe)); err != nil {
			t.Fatalf("%s: inject axe-core: %v", name, err)
		}
	}
	var res struct {
		Violations []struct {
			ID     string `json:"id"`
			Impact string `json:"impact"`
			Help   string `json:"help"`
			Nodes  []struct {
				Target  []any  `json:"target"`
				Summary string `json:"failureSummary"`
			} `json:"nodes"`
		} `json:"violations"`
		Passes int `json:"passes"`
	}
	eval(t, ctx, `axe.run(document, {runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]}})
		.then(r => ({violations: r.violations, passes: r.passes.length}))`, &res)
	if res.Passes == 0 {
		t.Errorf("%s: axe-core passed no rule at all; did it run?", name)
	}
	for _, v := range res.Violations {
		if v.Impact != "serious" && v.Impact != "critical" {
			t.Logf("%s: axe %s (%s): %s", name, v.ID, v.Impact, v.Help)
			continue
		}
		var where []string
		for _, n := range v.Nodes {
			where = append(where, fmt.Sprint(n.Target)+": "+n.Summary)
		}
		t.Errorf("%s: axe %s (%s): %s\n  %s", name, v.ID, v.Impact, v.Help, strings.Join(where, "\n  "))
	}
	phone := checkWidth(t, ctx, name) == PhoneWidth
	keepScreenshot(t, ctx, name)
	if phone && andDesktop {
		desktop(t, ctx, name)
	}
}

// Screenshots reports whether every checked page is saved as a picture
// (CITYHUB_TEST_SCREENSHOTS set, and not "0"). A full-page screenshot costs
// Chromium a third of a browser test's CPU, so by default only a page
// that failed a check is saved, for the person who reads the failure.
func Screenshots() bool {
	v := os.Getenv("CITYHUB_TEST_SCREENSHOTS")
	return v != "" && v != "0"
}

// keepScreenshot saves the page as name.png when screenshots are asked
// for or the test has failed.
func keepScreenshot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	if Screenshots() || t.Failed() {
		screenshot(t, ctx, name)
	}
}

// DesktopWidth and DesktopHeight are the desktop screen CheckPage lays
// each page out on after the phone.
const DesktopWidth, DesktopHeight = 1280, 800

// desktop shows the page in view on a desktop screen without loading it
// again (a second load would double the suite's time, and could not
// repeat a page that answers a POST), checks that it is not wider than the
// screen and saves it as name-desktop, then turns the browser back into
// the phone. Viewport media queries apply at once; the two animation
// frames let resize handlers (Bootstrap Italia's menu, Leaflet) run.
func desktop(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(DesktopWidth, DesktopHeight)); err != nil {
		t.Fatalf("%s: desktop viewport: %v", name, err)
	}
	defer func() {
		if err := chromedp.Do(ctx, emulatePhone()); err != nil {
			t.Errorf("%s: back to the phone: %v", name, err)
		}
	}()
	eval(t, ctx, `new Promise(r => requestAnimationFrame(() => requestAnimationFrame(() => r(true))))`, nil)
	checkWidth(t, ctx, name+"-desktop")
	keepScreenshot(t, ctx, name+"-desktop")
}

// emulatePhone is the phone every browser test starts as.
func emulatePhone() chromedp.Action[chromedp.Void] {
	return chromedp.EmulateViewport(PhoneWidth, PhoneHeight, chromedp.EmulateScale(2), chromedp.EmulateMobile, chromedp.EmulatePortrait)
}

// checkWidth fails a page that is wider than the browser's screen (it
// would scroll sideways, or lose what html's overflow-x hides), naming the
// elements that stick out, and returns the window's width. The screen is
// what a classic scrollbar leaves (clientWidth); a phone has none.
func checkWidth(t *testing.T, ctx context.Context, name string) int {
	t.Helper()
	var w struct {
		Page   int      `json:"page"`
		View   int      `json:"view"`
		Window int      `json:"window"`
		Wide   []string `json:"wide"`
	}
	eval(t, ctx, `(() => {
		const view = document.documentElement.clientWidth;
		const page = Math.max(document.documentElement.scrollWidth, document.body.scrollWidth);
		// Tables scroll inside their .table-responsive box; what is in one
		// does not widen the page.
		const wide = page <= view ? [] : [...document.querySelectorAll("body *")]
			.filter(e => !(e.parentElement && e.parentElement.closest(".table-responsive")))
			.map(e => [e, e.getBoundingClientRect().right]).filter(x => x[1] > view + 1).sort((a, b) => b[1] - a[1])
			.slice(0, 6).map(x => x[0].tagName.toLowerCase() + "." + x[0].getAttribute("class") + "#" + x[0].id + " " + Math.round(x[1]));
		return {page, view, window: window.innerWidth, wide};
	})()`, &w)
	if w.Page > w.View {
		t.Errorf("%s: the page is %d px wide on a %d px screen: %q", name, w.Page, w.View, w.Wide)
	}
	return w.Window
}

// screenshot saves the whole page (beyond the window) as name.png among
// the artifacts, as it looks on the browser's screen. Every screenshot is
// taken by a check (Check, CheckPage), so that each one exists on the phone
// and on the desktop.
func screenshot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	// chromedp.FullScreenshot(100) with Chromium's fastest PNG encoding: a
	// quarter less time per screenshot (0.29 s instead of 0.39 s for the
	// privacy policy on the phone), for files a third larger.
	yes := true
	shot, err := chromedp.Call(ctx, page.CaptureScreenshot, page.CaptureScreenshotParams{
		Format: page.CaptureScreenshotFormatPng, CaptureBeyondViewport: &yes, FromSurface: &yes, OptimizeForSpeed: &yes,
	})
	if err != nil {
		t.Fatalf("screenshot %s: %v", name, err)
	}
	if err := os.WriteFile(filepath.Join(Artifacts(t), name+".png"), shot.Data, 0o644); err != nil {
		t.Fatalf("write screenshot: %v", err)
	}
}

func eval(t *testing.T, ctx context.Context, js string, out any) {
	t.Helper()
	raw, err := chromedp.Run(ctx, chromedp.Evaluate[[]byte](js, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("eval %s: %v", js, err)
	}
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			t.Fatalf("eval %s: decode %s: %v", js, raw, err)
		}
	}
}

// Artifacts is where screenshots go: $CITYHUB_TEST_ARTIFACTS/pages, else
// testdata/out/pages in the module's root (ignored by git), whichever
// package under web/browsertest the test is in.
func Artifacts(t *testing.T) string {
	dir := os.Getenv("CITYHUB_TEST_ARTIFACTS")
	if dir == "" {
		root, err := os.Getwd()
		if err != nil {
			t.Fatalf("artifacts dir: %v", err)
		}
		for {
			if _, err := os.Stat(filepath.Join(root, "go.mod")); err == nil {
				break
			}
			up := filepath.Dir(root)
			if up == root {
				t.Fatal("artifacts dir: no go.mod above the test's directory")
			}
			root = up
		}
		dir = filepath.Join(root, "testdata", "out")
	}
	dir = filepath.Join(dir, "pages")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatalf("create artifacts dir: %v", err)
	}
	return dir
}

// New starts Chromium as an Italian phone whose fake camera shows
// cameraFile (an MJPEG), when given.
func New(t *testing.T, url, cameraFile, password string) *Flow {
	t.Helper()
	axe, err := os.ReadFile(filepath.Join("..", "testdata", "axe", "axe.min.js"))
	if err != nil {
		t.Fatalf("read axe-core: %v", err)
	}
	return &Flow{T: t, Ctx: Launch(t, cameraFile), URL: url, Axe: string(axe), Password: password}
}

// Launch starts headless Chromium (CITYHUB_TEST_CHROMIUM, else the first of
// chromium-headless-shell and chromium on the PATH) with a fresh profile as
// an Italian phone, its fake camera showing cameraFile (an MJPEG) when
// given, and returns its context; the browser stops when the test ends, or
// after three minutes.
func Launch(t *testing.T, cameraFile string) context.Context {
	t.Helper()
	exe := chromium(t)
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(exe), chromedp.UserDataDir(t.TempDir()), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.NoFirstRun, chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.Flag("disable-dev-shm-usage", true), chromedp.Flag("lang", "it-IT"),
		// No host resolves but the hub's (127.0.0.1, localhost), and
		// what lies outside it (the map tiles) is out of reach here, as
		// the pages must bear. Left to the machine's resolver, a tile's
		// failed lookup took up to 4.5 s, which held up the page's load.
		chromedp.Flag("host-resolver-rules", "MAP * ~NOTFOUND, EXCLUDE 127.0.0.1, EXCLUDE localhost"),
		chromedp.WindowSize(PhoneWidth, PhoneHeight),
	}
	if cameraFile != "" {
		opts = append(opts, chromedp.Flag("use-fake-ui-for-media-stream", true), chromedp.Flag("use-fake-device-for-media-stream", true),
			chromedp.Flag("use-file-for-fake-video-capture", cameraFile))
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(actx)
	// A flow's browser lives ten minutes, or until a minute before the
	// test's own deadline (go test -timeout), for the test to report in:
	// three minutes, enough on a quiet machine, could cut a long flow short
	// while a loaded one ran the other browser tests beside it.
	deadline := time.Now().Add(10 * time.Minute)
	if d, ok := t.Deadline(); ok && d.Add(-time.Minute).Before(deadline) {
		deadline = d.Add(-time.Minute)
	}
	ctx, cancelTimeout := context.WithDeadline(ctx, deadline)
	t.Cleanup(func() { cancelTimeout(); cancelCtx(); cancelAlloc() })
	if err := chromedp.Do(ctx, emulatePhone()); err != nil {
		t.Fatalf("browser: %v", err)
	}
	// An Italian phone: the pages must come up in Italian without a switch.
	if _, err := chromedp.Call(ctx, network.Enable, network.EnableParams{}); err != nil {
		t.Fatalf("enable network: %v", err)
	}
	if _, err := chromedp.Call(ctx, network.SetExtraHTTPHeaders, network.SetExtraHTTPHeadersParams{Headers: network.Headers{"Accept-Language": "it-IT,it;q=0.9"}}); err != nil {
		t.Fatalf("set Accept-Language: %v", err)
	}
	return ctx
}

// chromium is the browser Launch starts. The headless shell is Chromium's
// engine without the desktop browser around it: the same pages, a quarter
// less CPU for the browser tests than the full browser run headless.
func chromium(t *testing.T) string {
	t.Helper()
	if exe := os.Getenv("CITYHUB_TEST_CHROMIUM"); exe != "" {
		if _, err := os.Stat(exe); err != nil {
			t.Fatalf("CITYHUB_TEST_CHROMIUM: %v", err)
		}
		return exe
	}
	for _, name := range []string{"chromium-headless-shell", "chromium"} {
		if exe, err := exec.LookPath(name); err == nil {
			return exe
		}
	}
	t.Fatal("neither chromium-headless-shell nor chromium is on the PATH (install one, or set CITYHUB_TEST_CHROMIUM)")
	return ""
}

// WriteCameraFile renders code as a QR on a 640x480 frame and writes it as
// a short MJPEG, which Chromium's fake camera plays in a loop.
func WriteCameraFile(t *testing.T, code string) string {
	t.Helper()
	q, err := qrcode.New(code, qrcode.Medium)
	if err != nil {
		t.Fatal(err)
	}
	qr := q.Image(360)
	frame := image.NewRGBA(image.Rect(0, 0, 640, 480))
	draw.Draw(frame, frame.Bounds(), &image.Uniform{color.RGBA{200, 200, 200, 255}}, image.Point{}, draw.Src)
	draw.Draw(frame, qr.Bounds().Add(image.Pt((640-360)/2, (480-360)/2)), qr, image.Point{}, draw.Src)
	// The frames are all the same: encoded once, written ten times (ten
	// encodings took a third of a second under the race detector).
	var one bytes.Buffer
	if err := jpeg.Encode(&one, frame, &jpeg.Options{Quality: 90}); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "camera.mjpeg")
	if err := os.WriteFile(file, bytes.Repeat(one.Bytes(), 10), 0o644); err != nil {
		t.Fatal(err)
	}
	return file
}
