"""Dev tooling for the signage pages: start edge-signage, drive a headless Chromium.

Used by the end-to-end tests, ``benchmarks/signage_latency.py`` and the demo;
never by the device. Chromium and its driver are the Debian packages
``chromium`` and ``chromium-driver`` (``make browser`` installs them).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

CHROMIUM_FLAGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-extensions", "--disable-default-apps", "--hide-scrollbars", "--mute-audio",
    # Pages of a video wall sit side by side and must keep drawing frames.
    "--disable-background-timer-throttling", "--disable-renderer-backgrounding",
    "--disable-backgrounding-occluded-windows",
)


class BrowserMissing(RuntimeError):
    pass


def signage_cmd(config: Path, *, port: int | None = None, log_level: str = "WARNING") -> list[str]:
    cmd = [sys.executable, "-m", "edge.signage.cli", "--config", str(config), "--log-level", log_level]
    return cmd + (["--port", str(port)] if port else [])


def wait_http(url: str, timeout: float = 20.0, proc: subprocess.Popen | None = None) -> None:
    """Wait until ``url`` answers 200 (or fail early if ``proc`` died)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(url, timeout=1) as resp:
                if resp.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"{proc.args[:4]} exited with {proc.returncode} before {url} answered")
        if time.monotonic() > deadline:
            raise TimeoutError(f"{url} did not answer in {timeout} s")
        time.sleep(0.1)


def chromium(width: int = 1920, height: int = 1080) -> Any:
    """A headless Chromium under Selenium, with a fresh profile (``driver.quit()`` removes it)."""
    binary = shutil.which("chromium") or "/usr/bin/chromium"
    driver_path = shutil.which("chromedriver") or "/usr/bin/chromedriver"
    if not Path(binary).exists() or not Path(driver_path).exists():
        raise BrowserMissing("chromium/chromedriver not found: install the Debian packages "
                             "'chromium' and 'chromium-driver' (make browser does it)")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    profile = tempfile.mkdtemp(prefix="signage-chromium-")
    opts = webdriver.ChromeOptions()
    opts.binary_location = binary
    for flag in CHROMIUM_FLAGS:
        opts.add_argument(flag)
    opts.add_argument(f"--user-data-dir={profile}")
    opts.add_argument(f"--window-size={width},{height}")
    driver = webdriver.Chrome(service=Service(driver_path), options=opts)
    set_viewport(driver, width, height)
    quit_ = driver.quit

    def quit_and_clean() -> None:
        try:
            quit_()
        finally:
            shutil.rmtree(profile, ignore_errors=True)

    driver.quit = quit_and_clean  # type: ignore[method-assign]
    return driver


def set_viewport(driver: Any, width: int, height: int) -> None:
    """Make the page's viewport exactly ``width`` x ``height`` CSS pixels (a screen's
    resolution), whatever the headless window adds around it."""
    driver.set_window_size(width, height + 200)
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                           {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False})


def screenshot_not_blank(png: Path) -> float:
    """Fraction of pixels that differ from the most common colour (0 = blank)."""
    import numpy as np

    try:
        import cv2
    except ImportError as exc:  # pragma: no cover - opencv is in the edge extra
        raise RuntimeError("opencv-python-headless is needed to check screenshots") from exc
    img = cv2.imread(str(png))
    if img is None:
        raise RuntimeError(f"{png}: not a readable image")
    flat = img.reshape(-1, 3)
    colours, counts = np.unique(flat, axis=0, return_counts=True)
    return float(1 - counts.max() / len(flat))
