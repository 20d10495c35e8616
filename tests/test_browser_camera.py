"""Real browser, fake camera: static/camera.js reads a QR code, takes a photo, and says in the page's
own words when there is no camera to use. The module is tried on a bare harness page
(tests/static/camera_harness.html) served here with the app's Content-Security-Policy, not on an
app page: it must work under script-src 'self' / img-src 'self' wherever a page includes it.
Chromium's fake capture device plays a Y4M file made by tests/fake_camera.py."""

from __future__ import annotations

import base64
import functools
import io
import shutil
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import qrcode
from PIL import Image
from playwright.sync_api import sync_playwright

from examsvc.web.security import CONTENT_SECURITY_POLICY

from .fake_camera import numpy, write_y4m, yuv420_frame
from .test_browser import CHROMIUM, CHROMIUM_ARGS, TABLET

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parent.parent
STATIC = ROOT / "examsvc" / "static"
HARNESS = Path(__file__).resolve().parent / "static" / "camera_harness.html"
CODE = "EXAMSVC-T:ZK7Q4M2X9P3R"
WIDTH, HEIGHT = 1280, 720  # wider than a photo may be: capturePhoto has to scale down
FAKE_CAMERA = ["--use-fake-device-for-media-stream"]
MESSAGES = {  # what a page of the app passes in (translated); the module's own are English
    "denied": "未获准使用摄像头：请在浏览器设置中允许本站使用摄像头。",
    "noCamera": "本设备没有摄像头。",
    "unsupported": "此浏览器无法在本页使用摄像头。",
}
# The permission policy the tablet pages are to send; ?policy=none gives the app's present one.
CAMERA_ALLOWED, CAMERA_REFUSED = "camera=(self)", "camera=()"


class HarnessHandler(SimpleHTTPRequestHandler):
    """Static files with the app's CSP; the camera allowed, or refused with ?policy=none."""

    def end_headers(self) -> None:
        self.send_header("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        refused = "policy=none" in self.path
        self.send_header("Permissions-Policy", CAMERA_REFUSED if refused else CAMERA_ALLOWED)
        self.send_header("Cache-Control", "no-store")
        super().end_headers()

    def log_message(self, format: str, *args: object) -> None:  # quiet: pytest shows failures
        pass


@pytest.fixture(scope="module")
def harness(tmp_path_factory):  # type: ignore[no-untyped-def]
    """The harness page's URL on 127.0.0.1 (a secure context, so getUserMedia is offered)."""
    site = tmp_path_factory.mktemp("camera-site")
    shutil.copy(HARNESS, site / "index.html")
    shutil.copy(STATIC / "camera.js", site / "camera.js")
    (site / "vendor").mkdir()
    shutil.copy(STATIC / "vendor" / "jsQR.js", site / "vendor" / "jsQR.js")
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(HarnessHandler, directory=str(site)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/index.html"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def qr_video(tmp_path_factory) -> Path:  # type: ignore[no-untyped-def]
    video = tmp_path_factory.mktemp("camera") / "qr.y4m"
    return write_y4m(video, qrcode.make(CODE).get_image(), width=WIDTH, height=HEIGHT)


@pytest.fixture(scope="module")
def playwright_driver():  # type: ignore[no-untyped-def]
    assert Path(CHROMIUM).exists(), "Chromium is missing: scripts/test.sh installs Debian's chromium package"
    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="module")
def camera_browser(playwright_driver, qr_video):  # type: ignore[no-untyped-def]
    """Chromium whose only camera shows the QR code."""
    args = [*CHROMIUM_ARGS, *FAKE_CAMERA, f"--use-file-for-fake-video-capture={qr_video}"]
    browser = playwright_driver.chromium.launch(executable_path=CHROMIUM, args=args)
    yield browser
    browser.close()


def open_harness(browser, url: str, permissions: list[str]):  # type: ignore[no-untyped-def]
    """The harness page, with a list of what the page threw and of the errors camera.js logged (the
    browser's own messages, such as a favicon not found or a policy refusal, are not counted)."""
    context = browser.new_context(viewport=TABLET, permissions=permissions)
    page = context.new_page()
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(f"pageerror: {error}"))
    page.on("console", lambda msg: problems.append(msg.text) if "ExamCamera" in msg.text else None)
    page.goto(url)
    assert page.evaluate("typeof window.ExamCamera === 'object' && window.ExamCamera.canScan()")
    return context, page, problems


