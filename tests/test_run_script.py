"""`scripts/run.sh` on another PORT: the demo served there, and the QR codes it prints name that
port too (they named 5000 whatever the port was)."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import urllib.request
from pathlib import Path

import zxingcpp
from PIL import Image

from .test_production import _port, run_script, wait_healthy

ROOT = Path(__file__).resolve().parents[1]


def test_the_qr_codes_of_a_demo_on_another_port_name_that_port(tmp_path):
    """Guard: run.sh's EXAMSVC_BASE_URL default from PORT (development branch)."""
    port = _port()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("EXAMSVC_")},
        "EXAMSVC_SKIP_INSTALL": "1",
        "EXAMSVC_INSTANCE_DIR": str(tmp_path / "instance"),
        "PORT": str(port),
    }
    server = run_script(env)
    base = f"http://127.0.0.1:{port}"
    try:
        assert wait_healthy(base), "run.sh did not serve"
        with sqlite3.connect(tmp_path / "instance" / "examsvc.db") as db:
            tokens = [t for (t,) in db.execute("SELECT token FROM certificate WHERE revoked_at IS NULL")]
        for token in tokens:
            try:
                with urllib.request.urlopen(f"{base}/v/{token}/certificate.pdf", timeout=30) as answer:
                    pdf = answer.read()
                break
            except urllib.error.HTTPError:
                continue  # expired in the demo: the next one
        else:
            raise AssertionError("no valid certificate in the demo")
        (tmp_path / "c.pdf").write_bytes(pdf)
        subprocess.run(
            [
                "pdftoppm",
                "-r",
                "150",
                "-png",
                "-f",
                "1",
                "-l",
                "1",
                str(tmp_path / "c.pdf"),
                str(tmp_path / "p"),
            ],
            check=True,
        )
        image = Image.open(next(tmp_path.glob("p*.png")))
        assert [b.text for b in zxingcpp.read_barcodes(image)] == [f"{base}/v/{token}"]
    finally:
        if server.poll() is None:
            os.killpg(server.pid, signal.SIGTERM)
            server.communicate(timeout=30)