def test_the_fake_camera_file_is_yuv4mpeg2_420(tmp_path):
    """tests/fake_camera.py: the header Chromium reads, ten whole frames, the same bytes with numpy or
    PIL alone (to one step of rounding), studio-range white and black."""
    video = write_y4m(tmp_path / "q.y4m", qrcode.make(CODE).get_image(), width=640, height=480)
    header, _, body = video.read_bytes().partition(b"\n")
    assert header == b"YUV4MPEG2 W640 H480 F30:1 Ip A1:1 C420"
    frame = len(b"FRAME\n") + 640 * 480 * 3 // 2
    assert len(body) == 10 * frame
    assert all(body[i * frame : i * frame + 6] == b"FRAME\n" for i in range(10))
    assert body[6] == 235  # the white letterbox, top left: Y 235
    if numpy is not None:
        picture = Image.linear_gradient("L").convert("RGB").resize((320, 200))
        both = [numpy.frombuffer(yuv420_frame(picture, use_numpy=n), numpy.uint8) for n in (True, False)]
        assert numpy.abs(both[0].astype(int) - both[1].astype(int)).max() <= 1
    with pytest.raises(ValueError, match="even"):
        yuv420_frame(Image.new("RGB", (3, 2)))


SCAN = """async () => {
  const video = document.getElementById("video");
  const cam = await ExamCamera.open(video);
  if (!cam.ok) return { error: cam.error, detail: cam.detail };
  const decoder = window.jsQR;
  let decoded = 0;  // frames in which the decoder found the code: more than the reports
  window.jsQR = (...args) => {
    const found = decoder(...args);
    if (found) decoded += 1;
    return found;
  };
  const texts = [];
  const stop = ExamCamera.scanQr(cam, (text) => texts.push(text), { intervalMs: 150 });
  const pause = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
  for (let waited = 0; texts.length === 0 && waited < 15000; waited += 50) await pause(50);
  await pause(1500);  // the code stays in view: it is not reported again
  stop();
  const size = [video.videoWidth, video.videoHeight];
  cam.stop();
  return { texts, decoded, size, liveAfterStop: cam.live, streamAfterStop: video.srcObject !== null };
}"""


def test_a_qr_code_held_to_the_camera_is_read_once(camera_browser, harness):
    context, page, problems = open_harness(camera_browser, harness, ["camera"])
    result = page.evaluate(SCAN)
    context.close()

    assert "error" not in result, result
    assert result["size"] == [WIDTH, HEIGHT]  # the fake camera's frames, at the file's own size
    assert result["texts"] == [CODE]
    assert result["decoded"] >= 5, result  # decoded again and again, reported once
    assert result["liveAfterStop"] is False and result["streamAfterStop"] is False
    assert problems == []


PHOTO = """async () => {
  const cam = await ExamCamera.open(document.getElementById("video"));
  if (!cam.ok) return { error: cam.error, detail: cam.detail };
  const blob = await ExamCamera.capturePhoto(cam, { maxWidth: 640, quality: 0.85 });
  const bytes = new Uint8Array(await blob.arrayBuffer());
  let binary = "";
  for (let i = 0; i < bytes.length; i += 0x8000) {
    binary += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000));
  }
  const dataUrl = await ExamCamera.toDataUrl(blob);
  // The canvas preview, which needs no image URL at all.
  const canvas = document.getElementById("preview");
  const drawn = await ExamCamera.drawPhoto(canvas, blob);
  const corner = Array.from(canvas.getContext("2d").getImageData(2, 2, 1, 1).data);
  // An <img> preview of the data: URL, against the CSP's img-src.
  const image = document.getElementById("image");
  const blocked = await new Promise((resolve) => {
    document.addEventListener("securitypolicyviolation", (e) => resolve(e.violatedDirective), { once: true });
    image.onload = () => resolve(null);
    image.src = dataUrl;
  });
  cam.stop();
  const afterStop = await ExamCamera.capturePhoto(cam);
  return {
    type: blob.type, jpeg: btoa(binary), dataUrlStart: dataUrl.slice(0, 23), drawn,
    preview: [canvas.width, canvas.height], corner, blocked, afterStop,
  };
}"""


def test_a_photo_is_a_jpeg_at_most_640_pixels_wide(camera_browser, harness):
    context, page, problems = open_harness(camera_browser, harness, ["camera"])
    result = page.evaluate(PHOTO)
    context.close()

    assert "error" not in result, result
    jpeg = base64.b64decode(result["jpeg"])
    assert result["type"] == "image/jpeg" and jpeg[:2] == b"\xff\xd8" and jpeg[-2:] == b"\xff\xd9"
    photo = Image.open(io.BytesIO(jpeg))
    assert photo.format == "JPEG"
    assert photo.size == (640, 360)  # 1280x720 scaled to the width allowed, proportions kept
    grey = photo.convert("L")
    low, high = grey.getextrema()
    assert low < 60 and high > 200  # the camera's picture: dark modules on white, not a blank canvas
    assert grey.getpixel((2, 2)) > 200  # the white margin around the code

    assert result["dataUrlStart"] == "data:image/jpeg;base64,"
    assert result["drawn"] is True and result["preview"] == [640, 360]
    assert min(result["corner"][:3]) > 200 and result["corner"][3] == 255
    # Under the app's img-src, an <img> cannot show a data: URL: pages preview on a canvas instead.
    img_src = next(d for d in CONTENT_SECURITY_POLICY.split("; ") if d.startswith("img-src"))
    assert result["blocked"] == (None if "data:" in img_src else "img-src")
    assert result["afterStop"] is None  # no photo from a stopped camera, and nothing thrown
    assert problems == []


REFUSED = """async (messages) => {
  const video = document.getElementById("video");
  const cam = await ExamCamera.open(video, { messages });
  const noScan = ExamCamera.scanQr(cam, () => {});
  noScan();
  const photo = await ExamCamera.capturePhoto(cam);
  cam.stop();
  return { ok: cam.ok, error: cam.error, message: cam.message, detail: cam.detail, photo };
}"""


@pytest.mark.parametrize(
    ("permissions", "query"),
    [([], ""), (["camera"], "?policy=none")],
    ids=["permission-not-granted", "permissions-policy-camera-none"],
)
def test_a_refused_camera_is_reported_in_the_pages_words(camera_browser, harness, permissions, query):
    """The user said no (headless Chromium refuses what was not granted), or the page's
    Permissions-Policy forbids the camera, as the app's camera=() does today."""
    context, page, problems = open_harness(camera_browser, harness + query, permissions)
    result = page.evaluate(REFUSED, MESSAGES)
    context.close()

    assert result["ok"] is False and result["error"] == "denied", result
    assert result["message"] == MESSAGES["denied"]
    assert result["detail"].startswith("NotAllowedError")
    assert result["photo"] is None
    assert problems == []


def test_a_tablet_without_a_camera_is_told_so(playwright_driver, harness):
    """No fake device: the machine's real cameras, of which a test machine has none."""
    browser = playwright_driver.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    try:
        context, page, problems = open_harness(browser, harness, ["camera"])
        result = page.evaluate(REFUSED, MESSAGES)
        context.close()
    finally:
        browser.close()

    assert not result["ok"], "this test needs a machine without a camera (a CI machine has none)"
    assert result["error"] == "noCamera", result
    assert result["message"] == MESSAGES["noCamera"]
    assert problems == []
